package dev.quota.jooq;

import dev.quota.QuotaException;
import dev.quota.jooq.internal.SchemaCheck;
import java.util.List;
import java.util.Objects;

/**
 * quota's schema is missing or incomplete: thrown by {@link PostgresQuotaStore.Builder#build()} when the database
 * answers but the schema lacks tables or functions the store needs (the migration scripts were never applied, or
 * not those of this version). The message names what is missing and every way to create it, in the words the
 * {@code quota} command line uses:
 * {@snippet lang=text :
 * schema billing has no quota tables: run 'quota --schema billing migrate', call
 * PostgresQuotaStore.createSchema(dataSource, "billing"), or migrate with Flyway (location classpath:db/quota,
 * schema billing)
 * }
 */
public final class QuotaSchemaException extends QuotaException {
  private static final long serialVersionUID = 1L;

  private final String schema;
  private final List<String> missing;

  /**
   * Creates the exception.
   *
   * @param schema the schema
   * @param missing the tables (by name) and functions (as {@code name()}) it lacks; not empty
   */
  public QuotaSchemaException(String schema, List<String> missing) {
    super(message(Objects.requireNonNull(schema, "schema"), List.copyOf(missing)));
    if (missing.isEmpty()) {
      throw new IllegalArgumentException("a schema problem names what is missing");
    }
    this.schema = schema;
    this.missing = List.copyOf(missing);
  }

  /**
   * The exception for a schema without any of quota's tables (or one that does not exist).
   *
   * @param schema the schema
   * @return the exception, naming every table and function as missing
   */
  public static QuotaSchemaException withoutTables(String schema) {
    List<String> everything = new java.util.ArrayList<>(SchemaCheck.TABLES);
    SchemaCheck.FUNCTIONS.forEach(f -> everything.add(f + "()"));
    return new QuotaSchemaException(schema, everything);
  }

  /** @return the schema the store was built for */
  public String schema() {
    return schema;
  }

  /** @return the tables and functions ({@code name()}) the schema lacks */
  public List<String> missing() {
    return missing;
  }

  /**
   * What is wrong, without the ways to fix it: the words every tool of quota starts its report of this problem with
   * (the store here, the command line, the Spring Boot starter, which adds fixes in its own properties).
   *
   * @return e.g. {@code schema billing has no quota tables}
   */
  public String problem() {
    return problem(schema, missing);
  }

  private static String problem(String schema, List<String> missing) {
    if (missing.containsAll(SchemaCheck.TABLES)) {
      return "schema " + schema + " has no quota tables";
    }
    return "schema " + schema + " lacks part of quota's tables and functions (" + String.join(", ", missing)
        + "): its migration scripts are not all applied";
  }

  private static String message(String schema, List<String> missing) {
    String fix = "run 'quota --schema " + schema + " migrate', call PostgresQuotaStore.createSchema(dataSource, \""
        + schema + "\"), or migrate with Flyway (location " + PostgresQuotaStore.MIGRATION_LOCATION + ", schema "
        + schema + ")";
    return problem(schema, missing) + (missing.containsAll(SchemaCheck.TABLES) ? ": " : "; ") + fix;
  }
}

package dev.quota.jooq.internal;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import dev.quota.jooq.internal.generated.DefaultSchema;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Table;
import org.jooq.impl.SQLDataType;

/**
 * What the store needs in its schema, and what a schema lacks of it: the tables of the migration scripts (as the
 * generated code knows them), the indexes of {@link #INDEXES} and the functions the scripts define, which the store's statements call. Read from
 * PostgreSQL's catalog, which every role may read, so the least-privilege role can run the check.
 */
public final class SchemaCheck {
  /** quota's tables, as the migration scripts create them. */
  public static final List<String> TABLES = DefaultSchema.DEFAULT_SCHEMA.getTables().stream().map(Table::getName)
      .sorted().toList();
  /** The functions the migration scripts create; a test holds this list to what they create. */
  public static final List<String> FUNCTIONS = List.of("audit_log_refuse_change", "quota_append_batch",
      "quota_commit", "quota_consume_batch", "quota_expired", "quota_expired_holds", "quota_fits",
      "quota_next_hold_expiry", "quota_path_commit", "quota_path_consume_batch", "quota_path_write", "quota_reserve");

  /**
   * The indexes the store cannot run without: the usage history's (migration V8), which a read needs to stay fast as
   * the ledger grows, and the one that makes a rollover once per tenant, meter and period (migration V11), without
   * which concurrent instances could each write one.
   */
  public static final List<String> INDEXES = List.of("usage_archive_history", "usage_ledger_history",
      "entitlement_rollover_once");

  private SchemaCheck() {}

  /**
   * Lists what the schema lacks: tables by name, functions as {@code name()}.
   *
   * @param dsl a context on the database
   * @param schema the schema
   * @return the missing tables, then the missing indexes, then the missing functions; empty when the schema has
   *     everything
   */
  public static List<String> missing(DSLContext dsl, String schema) {
    Table<?> relations = table(name("pg_catalog", "pg_class")).as("c");
    Table<?> namespaces = table(name("pg_catalog", "pg_namespace")).as("n");
    Table<?> functions = table(name("pg_catalog", "pg_proc")).as("p");
    Field<String> namespace = field(name("n", "nspname"), SQLDataType.VARCHAR);
    Field<Object> namespaceId = field(name("n", "oid"));
    Field<String> relationName = field(name("c", "relname"), SQLDataType.VARCHAR);
    Field<String> functionName = field(name("p", "proname"), SQLDataType.VARCHAR);
    Set<String> tables = new HashSet<>(dsl.select(relationName)
        .from(relations).join(namespaces).on(namespaceId.eq(field(name("c", "relnamespace"))))
        .where(namespace.eq(schema), field(name("c", "relkind")).cast(SQLDataType.VARCHAR).in("r", "p", "i"))
        .fetch(relationName));
    Set<String> defined = new HashSet<>(dsl.select(functionName)
        .from(functions).join(namespaces).on(namespaceId.eq(field(name("p", "pronamespace"))))
        .where(namespace.eq(schema))
        .fetch(functionName));
    List<String> missing = new ArrayList<>();
    TABLES.stream().filter(t -> !tables.contains(t)).forEach(missing::add);
    INDEXES.stream().filter(i -> !tables.contains(i)).forEach(missing::add);
    FUNCTIONS.stream().filter(f -> !defined.contains(f)).map(f -> f + "()").forEach(missing::add);
    return missing;
  }
}

package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.generated.Tables.TENANT;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.val;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/** Creates the schema from the migration scripts shipped in the jar, for hosts without a migration tool. */
public final class Migrations {
  /** Where the scripts live on the class path: the location to give Flyway. */
  public static final String LOCATION = "db/migration/quota";
  /** The scripts, in order. A test checks that this list matches the folder. */
  public static final List<String> SCRIPTS = List.of("V1__quota_schema.sql", "V2__batched_usage_writes.sql");

  private Migrations() {}

  /**
   * Creates the schema if it has no quota tables yet, under an advisory lock so that instances starting together
   * do not race.
   *
   * @param dataSource the database
   * @param schema the schema's name
   * @return {@code true} if the tables were created, {@code false} if they existed
   */
  public static boolean createSchema(DataSource dataSource, String schema) {
    DSLContext dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
    try {
      return dsl.transactionResult(configuration -> {
        DSLContext tx = configuration.dsl();
        tx.select(function(name("pg_advisory_xact_lock"), SQLDataType.OTHER,
            val(("quota schema " + schema).hashCode()))).fetch();
        tx.createSchemaIfNotExists(name(schema)).execute();
        String quotedTable = tx.render(name(schema, TENANT.getName()));
        boolean exists = tx.select(function(name("to_regclass"), SQLDataType.VARCHAR, val(quotedTable)).isNotNull())
            .fetchSingle().value1();
        if (exists) {
          return false;
        }
        // the scripts name objects unqualified: point this transaction's search path at the schema
        tx.select(function(name("set_config"), SQLDataType.VARCHAR, val("search_path"), val(tx.render(name(schema))),
            val(true))).fetch();
        tx.connection(connection -> {
          try (Statement statement = connection.createStatement()) {
            for (String script : SCRIPTS) {
              statement.execute(read(LOCATION + "/" + script));
            }
          }
        });
        return true;
      });
    } catch (RuntimeException e) {
      throw Failures.translate(e);
    }
  }

  private static String read(String resource) {
    try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("migration script " + resource + " is missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.generated.Tables.TENANT;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/** Creates the schema from the migration scripts shipped in the jar, for hosts without a migration tool. */
public final class Migrations {
  /**
   * Where the scripts live on the class path: the location to give Flyway. Deliberately outside Flyway's default
   * {@code db/migration}, which Flyway scans with its sub-folders: an application's own Flyway must not pick
   * quota's scripts up by accident (their version 1 would clash with the application's).
   */
  public static final String LOCATION = "db/quota";
  /** The table in the schema that notes which scripts {@link #createSchema} ran (Flyway keeps its own). */
  public static final String HISTORY_TABLE = "quota_schema_scripts";
  /** The scripts, in order. A test checks that this list matches the folder. */
  public static final List<String> SCRIPTS = List.of("V1__quota_schema.sql", "V2__batched_usage_writes.sql",
      "V3__counter_rules_written_once.sql", "V5__service_record.sql", "V6__reserve_and_commit_in_one_statement.sql",
      "V7__notification_outbox.sql", "V8__usage_history.sql",
      "V9__tenant_limits_and_credits.sql", "V11__rollover.sql", "V12__usage_history_rollup.sql",
      "V13__tenant_tree_and_windows.sql", "V14__path_writes.sql");

  private Migrations() {}

  /**
   * Brings a schema up to the scripts shipped in the jar, under an advisory lock so that instances starting
   * together do not race: creates the schema, then runs every script not run before, in order, in one
   * transaction, and notes each in the table {@value #HISTORY_TABLE}. A schema whose tables were made before that
   * table existed counts as having run the first script.
   *
   * @param dataSource the database
   * @param schema the schema's name
   * @return {@code true} if a script ran, {@code false} if the schema was up to date
   */
  public static boolean createSchema(DataSource dataSource, String schema) {
    DSLContext dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
    try {
      return dsl.transactionResult(configuration -> {
        DSLContext tx = configuration.dsl();
        tx.select(function(name("pg_advisory_xact_lock"), SQLDataType.OTHER,
            val(("quota schema " + schema).hashCode()))).fetch();
        tx.createSchemaIfNotExists(name(schema)).execute();
        Table<?> history = table(name(schema, HISTORY_TABLE));
        Field<String> script = field(name("script"), SQLDataType.VARCHAR(200).notNull());
        Field<java.time.Instant> appliedAt = field(name("applied_at"), SQLDataType.INSTANT.notNull());
        tx.createTableIfNotExists(history).column(script).column(appliedAt).primaryKey(script).execute();
        Set<String> applied = new HashSet<>(tx.select(script).from(history).fetch(script));
        String quotedTenant = tx.render(name(schema, TENANT.getName()));
        boolean tablesExist = tx.fetchValue(DSL.select(DSL.field(
            function(name("to_regclass"), SQLDataType.VARCHAR, val(quotedTenant)).isNotNull())));
        if (applied.isEmpty() && tablesExist) {
          // made by a version that kept no history: its tables are the first script's
          applied.add(SCRIPTS.get(0));
          tx.insertInto(history).columns(script, appliedAt).values(val(SCRIPTS.get(0)), DSL.currentInstant()).execute();
        }
        List<String> missing = SCRIPTS.stream().filter(s -> !applied.contains(s)).toList();
        if (missing.isEmpty()) {
          return false;
        }
        // the scripts name objects unqualified: point this transaction's search path at the schema
        tx.select(function(name("set_config"), SQLDataType.VARCHAR, val("search_path"), val(tx.render(name(schema))),
            val(true))).fetch();
        for (String name : missing) {
          tx.connection(connection -> {
            try (Statement statement = connection.createStatement()) {
              statement.execute(read(LOCATION + "/" + name));
            }
          });
          tx.insertInto(history).columns(script, appliedAt).values(val(name), DSL.currentInstant()).execute();
        }
        return true;
      });
    } catch (RuntimeException e) {
      throw Failures.translate(e);
    }
  }

  private static String read(String resource) {
    // through the class, not its loader: on the module path a loader finds a module's resources only in packages
    // opened to everyone, the class finds its own module's in any case
    try (InputStream in = Migrations.class.getResourceAsStream("/" + resource)) {
      if (in == null) {
        throw new IllegalStateException("migration script " + resource + " is missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

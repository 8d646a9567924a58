package dev.quota.spring.boot.autoconfigure;

import dev.quota.jooq.PostgresQuotaStore;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;

/** quota's own Flyway run; loaded only when Flyway is on the class path. */
final class FlywayMigration {
  private static final Logger LOG = LoggerFactory.getLogger(FlywayMigration.class);

  private FlywayMigration() {}

  /**
   * The data source the application's Flyway migrates with (its own {@code spring.flyway.url} or
   * {@code spring.flyway.user}, if set), else the application's.
   */
  static DataSource migrationDataSource(ListableBeanFactory beans, DataSource fallback) {
    Flyway flyway = beans.getBeanProvider(Flyway.class).getIfUnique();
    return flyway != null && flyway.getConfiguration().getDataSource() != null
        ? flyway.getConfiguration().getDataSource() : fallback;
  }

  static void migrate(DataSource dataSource, String schema) {
    MigrateResult result = Flyway.configure(FlywayMigration.class.getClassLoader())
        .dataSource(dataSource)
        .schemas(schema)
        .defaultSchema(schema)
        .createSchemas(true)
        .table(QuotaSchemaInitializer.HISTORY_TABLE)
        .locations(PostgresQuotaStore.MIGRATION_LOCATION)
        .load()
        .migrate();
    LOG.info("quota: schema '{}' migrated by Flyway from {} ({} migration(s) applied, now at version {}; history in "
        + "{}.{})", schema, PostgresQuotaStore.MIGRATION_LOCATION, result.migrationsExecuted,
        result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion, schema,
        QuotaSchemaInitializer.HISTORY_TABLE);
  }
}

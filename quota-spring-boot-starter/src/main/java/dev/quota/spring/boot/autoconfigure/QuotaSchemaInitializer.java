package dev.quota.spring.boot.autoconfigure;

import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.jooq.QuotaSchemaException;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.util.ClassUtils;

/**
 * Makes sure quota's tables exist before the store is used, in one of three ways, and says which at start-up:
 *
 * <ul>
 *   <li>{@link Strategy#FLYWAY} (Flyway on the class path, {@code quota.schema.use-flyway} not false): Flyway
 *       migrates quota's schema from {@value PostgresQuotaStore#MIGRATION_LOCATION}, with the schema as its
 *       default schema and its own history table {@value #HISTORY_TABLE} in it, using the application's Flyway
 *       data source (so {@code spring.flyway.user} applies). It is a run of its own because quota's scripts
 *       name their objects unqualified, to be placed in quota's schema, and number their versions from 1,
 *       which the application's own migrations use too. It is not turned off by {@code spring.flyway.enabled=false},
 *       which governs the application's own migrations (as Spring Batch's and Quartz's schemas have switches of
 *       their own); {@code quota.schema.use-flyway=false} turns it off, and start-up says so.</li>
 *   <li>{@link Strategy#CREATE} ({@code quota.schema.create=true}, Flyway not used): the tables are created if
 *       missing, by {@link PostgresQuotaStore#createSchema}.</li>
 *   <li>{@link Strategy#VERIFY} (otherwise): nothing is created; start-up fails if the tables are missing,
 *       saying how to create them (with Flyway on the class path, {@code quota.schema.use-flyway=false} made it so,
 *       and the advice is to migrate them with the application's own migration). If the database cannot be
 *       reached, start-up goes on with a warning and the failure policy decides until it can.</li>
 * </ul>
 *
 * <p>Define a bean of this type to replace it, for example to leave the schema to a migration tool of your own.
 */
public class QuotaSchemaInitializer implements InitializingBean, BeanClassLoaderAware {
  /** The name of the Flyway history table of quota's schema. */
  public static final String HISTORY_TABLE = "quota_schema_history";

  private static final Logger LOG = LoggerFactory.getLogger(QuotaSchemaInitializer.class);

  /** How the schema is made sure of. */
  public enum Strategy {
    /** Migrated by a Flyway run of quota's own. */
    FLYWAY,
    /** Created if missing, without a migration tool. */
    CREATE,
    /** Checked only. */
    VERIFY
  }

  private final DataSource dataSource;
  private final String schema;
  private final Strategy strategy;
  private final DataSource migrationDataSource;
  private @Nullable ClassLoader classLoader;

  /**
   * Creates the initializer; {@link #afterPropertiesSet()} does the work.
   *
   * @param dataSource the store's data source
   * @param schema quota's schema
   * @param strategy how to make sure of it
   * @param migrationDataSource the data source migrations and creation run on
   */
  public QuotaSchemaInitializer(DataSource dataSource, String schema, Strategy strategy, DataSource migrationDataSource) {
    this.dataSource = dataSource;
    this.schema = schema;
    this.strategy = strategy;
    this.migrationDataSource = migrationDataSource;
  }

  /**
   * Takes the application's class loader, which tells whether Flyway is there (for the advice when tables are
   * missing).
   *
   * @param classLoader the application's class loader
   */
  @Override
  public void setBeanClassLoader(ClassLoader classLoader) {
    this.classLoader = classLoader;
  }

  /** @return quota's schema */
  public String schema() {
    return schema;
  }

  /** @return how the schema is made sure of */
  public Strategy strategy() {
    return strategy;
  }

  @Override
  public void afterPropertiesSet() {
    switch (strategy) {
      case FLYWAY -> FlywayMigration.migrate(migrationDataSource, schema);
      case CREATE -> {
        boolean created = PostgresQuotaStore.createSchema(migrationDataSource, schema);
        LOG.info(created ? "quota: created its tables in schema '{}' (quota.schema.create=true)"
            : "quota: its tables in schema '{}' exist already (quota.schema.create=true)", schema);
      }
      case VERIFY -> verify();
    }
  }

  private void verify() {
    boolean present;
    try {
      present = tablesExist(dataSource, schema);
    } catch (DataAccessException e) {
      LOG.warn("quota: could not check its tables in schema '{}' at start-up; the failure policy decides until "
          + "the database answers: {}", schema, e.getMessage());
      return;
    }
    boolean flywayPresent = ClassUtils.isPresent("org.flywaydb.core.Flyway", classLoader);
    if (!present) {
      throw missingTables(schema, flywayPresent);
    }
    LOG.info("quota: found its tables in schema '{}' (left to the application: {})", schema,
        flywayPresent ? "quota.schema.use-flyway=false" : "no Flyway, quota.schema.create=false");
  }

  /**
   * The failure for a schema without quota's tables, with advice that fits why quota did not create them: with
   * Flyway on the class path, the application turned quota's migration off itself, and adding Flyway is no advice.
   */
  static QuotaStartupException missingTables(String schema, boolean flywayPresent) {
    // the library's words for the problem (as PostgresQuotaStore and the command line say it), the starter's fixes
    String description = QuotaSchemaException.withoutTables(schema).problem();
    if (flywayPresent) {
      return new QuotaStartupException(description + ", and quota.schema.use-flyway=false leaves them to the "
          + "application.",
          "Create them in one of these ways: apply the scripts in " + PostgresQuotaStore.MIGRATION_LOCATION
              + " to schema '" + schema + "' with the application's own migration (a Flyway run with schemas="
              + schema + ", locations=" + PostgresQuotaStore.MIGRATION_LOCATION + " and table=" + HISTORY_TABLE
              + "); or set quota.schema.create=true; or remove quota.schema.use-flyway=false, and quota migrates "
              + "them with Flyway at start-up.");
    }
    return new QuotaStartupException(description + ", and without Flyway quota does not create them unless asked.",
        "Add Flyway to the application (org.flywaydb:flyway-core and flyway-database-postgresql) and quota migrates "
            + "its schema at start-up; or set quota.schema.create=true; or apply the scripts in "
            + PostgresQuotaStore.MIGRATION_LOCATION + " to schema '" + schema + "' yourself.");
  }

  /**
   * Tells whether quota's tables are in a schema.
   *
   * @param dataSource the database
   * @param schema the schema
   * @return whether quota's {@code tenant} table exists there
   * @throws DataAccessException if the database cannot be asked
   */
  static boolean tablesExist(DataSource dataSource, String schema) {
    DSLContext dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
    String table = dsl.render(DSL.name(schema, "tenant"));
    return dsl.select(DSL.function(DSL.name("to_regclass"), SQLDataType.VARCHAR, DSL.val(table)).isNotNull())
        .fetchSingle().value1();
  }
}

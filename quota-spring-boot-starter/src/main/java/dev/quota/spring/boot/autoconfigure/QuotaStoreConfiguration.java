package dev.quota.spring.boot.autoconfigure;

import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.spi.QuotaStore;
import java.time.Duration;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.impl.DataSourceConnectionProvider;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The PostgreSQL store over the application's {@link DataSource}, unless the application defines a
 * {@link QuotaStore}. When jOOQ's starter made a {@link DSLContext}, the store keeps its settings and listeners
 * (for the statements jOOQ runs; the hot paths run statements rendered once, over JDBC).
 *
 * <p>Either way the store gets its connections straight from the {@code DataSource}, never through Spring's
 * transaction synchronisation: quota commits its own short transactions, and joining the caller's transaction
 * would commit or roll back the caller's work with it.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass({PostgresQuotaStore.class, DataSource.class})
@ConditionalOnMissingBean(QuotaStore.class)
@ConditionalOnSingleCandidate(DataSource.class)
class QuotaStoreConfiguration {
  private static final Logger LOG = LoggerFactory.getLogger(QuotaStoreConfiguration.class);

  QuotaStoreConfiguration() {
    JooqSetup.beforeFirstUse(); // before any bean here uses jOOQ: an old jOOQ fails start-up naming jooq.version
  }

  /**
   * Flyway is on the class path: quota's schema is migrated by a Flyway run of its own (see
   * {@link QuotaSchemaInitializer}), unless {@code quota.schema.use-flyway=false}. A member class, so that it is
   * registered before the fallback below and only loaded when Flyway is there.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.flywaydb.core.Flyway")
  @ConditionalOnProperty(name = "quota.schema.use-flyway", havingValue = "true", matchIfMissing = true)
  static class FlywaySchemaConfiguration {
    FlywaySchemaConfiguration() {
      JooqSetup.beforeFirstUse(); // before quota's tables are migrated for a store that could not run
    }

    @Bean
    @ConditionalOnMissingBean
    QuotaSchemaInitializer quotaSchemaInitializer(QuotaProperties properties, DataSource dataSource,
        ListableBeanFactory beans, Environment environment) {
      if (!environment.getProperty("spring.flyway.enabled", Boolean.class, true)) {
        // Decided: quota's schema is quota's concern, as Spring Batch's or Quartz's is theirs, and the application
        // that turns its own migrations off (often in tests) still needs quota's tables. Said once, at start-up.
        LOG.info("quota: spring.flyway.enabled=false turns off the application's own Flyway migrations, not "
            + "quota's: quota migrates schema '{}' in a Flyway run of its own. To leave quota's schema to the "
            + "application, set quota.schema.use-flyway=false.", properties.getSchema().getName());
      }
      return new QuotaSchemaInitializer(dataSource, schemaName(properties), QuotaSchemaInitializer.Strategy.FLYWAY,
          FlywayMigration.migrationDataSource(beans, dataSource));
    }

    /** With Spring Boot's Flyway support: keeps the application's Flyway off quota's scripts. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.flyway.autoconfigure.FlywayConfigurationCustomizer")
    static class LocationCheckConfiguration {
      @Bean
      QuotaFlywayLocationCheck quotaFlywayLocationCheck(QuotaProperties properties) {
        return new QuotaFlywayLocationCheck(properties.getSchema().getName());
      }
    }
  }

  @Bean
  @ConditionalOnMissingBean
  QuotaSchemaInitializer quotaSchemaInitializer(QuotaProperties properties, DataSource dataSource) {
    QuotaSchemaInitializer.Strategy strategy = properties.getSchema().isCreate()
        ? QuotaSchemaInitializer.Strategy.CREATE : QuotaSchemaInitializer.Strategy.VERIFY;
    return new QuotaSchemaInitializer(dataSource, schemaName(properties), strategy, dataSource);
  }

  @Bean(destroyMethod = "close")
  PostgresQuotaStore quotaStore(QuotaProperties properties, DataSource dataSource, ObjectProvider<DSLContext> dsl,
      QuotaSchemaInitializer schema, ObjectProvider<QuotaHostTierTable> hostTierTable) {
    PostgresQuotaStore.Builder builder = PostgresQuotaStore.builder();
    DSLContext applicationDsl = dsl.getIfUnique();
    if (applicationDsl != null) {
      // Keep the application's jOOQ settings and listeners, but not its transaction-aware connections.
      DSLContext own = applicationDsl.configuration().derive(new DataSourceConnectionProvider(dataSource)).dsl();
      PropertyChecks.check("spring.jooq.sql-dialect", applicationDsl.dialect(), () -> builder.dsl(own));
    } else {
      builder.dataSource(dataSource);
    }
    PropertyChecks.check("quota.schema.name", schema.schema(), () -> builder.schema(schema.schema()));

    QuotaProperties.Cache cache = properties.getCache();
    if (cache.isEnabled()) {
      Duration staleness = required("quota.cache.staleness", cache.getStaleness());
      PropertyChecks.check("quota.cache.staleness", staleness, () -> builder.cacheTtl(staleness));
      PropertyChecks.check("quota.cache.maximum-size", cache.getMaximumSize(),
          () -> builder.cacheMaximumSize(cache.getMaximumSize()));
      builder.listenForChanges(cache.isListenForChanges());
    } else {
      builder.strict();
      builder.listenForChanges(false);
    }

    // quota.host-tier-table.table set: the table, checked at start-up (HostTierTableConfiguration)
    QuotaHostTierTable host = hostTierTable.getIfAvailable();
    if (host != null) {
      builder.plansFromHostTable(host.schema(), host.table(), host.idColumn(), host.tierColumn(), host.idDataType());
    }
    return builder.build();
  }

  private static String schemaName(QuotaProperties properties) {
    String name = properties.getSchema().getName();
    return PropertyChecks.check("quota.schema.name", name, () -> {
      PostgresQuotaStore.builder().schema(name); // the store's own rule for schema names
      return name;
    });
  }

  private static <T> T required(String property, @Nullable T value) {
    if (value == null) {
      throw PropertyChecks.invalid(property, null, "must be set");
    }
    return value;
  }
}

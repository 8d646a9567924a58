package dev.quota.spring.boot.autoconfigure;

import dev.quota.InvalidRequestException;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.spi.QuotaStore;
import dev.quota.spring.boot.autoconfigure.QuotaProperties.HostTierTable;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.impl.DataSourceConnectionProvider;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

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
  /** quota-jooq's field names, as its builder reports them, mapped to the properties they come from. */
  private static final Map<String, String> HOST_TABLE_PROPERTIES = Map.of(
      "host plan schema", "quota.host-tier-table.schema",
      "host plan table", "quota.host-tier-table.table",
      "host plan id column", "quota.host-tier-table.id-column",
      "host plan tier column", "quota.host-tier-table.tier-column");

  /**
   * Flyway is on the class path: quota's schema is migrated by a Flyway run of its own (see
   * {@link QuotaSchemaInitializer}), unless {@code quota.schema.use-flyway=false}. A member class, so that it is
   * registered before the fallback below and only loaded when Flyway is there.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.flywaydb.core.Flyway")
  @ConditionalOnProperty(name = "quota.schema.use-flyway", havingValue = "true", matchIfMissing = true)
  static class FlywaySchemaConfiguration {
    @Bean
    @ConditionalOnMissingBean
    QuotaSchemaInitializer quotaSchemaInitializer(QuotaProperties properties, DataSource dataSource,
        ListableBeanFactory beans) {
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
      QuotaSchemaInitializer schema) {
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

    HostTierTable host = properties.getHostTierTable();
    if (host.getTable() != null) {
      DataType<?> idType = switch (required("quota.host-tier-table.id-type", host.getIdType())) {
        case TEXT -> SQLDataType.VARCHAR;
        case BIGINT -> SQLDataType.BIGINT;
        case INTEGER -> SQLDataType.INTEGER;
        case UUID -> SQLDataType.UUID;
      };
      try {
        builder.plansFromHostTable(host.getSchema(), host.getTable(), host.getIdColumn(), host.getTierColumn(), idType);
      } catch (InvalidRequestException e) {
        String property = HOST_TABLE_PROPERTIES.getOrDefault(e.field(), "quota.host-tier-table");
        throw new InvalidConfigurationPropertyValueException(property, null, e.getMessage());
      }
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

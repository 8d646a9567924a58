package dev.quota.spring.boot.autoconfigure;

import dev.quota.jooq.PostgresQuotaStore;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The application's tier table ({@link QuotaHostTierTable}) when {@code quota.host-tier-table.table} is set: checked
 * at start-up whichever store is used, read by the PostgreSQL store the starter builds, and injectable into a store
 * of the application's own (the in-memory store of its tests).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass({PostgresQuotaStore.class, DataSource.class})
@ConditionalOnSingleCandidate(DataSource.class)
@ConditionalOnProperty(prefix = "quota.host-tier-table", name = "table")
class HostTierTableConfiguration {

  /** Checked after the application's own migrations (its Flyway, schema.sql), which may create the table. */
  @Bean
  @ConditionalOnMissingBean
  @DependsOnDatabaseInitialization
  QuotaHostTierTable quotaHostTierTable(DataSource dataSource, QuotaProperties properties) {
    return new QuotaHostTierTable(dataSource, properties.getHostTierTable());
  }
}

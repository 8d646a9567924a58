package dev.quota.spring.boot.autoconfigure;

import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.spring.boot.actuate.QuotaHealthIndicator;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code quota} health contributor ({@link QuotaHealthIndicator}) for the PostgreSQL store, when Spring Boot's
 * health support is present and {@code management.health.quota.enabled} is not {@code false}.
 */
@AutoConfiguration(after = QuotaAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class, PostgresQuotaStore.class})
@ConditionalOnEnabledHealthIndicator("quota")
public class QuotaHealthAutoConfiguration {

  /** Creates the configuration; Spring Boot does. */
  public QuotaHealthAutoConfiguration() {}

  /**
   * The health contributor, named {@code quota} after the bean.
   *
   * @param store the PostgreSQL store
   * @param dataSource its data source
   * @param properties the properties: whether the listener is meant to run
   * @return the indicator
   */
  @Bean
  @ConditionalOnMissingBean(name = "quotaHealthIndicator")
  @ConditionalOnBean(PostgresQuotaStore.class)
  @ConditionalOnSingleCandidate(DataSource.class)
  public QuotaHealthIndicator quotaHealthIndicator(PostgresQuotaStore store, DataSource dataSource,
      QuotaProperties properties) {
    boolean listening = properties.getCache().isEnabled() && properties.getCache().isListenForChanges();
    return new QuotaHealthIndicator(store, dataSource, listening);
  }
}

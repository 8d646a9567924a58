package dev.quota.spring.boot.postgres;

import dev.quota.spring.boot.autoconfigure.QuotaAutoConfiguration;
import dev.quota.spring.boot.autoconfigure.QuotaHealthAutoConfiguration;
import dev.quota.spring.boot.autoconfigure.QuotaMetricsAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** An application context as Spring Boot builds it for an application with a PostgreSQL data source. */
final class PostgresRunner {
  private PostgresRunner() {}

  /**
   * @param schema quota's schema
   * @return a runner with the data source, Flyway (the application's own turned off, so that tests leave the
   *     shared database's default schema alone) and quota's auto-configurations
   */
  static ApplicationContextRunner forSchema(String schema) {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class,
            QuotaAutoConfiguration.class, QuotaMetricsAutoConfiguration.class, QuotaHealthAutoConfiguration.class))
        .withPropertyValues("spring.datasource.url=" + TestDatabase.url(), "spring.flyway.enabled=false",
            "spring.datasource.hikari.maximum-pool-size=4", "quota.schema.name=" + schema);
  }
}

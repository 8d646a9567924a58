package dev.quota.spring.boot.autoconfigure;

import dev.quota.micrometer.QuotaMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Records quota's meters (see {@link QuotaMetrics}) in the application's {@link MeterRegistry}, when it has one
 * and {@code quota.metrics.enabled} is not {@code false}. {@link QuotaAutoConfiguration} then times the store and
 * adds the metrics observer to the quota instance it builds.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass({MeterRegistry.class, QuotaMetrics.class})
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnProperty(prefix = "quota.metrics", name = "enabled", matchIfMissing = true)
public class QuotaMetricsAutoConfiguration {

  /** Creates the configuration; Spring Boot does. */
  public QuotaMetricsAutoConfiguration() {}

  /**
   * The Micrometer binding.
   *
   * @param registry the application's registry
   * @param clock the application's clock, if it has exactly one: tells which reservations have expired
   * @return the binding
   */
  @Bean
  @ConditionalOnMissingBean
  public QuotaMetrics quotaMetrics(MeterRegistry registry, ObjectProvider<Clock> clock) {
    return QuotaMetrics.builder(registry).clock(clock.getIfUnique(Clock::systemUTC)).build();
  }
}

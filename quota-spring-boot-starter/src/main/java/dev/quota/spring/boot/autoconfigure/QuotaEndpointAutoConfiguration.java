package dev.quota.spring.boot.autoconfigure;

import dev.quota.Quota;
import dev.quota.spring.boot.actuate.QuotaEndpoint;
import dev.quota.spring.boot.actuate.QuotaEndpointWebExtension;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The read-only {@code quota} actuator endpoint ({@link QuotaEndpoint}) and its answers over HTTP
 * ({@link QuotaEndpointWebExtension}), when Spring Boot's actuator is present and the endpoint is available (enabled
 * and exposed).
 */
@AutoConfiguration(after = QuotaAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
public class QuotaEndpointAutoConfiguration {

  /** Creates the configuration; Spring Boot does. */
  public QuotaEndpointAutoConfiguration() {}

  /**
   * The endpoint, over the quota instance's guard and catalogue.
   *
   * @param quota the quota instance
   * @return the endpoint
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(Quota.class)
  @ConditionalOnAvailableEndpoint
  public QuotaEndpoint quotaEndpoint(Quota quota) {
    return new QuotaEndpoint(quota.guard(), quota.catalogue());
  }

  /**
   * The endpoint's answers over HTTP: 503 while quota's store cannot serve, rather than 500.
   *
   * @param endpoint the endpoint
   * @return the extension
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(QuotaEndpoint.class)
  @ConditionalOnAvailableEndpoint(endpoint = QuotaEndpoint.class, exposure = EndpointExposure.WEB)
  public QuotaEndpointWebExtension quotaEndpointWebExtension(QuotaEndpoint endpoint) {
    return new QuotaEndpointWebExtension(endpoint);
  }
}

package dev.quota.spring.boot;

import dev.quota.TenantId;
import java.net.URI;
import java.util.Optional;

/**
 * Tenants' own webhook URLs, for an application whose tenants set where their alerts are posted. Declared as a bean,
 * it feeds the webhook channel that {@code quota.alerts.webhook.enabled=true} creates: every URL it returns is checked
 * on every delivery against {@code quota.alerts.webhook.allowed-hosts} and against addresses that are not public
 * (loopback, private networks), so that a tenant cannot make the service call its own network.
 *
 * {@snippet :
 * @Bean
 * QuotaTenantWebhookUrls tenantWebhooks(AccountRepository accounts) {
 *   return tenant -> accounts.webhookUrl(tenant.value()).map(URI::create);
 * }
 * }
 */
@FunctionalInterface
public interface QuotaTenantWebhookUrls {

  /**
   * The tenant's own URL.
   *
   * @param tenant the tenant a notification is about
   * @return its URL, or empty to post to {@code quota.alerts.webhook.url} (if set); an exception thrown here is a
   *     failure that is retried
   */
  Optional<URI> urlOf(TenantId tenant);
}

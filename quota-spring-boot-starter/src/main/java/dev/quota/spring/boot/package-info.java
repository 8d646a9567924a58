/**
 * What a Spring Boot application sees of quota besides the guard and the admin beans:
 * {@link dev.quota.spring.boot.QuotaThresholdCrossedEvent}, the application event for threshold alerts, and
 * {@link dev.quota.spring.boot.UsagePage}, the JSON of a tenant's own usage endpoint, and
 * {@link dev.quota.spring.boot.QuotaTenantWebhookUrls}, tenants' own webhook URLs for the webhook channel.
 *
 * <p>Every type in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.quota.spring.boot;

import org.jspecify.annotations.NullMarked;

/**
 * Delivery channels for quota's notifications: {@link dev.quota.notify.EmailChannel} sends e-mail over SMTP from
 * {@link dev.quota.notify.EmailTemplate}s the host can replace; {@link dev.quota.notify.WebhookChannel} posts signed
 * JSON, which receivers check with {@link dev.quota.notify.WebhookSignature}; {@link dev.quota.notify.UrlPolicy}
 * decides which URLs a tenant may make the service call.
 *
 * <p>Every type in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.quota.notify;

import org.jspecify.annotations.NullMarked;

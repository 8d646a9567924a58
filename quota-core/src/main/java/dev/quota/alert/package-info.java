/**
 * Threshold alerts: a {@link dev.quota.alert.ThresholdAlert} when a tenant's usage crosses a threshold of its
 * ceiling (once per tenant, meter, period and threshold), delivered to a {@link dev.quota.alert.QuotaAlertListener};
 * and the {@link dev.quota.alert.Notification}s of the outbox, delivered at least once to each
 * {@link dev.quota.alert.NotificationChannel} (e-mail, webhooks, listeners).
 *
 * <p>Every type in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.quota.alert;

import org.jspecify.annotations.NullMarked;

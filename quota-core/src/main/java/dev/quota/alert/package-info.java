/**
 * Threshold alerts: a {@link dev.quota.alert.ThresholdAlert} when a tenant's usage crosses a threshold of its
 * ceiling (once per tenant, meter, period and threshold), delivered to a {@link dev.quota.alert.QuotaAlertListener}.
 *
 * <p>Every type in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.quota.alert;

import org.jspecify.annotations.NullMarked;

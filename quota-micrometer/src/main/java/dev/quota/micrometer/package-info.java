/**
 * Micrometer metrics for quota: {@link dev.quota.micrometer.QuotaMetrics} builds the observer that counts decisions,
 * usage and reservations, and the store decorator that times every store call. Tags are bounded, never a tenant id.
 *
 * <p>Every type in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.quota.micrometer;

import org.jspecify.annotations.NullMarked;

/**
 * quota's API: build a {@link dev.quota.Quota} over a {@link dev.quota.spi.QuotaStore}, ask its
 * {@link dev.quota.QuotaGuard} on the hot path (decisions, consumption, reservations, usage reports), and describe
 * limits with {@link dev.quota.TierCatalogue}, {@link dev.quota.Tier} and {@link dev.quota.Meter}.
 *
 * <p>Nullness is declared once, here: every type in this package is non-null unless annotated
 * {@code @Nullable}. An absent result is an {@link java.util.Optional}, never {@code null}.
 */
@NullMarked
package dev.quota;

import org.jspecify.annotations.NullMarked;

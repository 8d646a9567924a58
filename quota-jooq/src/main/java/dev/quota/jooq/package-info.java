/**
 * quota's PostgreSQL backend: {@link dev.quota.jooq.PostgresQuotaStore}, a {@link dev.quota.spi.QuotaStore} on jOOQ
 * with a Caffeine cache on the hot path and LISTEN/NOTIFY invalidation across instances. The schema ships as Flyway
 * migration scripts at {@value dev.quota.jooq.PostgresQuotaStore#MIGRATION_LOCATION}. Everything under
 * {@code dev.quota.jooq.internal} (including the jOOQ code generated from those scripts) is not API.
 *
 * <p>Every type in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.quota.jooq;

import org.jspecify.annotations.NullMarked;

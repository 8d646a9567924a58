/**
 * Actuator support: the {@link dev.quota.spring.boot.actuate.QuotaHealthIndicator} (are quota's tables reachable, is the change listener connected) and the
 * read-only {@link dev.quota.spring.boot.actuate.QuotaEndpoint} (one tenant's usage reports).
 *
 * <p>Every type in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.quota.spring.boot.actuate;

import org.jspecify.annotations.NullMarked;

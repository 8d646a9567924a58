/**
 * The storage SPI a backend implements: {@link dev.quota.spi.QuotaStore}'s atomic primitives and the values they
 * exchange. The policy stays in quota-core; quota-testkit's contract suite checks every store against it.
 *
 * <p>Every type in this package is non-null unless annotated {@code @Nullable}: a store returns no {@code null}
 * and is handed none where the signature does not say so.
 */
@NullMarked
package dev.quota.spi;

import org.jspecify.annotations.NullMarked;

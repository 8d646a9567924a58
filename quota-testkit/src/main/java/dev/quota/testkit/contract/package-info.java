/**
 * The contract suite every {@link dev.quota.spi.QuotaStore} must pass: extend
 * {@link dev.quota.testkit.contract.QuotaStoreContract} in the backend's tests.
 *
 * <p>Every type in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.quota.testkit.contract;

import org.jspecify.annotations.NullMarked;

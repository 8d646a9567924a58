/**
 * Test support for applications and backends: {@link dev.quota.testkit.InMemoryQuotaStore} (the reference store),
 * {@link dev.quota.testkit.TestClock}, {@link dev.quota.testkit.FakeQuotaGuard} and the AssertJ entry point
 * {@link dev.quota.testkit.QuotaAssertions}.
 *
 * <p>Every type in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.quota.testkit;

import org.jspecify.annotations.NullMarked;

/**
 * The auto-configuration: the store, the guard and the admin built from the application's {@code DataSource}
 * (or jOOQ {@code DSLContext}) and the typed {@code quota.*} properties
 * ({@link dev.quota.spring.boot.autoconfigure.QuotaProperties}), the schema through Flyway, metrics, health and the
 * endpoint, each conditional on its classes and beans.
 *
 * <p>Every type in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.quota.spring.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;

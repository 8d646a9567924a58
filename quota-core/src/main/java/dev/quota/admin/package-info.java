/**
 * The operator's port, {@link dev.quota.admin.QuotaAdmin}: audited, non-destructive changes to a tenant (reset,
 * credit grants, tier overrides, bypasses, revocations, plan changes), the audit log, counter verification and
 * the confirmed purge, with the values they take and return.
 *
 * <p>Every type in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.quota.admin;

import org.jspecify.annotations.NullMarked;

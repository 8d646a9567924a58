package dev.quota.admin;

import dev.quota.TenantId;
import dev.quota.internal.Checks;

/**
 * The typed confirmation {@link QuotaAdmin#purgeUsage} requires: the tenant id, typed again by whoever
 * purges. A purge whose confirmation does not match its tenant writes nothing.
 *
 * @param typedTenantId the tenant id as typed by the operator
 */
public record PurgeConfirmation(String typedTenantId) {
  /** Validates that something was typed. */
  public PurgeConfirmation {
    Checks.notNull("typed tenant id", typedTenantId);
  }

  /**
   * Tells whether this confirms a purge of that tenant.
   *
   * @param tenant the tenant to purge
   * @return {@code true} if the typed id equals the tenant id exactly
   */
  public boolean confirms(TenantId tenant) {
    return typedTenantId.equals(tenant.value());
  }
}

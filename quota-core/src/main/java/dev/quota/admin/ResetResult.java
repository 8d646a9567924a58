package dev.quota.admin;

import java.util.List;

/**
 * What {@link QuotaAdmin#resetUsage} did: one grant per meter that had usage, each ending with the
 * meter's current period.
 *
 * @param grants the grants made; empty if the tenant had no usage to cancel
 * @param audit the audit entry written with them
 */
public record ResetResult(List<Grant> grants, AuditEntry audit) {
  /** Freezes the grants. */
  public ResetResult {
    grants = List.copyOf(grants);
  }
}

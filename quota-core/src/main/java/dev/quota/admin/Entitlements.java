package dev.quota.admin;

import dev.quota.InvalidRequestException;
import dev.quota.TenantId;
import dev.quota.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/** Validation shared by the entitlement records. */
final class Entitlements {
  private Entitlements() {}

  static void check(EntitlementId id, TenantId tenant, Instant validFrom, Instant validUntil, Actor createdBy,
      String reason, Optional<Revocation> revocation) {
    Checks.notNull("id", id);
    Checks.notNull("tenant", tenant);
    Checks.notNull("valid from", validFrom);
    Checks.notNull("valid until", validUntil);
    if (!validUntil.isAfter(validFrom)) {
      throw new InvalidRequestException("valid until", "must be after valid from (" + validFrom + "), was " + validUntil);
    }
    Checks.notNull("created by", createdBy);
    Checks.text("reason", reason, QuotaAdmin.MAX_REASON_LENGTH);
    Checks.notNull("revocation", revocation);
  }
}

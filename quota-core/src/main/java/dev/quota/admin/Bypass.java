package dev.quota.admin;

import dev.quota.TenantId;
import java.time.Instant;
import java.util.Optional;

/**
 * No blocking for one tenant for a while: the per-tenant, expiring replacement for a global "disable
 * quota" switch. Decisions say {@link dev.quota.Decision.Reason#BYPASSED} and usage is still recorded.
 *
 * @param id the identity
 * @param tenant the tenant
 * @param validFrom when it starts counting
 * @param validUntil when blocking resumes (exclusive)
 * @param createdBy who made it
 * @param reason why
 * @param revocation the early end, if revoked
 */
public record Bypass(EntitlementId id, TenantId tenant, Instant validFrom, Instant validUntil, Actor createdBy,
    String reason, Optional<Revocation> revocation) implements Entitlement {
  /** Validates the bypass. */
  public Bypass {
    Entitlements.check(id, tenant, validFrom, validUntil, createdBy, reason, revocation);
  }

  @Override
  public Bypass revoked(Revocation revocation) {
    return new Bypass(id, tenant, validFrom, validUntil, createdBy, reason, Optional.of(revocation));
  }
}

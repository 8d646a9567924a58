package dev.quota.admin;

import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * Another tier for a while, reverting by itself: the replacement for hand-editing a tenant's tier and
 * forgetting to change it back. While active it is the tenant's effective tier; of several active
 * overrides the most generous wins. An override applies even when it names a less generous tier than the
 * plan's: a temporary downgrade is honoured until it ends or is revoked.
 *
 * @param id the identity
 * @param tenant the tenant
 * @param tier the tier in force while active
 * @param validFrom when it starts counting
 * @param validUntil when it reverts (exclusive)
 * @param createdBy who made it
 * @param reason why
 * @param revocation the early end, if revoked
 */
public record TierOverride(EntitlementId id, TenantId tenant, Tier tier, Instant validFrom, Instant validUntil,
    Actor createdBy, String reason, Optional<Revocation> revocation) implements Entitlement {
  /** Validates the override. */
  public TierOverride {
    Entitlements.check(id, tenant, validFrom, validUntil, createdBy, reason, revocation);
    Checks.notNull("tier", tier);
  }

  @Override
  public TierOverride revoked(Revocation revocation) {
    return new TierOverride(id, tenant, tier, validFrom, validUntil, createdBy, reason, Optional.of(revocation));
  }
}

package dev.quota.admin;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * Extra units on one meter: while active, a grant raises the tenant's ceiling in every period by
 * {@code amount}. {@link QuotaAdmin#resetUsage} is a grant equal to the period's usage that ends with the
 * period; a rollover ({@link Kind#ROLLOVER}) is the previous period's unused allowance, for one period.
 *
 * @param id the identity
 * @param tenant the tenant
 * @param kind a credit given by an operator, or the grant of a reset
 * @param meter the meter it adds to
 * @param amount the extra units per period, in the meter's unit; positive
 * @param validFrom when it starts counting
 * @param validUntil when it stops counting (exclusive)
 * @param createdBy who made it
 * @param reason why
 * @param revocation the early end, if revoked
 */
public record Grant(EntitlementId id, TenantId tenant, Kind kind, Meter meter, long amount, Instant validFrom,
    Instant validUntil, Actor createdBy, String reason, Optional<Revocation> revocation) implements Entitlement {
  /** What a grant is for. */
  public enum Kind {
    /** Extra units given by {@link QuotaAdmin#raisePeriodCeiling}. */
    CREDIT,
    /**
     * Usage cancelled by {@link QuotaAdmin#resetUsage}: ends with the period, and a later reset in the same
     * period grants only the usage since.
     */
    RESET,
    /**
     * Unused allowance of the previous period rolled over into one period by the tier's
     * {@link dev.quota.TierCatalogue.Builder#rollover}: valid exactly for that period, made once per tenant, meter and
     * period by the system actor {@link #ROLLOVER_ACTOR}, and not itself rolled over again.
     */
    ROLLOVER
  }

  /** The actor of rollover grants and of their audit entries: no operator, quota itself. */
  public static final Actor ROLLOVER_ACTOR = Actor.of("system:rollover");

  /** Validates the grant. */
  public Grant {
    Entitlements.check(id, tenant, validFrom, validUntil, createdBy, reason, revocation);
    Checks.notNull("kind", kind);
    Checks.notNull("meter", meter);
    Checks.positive("amount", amount);
  }

  @Override
  public Grant revoked(Revocation revocation) {
    return new Grant(id, tenant, kind, meter, amount, validFrom, validUntil, createdBy, reason, Optional.of(revocation));
  }
}

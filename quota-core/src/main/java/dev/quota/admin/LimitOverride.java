package dev.quota.admin;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * One tenant's own limit on one meter, in place of its tier's: a negotiated enterprise limit, or a throttle on an
 * abusive tenant. It may be higher or lower than the tier's limit; a lower one blocks at once, like a downgrade. It
 * replaces the limit of whatever tier is in effect (the plan's or an {@linkplain TierOverride override}'s); per-period
 * {@linkplain Grant raises} still add to it, and a {@linkplain Bypass bypass} still stops blocking. Of several active
 * limit overrides of one meter, the newest applies. It adjusts a tier's limit, it does not stand in for a plan: a
 * tenant the catalogue rejects (no plan, unknown tier) stays rejected.
 *
 * <p>An open-ended override ({@link QuotaAdmin#overrideLimit(TenantId, Meter, long, Actor, String)}) is valid until
 * {@link #OPEN_ENDED}; it ends when revoked.
 *
 * @param id the identity
 * @param tenant the tenant
 * @param meter the meter whose limit it replaces
 * @param limit the tenant's limit per period while active, in the meter's unit; zero or more
 * @param validFrom when it starts counting
 * @param validUntil when it ends by itself (exclusive); {@link #OPEN_ENDED} for never
 * @param createdBy who made it
 * @param reason why
 * @param revocation the early end, if revoked
 */
public record LimitOverride(EntitlementId id, TenantId tenant, Meter meter, long limit, Instant validFrom,
    Instant validUntil, Actor createdBy, String reason, Optional<Revocation> revocation) implements Entitlement {
  /** The end of an open-ended override: far beyond any real expiry, and storable in every database quota supports. */
  public static final Instant OPEN_ENDED = Instant.parse("9999-12-31T00:00:00Z");

  /** Validates the override. */
  public LimitOverride {
    Entitlements.check(id, tenant, validFrom, validUntil, createdBy, reason, revocation);
    Checks.notNull("meter", meter);
    Checks.notNegative("limit", limit);
  }

  /**
   * Tells whether the override ends only when revoked.
   *
   * @return whether it is valid until {@link #OPEN_ENDED}
   */
  public boolean openEnded() {
    return !validUntil.isBefore(OPEN_ENDED);
  }

  /**
   * Of two limit overrides of one meter, tells whether this one applies rather than the other: the later start wins,
   * and of two that start at the same instant the greater id, so that every store and every path picks the same one.
   *
   * @param other another override of the same meter
   * @return whether this one supersedes {@code other}
   */
  public boolean supersedes(LimitOverride other) {
    int byStart = validFrom.compareTo(other.validFrom);
    return byStart != 0 ? byStart > 0 : id.value().toString().compareTo(other.id.value().toString()) > 0;
  }

  @Override
  public LimitOverride revoked(Revocation revocation) {
    return new LimitOverride(id, tenant, meter, limit, validFrom, validUntil, createdBy, reason,
        Optional.of(revocation));
  }
}

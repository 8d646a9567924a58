package dev.quota.admin;

import dev.quota.TenantId;
import java.time.Instant;
import java.util.Optional;

/**
 * A change to a tenant's balance that ends by itself: a {@link Grant} of extra units, a
 * {@link TierOverride} to another tier, a {@link LimitOverride} of one meter's limit, or a {@link Bypass} of
 * blocking.
 *
 * <p>An entitlement counts from {@link #validFrom()} inclusive to {@link #validUntil()} exclusive, unless it
 * was revoked earlier. Ended entitlements are kept, so the history of who changed what stays readable.
 */
public sealed interface Entitlement permits Grant, TierOverride, Bypass, LimitOverride, OneTimeCredit {

  /** @return the entitlement's identity */
  EntitlementId id();

  /** @return the tenant it applies to */
  TenantId tenant();

  /** @return when it starts counting */
  Instant validFrom();

  /** @return when it stops counting by itself (exclusive) */
  Instant validUntil();

  /** @return who made it */
  Actor createdBy();

  /** @return why it was made */
  String reason();

  /** @return the early end, if it was revoked */
  Optional<Revocation> revocation();

  /**
   * Returns this entitlement, revoked.
   *
   * @param revocation when, by whom and why
   * @return a copy with the revocation set
   */
  Entitlement revoked(Revocation revocation);

  /**
   * Tells whether the entitlement counts at an instant.
   *
   * @param instant the instant
   * @return {@code true} if {@code validFrom <= instant < validUntil} and it was not revoked at or before
   *     {@code instant}
   */
  default boolean isActiveAt(Instant instant) {
    if (instant.isBefore(validFrom()) || !instant.isBefore(validUntil())) {
      return false;
    }
    // No lambda: this runs on the hot path for every entitlement of a tenant.
    Optional<Revocation> revoked = revocation();
    return revoked.isEmpty() || instant.isBefore(revoked.get().at());
  }

  /**
   * Returns when the entitlement stopped or will stop counting: the revocation time if revoked, else
   * {@link #validUntil()}.
   *
   * @return the effective end
   */
  default Instant effectiveEnd() {
    return revocation().map(Revocation::at).filter(at -> at.isBefore(validUntil())).orElse(validUntil());
  }
}

package dev.quota.admin;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * A balance spent once: {@code amount} units on one meter, valid from {@code validFrom} until {@code validUntil},
 * drawn on only by usage beyond the period's allowance (the limit plus the period's {@linkplain Grant raises}),
 * soonest-expiring first (then oldest). What is left carries into later periods until it expires: a credit gives
 * {@code amount} in total, whatever periods it spans. Draws are written with the usage, in the same transaction, and
 * are never taken back: when a credit expires or is {@linkplain QuotaAdmin#revoke revoked}, what was drawn stays in
 * the ceilings of the periods it was drawn in (no tenant is blocked retroactively), and only the unspent remainder
 * is voided.
 *
 * @param id the identity
 * @param tenant the tenant
 * @param meter the meter it is spent on
 * @param amount the units it gives in total, in the meter's unit; positive
 * @param drawn the units drawn so far, as the store last read them; 0 to {@code amount}
 * @param validFrom when it can first be drawn on
 * @param validUntil when it expires (exclusive)
 * @param createdBy who gave it
 * @param reason why
 * @param revocation the early end, if revoked
 */
public record OneTimeCredit(EntitlementId id, TenantId tenant, Meter meter, long amount, long drawn,
    Instant validFrom, Instant validUntil, Actor createdBy, String reason, Optional<Revocation> revocation)
    implements Entitlement {
  /** Validates the credit. */
  public OneTimeCredit {
    Entitlements.check(id, tenant, validFrom, validUntil, createdBy, reason, revocation);
    Checks.notNull("meter", meter);
    Checks.positive("amount", amount);
    Checks.notNegative("drawn", drawn);
    if (drawn > amount) {
      throw new dev.quota.InvalidRequestException("drawn", "must be at most the amount (" + amount + "), was " + drawn);
    }
  }

  /**
   * The units not drawn yet, whether or not the credit is still active.
   *
   * @return {@code amount - drawn}
   */
  public long unspent() {
    return amount - drawn;
  }

  /**
   * The units the credit adds to the balance at an instant: its unspent units while active, else 0 (an expired or
   * revoked credit's remainder is void).
   *
   * @param instant the instant
   * @return the units available, in the meter's unit
   */
  public long availableAt(Instant instant) {
    return isActiveAt(instant) ? unspent() : 0;
  }

  /**
   * Returns this credit with another drawn amount, as a store reports it after a draw.
   *
   * @param newDrawn the units drawn so far
   * @return the credit
   */
  public OneTimeCredit withDrawn(long newDrawn) {
    return new OneTimeCredit(id, tenant, meter, amount, newDrawn, validFrom, validUntil, createdBy, reason, revocation);
  }

  /**
   * Tells whether this credit is drawn on before another: the sooner expiry first, then the older, then the smaller
   * id, so that every store draws in the same order.
   *
   * @param other another credit
   * @return whether this one comes first
   */
  public boolean drawnBefore(OneTimeCredit other) {
    int byEnd = effectiveEnd().compareTo(other.effectiveEnd());
    if (byEnd != 0) {
      return byEnd < 0;
    }
    int byStart = validFrom.compareTo(other.validFrom);
    return byStart != 0 ? byStart < 0 : id.value().toString().compareTo(other.id.value().toString()) < 0;
  }

  @Override
  public OneTimeCredit revoked(Revocation revocation) {
    return new OneTimeCredit(id, tenant, meter, amount, drawn, validFrom, validUntil, createdBy, reason,
        Optional.of(revocation));
  }
}

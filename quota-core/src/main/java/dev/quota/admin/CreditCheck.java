package dev.quota.admin;

import dev.quota.Meter;

/**
 * A tenant's one-time credit draws on one meter, compared two ways: what its counters record as drawn by their
 * periods' usage, and what its credits record as drawn from them. Every draw adds the same units to both, in one
 * transaction, and a purge or a billing-day change moves or keeps them together, so the two sums are equal; no credit
 * gives more than its amount.
 *
 * @param meter the meter
 * @param counterDrawn the sum of the meter's counters' {@link dev.quota.spi.Counter#creditDrawn}, in the meter's unit
 * @param creditsDrawn the sum of the meter's credits' {@link OneTimeCredit#drawn}, revoked and expired ones included
 * @param overdrawn the units the meter's credits record as drawn beyond their amounts (0 when none is overdrawn)
 */
public record CreditCheck(Meter meter, long counterDrawn, long creditsDrawn, long overdrawn) {
  /** @return whether the counters and the credits agree and no credit gave more than its amount */
  public boolean consistent() {
    return counterDrawn == creditsDrawn && overdrawn == 0;
  }

  /** @return {@code counterDrawn - creditsDrawn}: positive when the counters record more than the credits gave */
  public long drift() {
    return counterDrawn - creditsDrawn;
  }
}

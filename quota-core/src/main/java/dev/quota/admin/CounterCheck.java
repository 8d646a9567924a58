package dev.quota.admin;

import dev.quota.Meter;
import dev.quota.Period;

/**
 * One counter compared with the ledger it summarizes.
 *
 * @param meter the meter
 * @param period the counter's period
 * @param counterUsed the counter's {@code used}, in the meter's unit
 * @param ledgerUsed the sum of the ledger entries of that period, in the meter's unit
 */
public record CounterCheck(Meter meter, Period period, long counterUsed, long ledgerUsed) {
  /** @return whether the counter equals the ledger */
  public boolean consistent() {
    return counterUsed == ledgerUsed;
  }

  /** @return {@code counterUsed - ledgerUsed}: positive when the counter over-counts */
  public long drift() {
    return counterUsed - ledgerUsed;
  }
}

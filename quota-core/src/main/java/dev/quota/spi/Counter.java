package dev.quota.spi;

import dev.quota.Period;

/**
 * The per-period totals of one tenant and meter.
 *
 * @param period the period
 * @param used the sum of the ledger entries of the period, in the meter's unit
 * @param reserved the units held by reservations of the period that are open and unexpired at the time of the
 *     read, in the meter's unit
 */
public record Counter(Period period, long used, long reserved) {
  /**
   * An empty counter.
   *
   * @param period the period
   * @return a counter with nothing used or reserved
   */
  public static Counter empty(Period period) {
    return new Counter(period, 0, 0);
  }
}

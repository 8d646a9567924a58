package dev.quota.spi;

import dev.quota.Period;

/**
 * The per-period totals of one tenant and meter.
 *
 * @param period the period
 * @param used the sum of the ledger entries of the period, in the meter's unit
 * @param reserved the units held by reservations of the period that are open and unexpired at the time of the
 *     read, in the meter's unit
 * @param creditDrawn the units of one-time credits drawn by the period's usage, in the meter's unit: part of the
 *     period's ceiling for good, whatever becomes of the credits
 */
public record Counter(Period period, long used, long reserved, long creditDrawn) {
  /**
   * A counter without credit draws.
   *
   * @param period the period
   * @param used the sum of the ledger entries of the period
   * @param reserved the units held by reservations
   */
  public Counter(Period period, long used, long reserved) {
    this(period, used, reserved, 0);
  }

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

package dev.quota.jooq.internal;

import dev.quota.Period;
import dev.quota.spi.Counter;
import java.time.Instant;

/**
 * A counter row as a read or a write saw it.
 *
 * @param period the period
 * @param used the usage of the period, in the meter's unit
 * @param reserved the units of holds that still count at the time of the read or write
 * @param nextExpiry when the earliest of those holds expires, or {@code null} if none: until then the row's
 *     {@code reserved} stays exact
 * @param creditDrawn the row's {@code credit_drawn} where the write read it, else 0: the writes that draw on credits
 *     read it; the others leave it as it was, and {@link StateCache} keeps the larger of what it holds and this (a
 *     period's draws only grow)
 */
public record StoredCounter(Period period, long used, long reserved, Instant nextExpiry, long creditDrawn) {
  /**
   * A counter from a write that did not read {@code credit_drawn}.
   *
   * @param period the period
   * @param used the usage
   * @param reserved the units of holds that still count
   * @param nextExpiry when the earliest of those holds expires, or {@code null}
   */
  public StoredCounter(Period period, long used, long reserved, Instant nextExpiry) {
    this(period, used, reserved, nextExpiry, 0);
  }

  /**
   * @param drawn the row's {@code credit_drawn}
   * @return this counter with it
   */
  public StoredCounter withCreditDrawn(long drawn) {
    return new StoredCounter(period, used, reserved, nextExpiry, drawn);
  }

  /** @return the SPI's view of the counter */
  public Counter counter() {
    return new Counter(period, used, reserved, creditDrawn);
  }
}

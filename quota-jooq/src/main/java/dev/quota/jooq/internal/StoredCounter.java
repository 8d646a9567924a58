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
 */
public record StoredCounter(Period period, long used, long reserved, Instant nextExpiry) {
  /** @return the SPI's view of the counter */
  public Counter counter() {
    return new Counter(period, used, reserved);
  }
}

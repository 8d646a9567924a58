package dev.quota.notify.internal;

import java.time.Duration;
import java.util.Objects;

/** The one rule for the channels' network timeouts, so that every builder refuses the same values the same way. */
public final class Timeouts {
  /** The longest timeout a channel accepts: a delivery waits this long at most per step, holding its lease. */
  public static final Duration MAX = Duration.ofMinutes(10);

  private Timeouts() {}

  /**
   * Checks a timeout.
   *
   * @param field the builder setting's name, for the message
   * @param timeout the value
   * @return the value
   * @throws NullPointerException if it is null
   * @throws IllegalArgumentException if it is not more than 0 and at most {@link #MAX}
   */
  public static Duration checked(String field, Duration timeout) {
    Objects.requireNonNull(timeout, field);
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX) > 0) {
      throw new IllegalArgumentException(field + " must be more than 0 and at most 10 minutes, was " + timeout);
    }
    return timeout;
  }
}

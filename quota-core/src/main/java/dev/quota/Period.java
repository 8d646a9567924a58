package dev.quota;

import dev.quota.internal.Checks;
import java.time.Duration;
import java.time.Instant;

/**
 * A span of time over which usage is summed: from {@code start} inclusive to {@code end} exclusive.
 *
 * <p>Usage recorded at exactly {@code end} belongs to the next period; {@code end} is the reset time.
 *
 * @param start the first instant of the period
 * @param end the first instant after the period: when usage resets
 */
public record Period(Instant start, Instant end) {
  /**
   * Validates the bounds.
   *
   * @throws InvalidRequestException if a bound is null or {@code start} is not before {@code end}
   */
  public Period {
    Checks.notNull("start", start);
    Checks.notNull("end", end);
    if (!start.isBefore(end)) {
      throw new InvalidRequestException("end", "must be after the start (" + start + "), was " + end);
    }
  }

  /**
   * Tells whether an instant lies in this period.
   *
   * @param instant the instant to test
   * @return {@code true} if {@code start <= instant < end}
   */
  public boolean contains(Instant instant) {
    return !instant.isBefore(start) && instant.isBefore(end);
  }

  /** @return the period's length */
  public Duration length() {
    return Duration.between(start, end);
  }

  @Override
  public String toString() {
    return "[" + start + ", " + end + ")";
  }
}

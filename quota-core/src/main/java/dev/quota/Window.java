package dev.quota;

import dev.quota.internal.Checks;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The span a meter's limit applies to. {@link #PERIOD} is the catalogue's period (a calendar month, or a
 * billing-anchored month, as the meter's {@link dev.quota.period.PeriodPolicy} says); the others are short windows of
 * a fixed length, aligned to UTC, that a tier may add to a meter with
 * {@link TierCatalogue.Builder#limit(Tier, Meter, Window, long)}, e.g. 60,000 AI tokens a minute besides 1,000,000 a
 * month.
 *
 * <p><b>Fixed windows.</b> A short window is {@code [start, start + length)} with {@code start} a multiple of its
 * length since the epoch, UTC. Its counter is the sum of the ledger entries written inside it, so it can be verified
 * against the ledger like a period's. The cost of that choice: around a boundary, the end of one window and the start
 * of the next can each admit the whole limit, so up to twice the limit can pass within one window's length. A host
 * that must never exceed a provider's per-minute limit sets half of it.
 */
public enum Window {
  /** One minute, from second 0 of each minute (UTC). */
  MINUTE(Duration.ofMinutes(1)),
  /** One hour, from minute 0 of each hour (UTC). */
  HOUR(Duration.ofHours(1)),
  /** One day, from midnight UTC. */
  DAY(Duration.ofDays(1)),
  /** The meter's period, as its period policy cuts it (and the tenant's billing day moves it). */
  PERIOD(null);

  private final @Nullable Duration length;

  Window(@Nullable Duration length) {
    this.length = length;
  }

  /** @return the fixed length of a short window; empty for {@link #PERIOD}, whose length varies */
  public Optional<Duration> length() {
    return Optional.ofNullable(length);
  }

  /** @return whether this is a short window of a fixed length ({@link #MINUTE}, {@link #HOUR} or {@link #DAY}) */
  public boolean isFixed() {
    return length != null;
  }

  /**
   * The window of this length that contains an instant.
   *
   * @param instant the instant
   * @return {@code [start, start + length)} with {@code start} aligned to the length, UTC
   * @throws InvalidRequestException if the instant is null
   * @throws UnsupportedOperationException for {@link #PERIOD}, whose bounds come from the meter's period policy
   */
  public Period at(Instant instant) {
    Checks.notNull("instant", instant);
    if (length == null) {
      throw new UnsupportedOperationException("the PERIOD window's bounds come from the meter's period policy");
    }
    long lengthSeconds = length.toSeconds();
    long start = Math.floorDiv(instant.getEpochSecond(), lengthSeconds) * lengthSeconds;
    return new Period(Instant.ofEpochSecond(start), Instant.ofEpochSecond(start + lengthSeconds));
  }

  /**
   * Reads a window from its name, as configuration files write it.
   *
   * @param text {@code minute}, {@code hour}, {@code day} or {@code period}, in any case
   * @return the window
   * @throws InvalidRequestException naming the field {@code window} for any other text
   */
  public static Window parse(String text) {
    Checks.notNull("window", text);
    for (Window w : values()) {
      if (w.name().equalsIgnoreCase(text.strip())) {
        return w;
      }
    }
    throw new InvalidRequestException("window", "must be one of minute, hour, day or period, was '" + text + "'");
  }
}

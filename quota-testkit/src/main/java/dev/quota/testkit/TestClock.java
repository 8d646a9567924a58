package dev.quota.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that tests move by hand, so that period roll-overs and expiries happen without sleeping.
 * Thread-safe: every reader sees the latest {@link #set} or {@link #advance}.
 *
 * {@snippet :
 * TestClock clock = TestClock.at("2026-11-30T23:59:59Z");
 * clock.advance(Duration.ofSeconds(1));   // now in December: usage has reset
 * }
 */
public final class TestClock extends Clock {
  private final AtomicReference<Instant> now;
  private final ZoneId zone;

  private TestClock(AtomicReference<Instant> now, ZoneId zone) {
    this.now = now;
    this.zone = zone;
  }

  /**
   * A clock at an instant, in UTC.
   *
   * @param instant the starting instant
   * @return the clock
   */
  public static TestClock at(Instant instant) {
    return new TestClock(new AtomicReference<>(Objects.requireNonNull(instant, "instant")), ZoneOffset.UTC);
  }

  /**
   * A clock at an instant given in ISO-8601, such as {@code 2026-11-25T10:00:00Z}.
   *
   * @param isoInstant the starting instant
   * @return the clock
   */
  public static TestClock at(String isoInstant) {
    return at(Instant.parse(isoInstant));
  }

  /**
   * Moves the clock to an instant, forwards or backwards.
   *
   * @param instant the new time
   * @return this clock
   */
  public TestClock set(Instant instant) {
    now.set(Objects.requireNonNull(instant, "instant"));
    return this;
  }

  /**
   * Moves the clock to an instant given in ISO-8601.
   *
   * @param isoInstant the new time
   * @return this clock
   */
  public TestClock set(String isoInstant) {
    return set(Instant.parse(isoInstant));
  }

  /**
   * Moves the clock forwards (or backwards, for a negative duration).
   *
   * @param duration how far
   * @return this clock
   */
  public TestClock advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    now.updateAndGet(t -> t.plus(duration));
    return this;
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  /**
   * Returns a view of this clock in another zone; both move together. Decisions do not depend on the
   * zone, which tests can check with this.
   */
  @Override
  public TestClock withZone(ZoneId zone) {
    return new TestClock(now, Objects.requireNonNull(zone, "zone"));
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public String toString() {
    return "TestClock[" + now.get() + ", " + zone + "]";
  }
}

package dev.quota.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock the test moves by hand. quota-core's tests cannot use quota-testkit's clock (the testkit depends
 * on quota-core), so this is the smallest clock that does the same job.
 */
public final class MutableClock extends Clock {
  private final AtomicReference<Instant> now;

  private MutableClock(Instant start) {
    this.now = new AtomicReference<>(start);
  }

  /** A clock at an ISO-8601 instant such as {@code 2027-03-15T10:00:00Z}. */
  public static MutableClock at(String isoInstant) {
    return new MutableClock(Instant.parse(isoInstant));
  }

  /** Moves the clock forwards (or backwards, for a negative amount). */
  public MutableClock advance(Duration amount) {
    now.updateAndGet(t -> t.plus(amount));
    return this;
  }

  /** Moves the clock to an instant. */
  public MutableClock set(Instant instant) {
    now.set(instant);
    return this;
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("the tests only read instants");
  }
}

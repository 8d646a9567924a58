package dev.quota.period;

import dev.quota.InvalidRequestException;
import dev.quota.Period;
import dev.quota.internal.Checks;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** Periods of one fixed length, aligned on an origin. */
final class FixedPolicy implements PeriodPolicy {
  private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000L);

  private final Duration length;
  private final Instant origin;
  // the period last computed: most calls fall into it (null until the first)
  private volatile @Nullable Period last;

  FixedPolicy(Duration length, Instant origin) {
    Checks.notNull("length", length);
    Checks.notNull("origin", origin);
    if (length.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new InvalidRequestException("length", "must be at least 1 second, was " + length);
    }
    this.length = length;
    this.origin = origin;
  }

  Duration length() {
    return length;
  }

  Instant origin() {
    return origin;
  }

  @Override
  public Period periodAt(Instant instant) {
    Period cached = last;
    if (cached != null && cached.contains(instant)) {
      return cached;
    }
    // Exact arithmetic in nanoseconds: periods may be long and instants far from the origin.
    BigInteger offset = nanos(Duration.between(origin, instant));
    BigInteger[] qr = offset.divideAndRemainder(nanos(length));
    BigInteger index = qr[1].signum() < 0 ? qr[0].subtract(BigInteger.ONE) : qr[0];
    Instant start = plusNanos(origin, index.multiply(nanos(length)));
    Period period = new Period(start, start.plus(length));
    last = period;
    return period;
  }

  private static BigInteger nanos(Duration d) {
    return BigInteger.valueOf(d.getSeconds()).multiply(NANOS_PER_SECOND).add(BigInteger.valueOf(d.getNano()));
  }

  private static Instant plusNanos(Instant base, BigInteger nanos) {
    BigInteger[] sr = nanos.divideAndRemainder(NANOS_PER_SECOND);
    return base.plusSeconds(sr[0].longValueExact()).plusNanos(sr[1].longValueExact());
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof FixedPolicy other && other.length.equals(length) && other.origin.equals(origin);
  }

  @Override
  public int hashCode() {
    return 31 * length.hashCode() + origin.hashCode();
  }

  @Override
  public String toString() {
    return "fixed(" + length + (origin.equals(Instant.EPOCH) ? "" : ", " + origin) + ")";
  }
}

package dev.quota.micrometer;

import dev.quota.Meter;
import dev.quota.ReservationId;
import dev.quota.spi.StoredReservation;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The reservations opened through this process's timed stores that have not ended yet.
 *
 * <p>Counting opens minus commits and releases would drift upwards, because an expired hold ends without a
 * call. So each hold is remembered with its expiry until a commit or release ends it, or until the clock
 * passes its expiry: the gauge is exact for this process's holds. A hold ended by another process (a commit
 * through another instance) still counts here until it expires, at most the maximum reservation ttl.
 */
final class OpenHolds {
  /** Expired holds are swept at the latest after this many opens, so memory stays bounded without scrapes. */
  private static final int SWEEP_EVERY = 1024;

  private record Hold(Meter meter, Instant expiresAt) {}

  private final MeterRegistry registry;
  private final Tags tags;
  private final Clock clock;
  private final Map<ReservationId, Hold> holds = new ConcurrentHashMap<>();
  private final Map<Meter, Boolean> gauged = new ConcurrentHashMap<>();
  private final AtomicInteger opensSinceSweep = new AtomicInteger();

  OpenHolds(MeterRegistry registry, Tags tags, Clock clock) {
    this.registry = registry;
    this.tags = tags;
    this.clock = clock;
  }

  void opened(StoredReservation reservation) {
    Meter meter = reservation.meter();
    if (!gauged.containsKey(meter)) {
      gauged.computeIfAbsent(meter, this::register);
    }
    holds.put(reservation.id(), new Hold(meter, reservation.expiresAt()));
    if (opensSinceSweep.incrementAndGet() >= SWEEP_EVERY) {
      opensSinceSweep.set(0);
      sweep(clock.instant());
    }
  }

  void ended(ReservationId id) {
    holds.remove(id);
  }

  /**
   * Counts the open holds of a meter.
   *
   * @param meter the meter
   * @return holds neither ended nor expired at the clock's instant
   */
  int open(Meter meter) {
    Instant now = clock.instant();
    sweep(now);
    int count = 0;
    for (Hold hold : holds.values()) {
      if (hold.meter().equals(meter)) {
        count++;
      }
    }
    return count;
  }

  private void sweep(Instant now) {
    // a hold stops counting at its expiry (see StoredReservation#expiresAt)
    holds.values().removeIf(hold -> !hold.expiresAt().isAfter(now));
  }

  private Boolean register(Meter meter) {
    Gauge.builder(QuotaMetrics.RESERVATIONS_OPEN, this, holds -> holds.open(meter))
        .description("Reservations opened through this process that are neither committed, released nor expired")
        .tags(tags)
        .tag("meter", meter.name())
        .strongReference(true)
        .register(registry);
    return Boolean.TRUE;
  }
}

package dev.quota.jooq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.spi.Counter;
import dev.quota.spi.TenantState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The cache of tenant states: what it serves, and how writes reported back in any order update it. */
class StateCacheTest {
  private static final TenantId TENANT = TenantId.of("acme");
  private static final Meter METER = Meter.AI_TOKENS;
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final Period MONTH = new Period(Instant.parse("2026-11-01T00:00:00Z"),
      Instant.parse("2026-12-01T00:00:00Z"));

  private final StateCache cache = new StateCache(Duration.ofSeconds(1), 100);
  private final AtomicInteger loads = new AtomicInteger();

  private TenantState load(long used, long reserved) {
    return cache.read(TENANT, METER, NOW, () -> {
      loads.incrementAndGet();
      return new ReadResult(new TenantState(Optional.empty(), List.of(), 0,
          List.of(new Counter(MONTH, used, reserved))), MONTH.end());
    });
  }

  private static StoredCounter counter(long used, long reserved) {
    return new StoredCounter(MONTH, used, reserved, null);
  }

  @Test
  void aWriteThatReportsALargerUsageUpdatesTheCachedState() {
    load(10, 0);

    cache.counterObserved(TENANT, METER, 0, counter(15, 0));

    assertThat(cache.cached(TENANT, METER, NOW).counters()).containsExactly(new Counter(MONTH, 15, 0));
  }

  @Test
  void aWriteReportedAfterALaterOneDoesNotStepTheCacheBack() {
    load(10, 0);
    cache.counterObserved(TENANT, METER, 0, counter(20, 0));

    cache.counterObserved(TENANT, METER, 0, counter(15, 0));

    assertThat(cache.cached(TENANT, METER, NOW).counters()).containsExactly(new Counter(MONTH, 20, 0));
  }

  @Test
  void aWriteThatCannotBeOrderedDropsTheCachedState() {
    load(10, 5);

    cache.counterObserved(TENANT, METER, 0, counter(10, 0)); // a hold ended, or one was taken: which came last?

    assertThat(cache.cached(TENANT, METER, NOW)).isNull();
  }

  @Test
  void aStateIsServedForOneTtlOfTheCallersClockAndThenReadAgain() {
    load(10, 0);

    assertThat(cache.cached(TENANT, METER, NOW.plusMillis(999))).isNotNull();
    assertThat(cache.cached(TENANT, METER, NOW.plusSeconds(1))).isNull();
    load(10, 0);
    assertThat(loads).hasValue(1); // the second read at NOW is still within the first read's TTL
  }
}

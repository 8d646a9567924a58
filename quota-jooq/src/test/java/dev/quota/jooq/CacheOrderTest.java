package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.period.PeriodPolicy;
import dev.quota.testkit.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * This instance's own writes leave their counters in the cache in place. Concurrent writes of one tenant
 * commit in the order of the counter row's lock; the cache must end with the counter of the last commit, not
 * of whichever thread reached the cache last, or a cached {@code usage} (and {@code canProceed}) shows an
 * older counter until the time-to-live ends. (The race this guards against needs an unlucky thread schedule
 * between a commit and the cache update, so the test catches a regression only sometimes; the reasoning is
 * in {@code StateCache.counterObserved}, and StateCacheTest stages the orders directly.)
 */
class CacheOrderTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final int THREADS = 8;
  private static final int OPERATIONS = 30;
  private static final TierCatalogue CATALOGUE = TierCatalogue.builder()
      .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
      .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 1_000_000L))
      .defaultTier(Tier.FREE)
      .build();

  private final List<PostgresQuotaStore> stores = new ArrayList<>();

  @AfterEach
  void close() {
    stores.forEach(PostgresQuotaStore::close);
  }

  @Test
  void cachedCounterAfterConcurrentWritesIsTheLastCommittedOne() throws Exception {
    TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
    PostgresQuotaStore cached = PostgresQuotaStore.builder().dataSource(DB.newPool("cache-order", THREADS + 2))
        .schema(DB.schema()).cacheTtl(Duration.ofMinutes(10)).build();
    PostgresQuotaStore strict = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema()).strict()
        .build();
    stores.add(cached);
    stores.add(strict);
    QuotaGuard guard = Quota.builder().store(cached).catalogue(CATALOGUE).clock(clock).build().guard();
    QuotaGuard truth = Quota.builder().store(strict).catalogue(CATALOGUE).clock(clock).build().guard();
    TenantId tenant = TenantId.of("ordered-" + UUID.randomUUID());
    guard.usage(tenant); // the cache holds the tenant from the start, so every write updates it in place

    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          assertThat(start.await(30, TimeUnit.SECONDS)).as("released").isTrue();
          for (int i = 0; i < OPERATIONS; i++) {
            long amount = 1 + ThreadLocalRandom.current().nextInt(50);
            if (i % 3 == 0) {
              guard.tryConsume(tenant, Meter.AI_TOKENS, amount, UsageKey.of("c-" + thread + "-" + i));
            } else {
              ReserveResult hold = guard.reserve(tenant, Meter.AI_TOKENS, amount, Duration.ofMinutes(5));
              if (i % 3 == 2) {
                hold.reservation().release();
              }
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    UsageReport fromCache = guard.usage(tenant);
    UsageReport fromDatabase = truth.usage(tenant);
    assertThat(fromCache.used()).isEqualTo(fromDatabase.used());
    assertThat(fromCache.reserved()).isEqualTo(fromDatabase.reserved());
  }
}

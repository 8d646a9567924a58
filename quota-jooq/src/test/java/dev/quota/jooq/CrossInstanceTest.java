package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.period.PeriodPolicy;
import dev.quota.testkit.TestClock;
import java.time.Duration;
import java.time.Instant;
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
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two store instances with their own pools and caches, as two JVMs of a service would have, on one database. */
class CrossInstanceTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Actor OPERATOR = Actor.of("ops@example.com");
  private static final long LIMIT = 1_000;
  private static final TierCatalogue CATALOGUE = TierCatalogue.builder()
      .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
      .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, LIMIT))
      .defaultTier(Tier.FREE)
      .build();
  /** Far longer than any wait below: only a notification can make an instance see another's admin change. */
  private static final Duration LONG_TTL = Duration.ofMinutes(10);
  /** The longest a test waits for a notification: far below {@link #LONG_TTL}, far above what delivery needs. */
  private static final Duration NOTIFICATION_WAIT = Duration.ofSeconds(30);

  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  private final List<PostgresQuotaStore> stores = new ArrayList<>();
  private TenantId tenant;
  /** Ends the names of this test's pools: terminations reach no other build's connections on a shared server. */
  private String run;

  @BeforeEach
  void newTenant() {
    tenant = TenantId.of("shared-" + UUID.randomUUID());
    run = UUID.randomUUID().toString().substring(0, 8);
  }

  @AfterEach
  void closeStores() {
    stores.forEach(PostgresQuotaStore::close);
  }

  private PostgresQuotaStore store(String pool, boolean listen) {
    PostgresQuotaStore store = PostgresQuotaStore.builder()
        .dataSource(DB.newPool(pool + "-" + run, 10))
        .schema(DB.schema())
        .cacheTtl(LONG_TTL)
        .listenForChanges(listen)
        .build();
    stores.add(store);
    return store;
  }

  /** A quota over a store without a cache: what the database holds. */
  private Quota strictQuota() {
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema()).strict()
        .build();
    stores.add(store);
    return quota(store);
  }

  private Quota quota(PostgresQuotaStore store) {
    return Quota.builder().store(store).catalogue(CATALOGUE).clock(clock).build();
  }

  @Test
  void twoInstancesWithEightThreadsEachNeverOvershoot() throws Exception {
    Quota a = quota(store("overshoot-a", true));
    Quota b = quota(store("overshoot-b", true));
    a.admin().setPlan(tenant, Plan.of(Tier.FREE), OPERATOR, "signup");
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Long>> consumed = new ArrayList<>();
    long total = 0;
    try {
      for (int t = 0; t < 16; t++) {
        Quota instance = t % 2 == 0 ? a : b;
        int thread = t;
        consumed.add(pool.submit(() -> {
          assertThat(start.await(30, TimeUnit.SECONDS)).as("released").isTrue();
          long units = 0;
          for (int i = 0; i < 40; i++) {
            long amount = ThreadLocalRandom.current().nextLong(1, 8);
            ConsumeResult r = instance.guard().tryConsume(tenant, Meter.AI_TOKENS, amount,
                UsageKey.of("t" + thread + "-" + i));
            if (r.outcome() == ConsumeResult.Outcome.CONSUMED) {
              units += amount;
            }
          }
          return units;
        }));
      }
      start.countDown();
      for (Future<Long> f : consumed) {
        total += f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    long used = strictQuota().guard().usage(tenant).used();
    assertThat(used).isEqualTo(total).isLessThanOrEqualTo(LIMIT).isGreaterThan(LIMIT - 8);
    assertThat(b.admin().verify(tenant).consistent()).isTrue();
  }

  /**
   * Its cache would keep the old state for {@link #LONG_TTL}: seeing the reset in a fraction of that proves the
   * notification reached it. How soon it arrives depends on the machine, so the test waits generously and asserts
   * only that it came.
   */
  @Test
  void aResetOnOneInstanceUnblocksTheOtherThroughItsNotification() {
    PostgresQuotaStore storeB = store("reset-b", true);
    Quota a = quota(store("reset-a", true));
    Quota b = quota(storeB);
    a.guard().tryConsume(tenant, Meter.AI_TOKENS, LIMIT, UsageKey.of("everything"));
    awaitTrue(storeB::isListening, Duration.ofSeconds(10));
    assertThat(b.guard().canProceed(tenant)).isFalse(); // now cached in b for LONG_TTL

    a.admin().resetUsage(tenant, OPERATOR, "ticket 42");

    awaitTrue(() -> b.guard().canProceed(tenant), NOTIFICATION_WAIT);
  }

  @Test
  void anInstanceThatMissedAChangeStillWritesWithTheNewEntitlements() {
    Quota a = quota(store("missed-a", true));
    Quota deaf = quota(store("missed-b", false));
    a.guard().tryConsume(tenant, Meter.AI_TOKENS, LIMIT, UsageKey.of("everything"));
    assertThat(deaf.guard().canProceed(tenant)).isFalse(); // cached, and no notification will come

    a.admin().grantCredit(tenant, Meter.AI_TOKENS, 100, Instant.parse("2026-12-01T00:00:00Z"), OPERATOR, "goodwill");
    ConsumeResult result = deaf.guard().tryConsume(tenant, Meter.AI_TOKENS, 100, UsageKey.of("after-credit"));

    // the cached state's old ceiling denies, but the database decides: the write comes back stale and the guard
    // reads again past the cache
    assertThat(result.outcome()).isEqualTo(ConsumeResult.Outcome.CONSUMED);
    assertThat(deaf.guard().usage(tenant).used()).isEqualTo(LIMIT + 100);
  }

  /**
   * Notifications sent while the listener has no connection are lost, so b can see the reset only if its listener
   * connects again: through the notification, or through the cache it drops on listening again. Either way the test
   * needs no particular moment of the listener's (whether it noticed the termination before the reset or after).
   */
  @Test
  void theListenerReconnectsAfterItsConnectionIsTerminated() throws Exception {
    PostgresQuotaStore storeB = store("relisten-b", true);
    Quota a = quota(store("relisten-a", true));
    Quota b = quota(storeB);
    awaitTrue(storeB::isListening, Duration.ofSeconds(10));

    assertThat(DB.terminateBackends("relisten-b-" + run)).isPositive();

    a.guard().tryConsume(tenant, Meter.AI_TOKENS, LIMIT, UsageKey.of("everything"));
    assertThat(b.guard().canProceed(tenant)).isFalse();
    a.admin().resetUsage(tenant, OPERATOR, "ticket 43");
    awaitTrue(() -> b.guard().canProceed(tenant), NOTIFICATION_WAIT);
    awaitTrue(storeB::isListening, Duration.ofSeconds(10));
  }

  /** Polls a condition until it holds, failing after the timeout. */
  static void awaitTrue(BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition still false after " + timeout);
      }
      LockSupport.parkNanos(2_000_000);
    }
  }
}

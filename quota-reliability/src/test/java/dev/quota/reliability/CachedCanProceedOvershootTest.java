package dev.quota.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.RecordResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.period.PeriodPolicy;
import dev.quota.testkit.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How far the cached {@code canProceed} lets a tenant go over its limit across instances, measured against the
 * bound derived here.
 *
 * <p><b>The pattern.</b> A caller asks {@code canProceed(tenant)} and, if it is true, does the work and then
 * {@code record}s what it used. With the cache on, {@code canProceed} answers from a state read at most one cache
 * TTL ago: the instance's own writes update that state at once (each write returns the counter as it left the
 * database, which includes everything written before it), but other instances' usage reaches it only when it is
 * read again. {@code record} is never refused: usage that happened is recorded.
 *
 * <p><b>The bound.</b> Take the record that leaves the tenant furthest over its ceiling {@code C} (limit plus grants),
 * made by a caller on instance X that recorded {@code s} units after {@code canProceed} said yes. That answer came
 * from X's view {@code V <= C - 1}. The usage in the database at that moment exceeds {@code V} by at most
 * <ul>
 *   <li>{@code W}: what the other instances recorded or consumed since X's view was read or last updated by X's own
 *       write, which is at most one TTL ago; and</li>
 *   <li>what X's other callers recorded after passing their own check on the same view but before this one:
 *       at most {@code (c - 1) * S}, for {@code c} callers of X checking at once and {@code S} the largest amount one
 *       of them records.</li>
 * </ul>
 * So {@code used - C <= W + c * S - 1}: <i>the overshoot is at most the usage the other instances write in one cache
 * TTL, plus one round of in-flight records of the instance itself.</i> At a TTL of 1 s, other instances using 5,000
 * tokens a second, and 8 threads each recording at most 2,000 tokens, a tenant can end at most 20,999 tokens over.
 * {@code tryConsume} and {@code reserve} never overshoot (the database decides them, whatever the cache says);
 * {@link PostgresQuotaStore.Builder#strict()} removes {@code W} (but not the in-flight term, which only
 * {@code tryConsume} removes).
 *
 * <p><b>The measurement.</b> Instance A consumes with {@code tryConsume} (which never overshoots by itself) while
 * instances B and C, each with its own cache, run the check-then-record pattern with several threads, until the
 * tenant is exhausted everywhere. The terms are measured for each record from the order of the calls, not from
 * windows of time (which would need a margin for how long a call takes on a busy machine): the view its check
 * answered from is at least as fresh as the start of its instance's latest write that returned before the check
 * (or of its first read), and a write that commits after that and before this record can only be one that returned
 * after that start and began before this record returned. {@code W} is the units of the other instances' such
 * writes, the in-flight term the units of its own instance's; the overshoot must stay within the largest
 * {@code W + in-flight + S - 1} of any record.
 */
class CachedCanProceedOvershootTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Meter METER = Meter.AI_TOKENS;
  private static final long LIMIT = 20_000;
  private static final int THREADS = 4;
  private static final long CONSUME_AMOUNT = 25;
  private static final long RECORD_AMOUNT = 50;
  private static final TierCatalogue CATALOGUE = TierCatalogue.builder()
      .meter(METER, PeriodPolicy.calendarMonth())
      .tier(Tier.FREE, Map.of(METER, LIMIT))
      .defaultTier(Tier.FREE)
      .build();

  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  private final List<PostgresQuotaStore> stores = new ArrayList<>();

  /**
   * A write that completed: which instance wrote it, when its call started and returned, how much, and for a record
   * when the check before it started ({@code -1} for a consume).
   */
  private record Written(int instance, long startNanos, long endNanos, long units, long checkNanos) {}

  /** The terms of the bound for one record: the other instances' units and its own instance's. */
  private record Since(long others, long own, long units) {
    long bound() {
      return others + own + units - 1;
    }
  }

  @AfterEach
  void closeStores() {
    stores.forEach(PostgresQuotaStore::close);
  }

  private Quota instance(String name, Duration ttl) {
    var pool = DB.newPool(Jdbc.withParameter("options=-c%20synchronous_commit%3Doff"), name, THREADS + 2);
    pool.setConnectionTimeout(10_000);
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(pool).schema(DB.schema()).cacheTtl(ttl).build();
    stores.add(store);
    return Quota.builder().store(store).catalogue(CATALOGUE).clock(clock).alertThresholds().build();
  }

  @ParameterizedTest(name = "cache TTL {0} ms")
  @ValueSource(longs = {200, 1_000})
  void theOvershootOfCheckThenRecordStaysWithinTheUsageOfOtherInstancesInOneTtl(long ttlMillis) throws Exception {
    Duration ttl = Duration.ofMillis(ttlMillis);
    TenantId tenant = TenantId.of("cached-" + UUID.randomUUID());
    String run = UUID.randomUUID().toString().substring(0, 6);
    Quota consumer = instance("overshoot-a-" + run, ttl);
    List<Quota> recorders = List.of(instance("overshoot-b-" + run, ttl), instance("overshoot-c-" + run, ttl));
    consumer.admin().setPlan(tenant, Plan.of(Tier.FREE), Actor.of("ops"), "signup");
    // every instance has a view, as a running service would; each read starts before its instance's first write
    long firstRead = System.nanoTime();
    recorders.forEach(q -> q.guard().canProceed(tenant));

    ConcurrentLinkedQueue<Written> written = new ConcurrentLinkedQueue<>();
    AtomicLong operations = new AtomicLong();
    long started = System.nanoTime();
    ExecutorService threads = Executors.newFixedThreadPool(THREADS * 3);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      workers.add(threads.submit(() -> {
        for (int i = 0; ; i++) {
          long start = System.nanoTime();
          ConsumeResult r = consumer.guard().tryConsume(tenant, METER, CONSUME_AMOUNT, UsageKey.of("a-" + thread + "-" + i));
          operations.incrementAndGet();
          if (r.outcome() != ConsumeResult.Outcome.CONSUMED) {
            return null; // exhausted: a consume is decided by the database
          }
          written.add(new Written(0, start, System.nanoTime(), CONSUME_AMOUNT, -1));
        }
      }));
      for (int x = 0; x < recorders.size(); x++) {
        Quota recorder = recorders.get(x);
        int instance = x + 1;
        workers.add(threads.submit(() -> {
          long refusedSince = 0;
          for (int i = 0; ; i++) {
            operations.incrementAndGet();
            long check = System.nanoTime();
            if (recorder.guard().canProceed(tenant)) {
              refusedSince = 0;
              long start = System.nanoTime();
              RecordResult r = recorder.guard().record(UsageEvent.of(tenant, METER, RECORD_AMOUNT,
                  UsageKey.of("r" + instance + "-" + thread + "-" + i)));
              operations.incrementAndGet();
              written.add(new Written(instance, start, System.nanoTime(), r.amount(), check));
            } else if (refusedSince == 0) {
              refusedSince = System.nanoTime();
            } else if (System.nanoTime() - refusedSince > ttl.toNanos() * 3) {
              return null; // refused for three TTLs: every view this instance can have says exhausted
            }
            LockSupport.parkNanos(200_000);
          }
        }));
      }
    }
    try {
      for (Future<?> w : workers) {
        w.get(120, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }

    long used = new Rows(DB.dataSource(), DB.schema()).ledgerSum(tenant);
    long overshoot = used - LIMIT;
    List<Written> all = new ArrayList<>(written);
    long bound = 0;
    StringBuilder perInstance = new StringBuilder();
    for (int x = 1; x <= recorders.size(); x++) {
      Since worst = worstRecord(all, x, firstRead);
      bound = Math.max(bound, worst.bound());
      perInstance.append(" ").append((char) ('a' + x)).append(": W=").append(worst.others()).append(" in-flight=")
          .append(worst.own());
    }
    System.out.printf("OVERSHOOT ttl=%d ms: used %d of limit %d, overshoot %d <= bound %d (worst records%s, S=%d) in"
            + " %d ms, %d operations%n", ttlMillis, used, LIMIT, overshoot, bound, perInstance, RECORD_AMOUNT,
        Duration.ofNanos(System.nanoTime() - started).toMillis(), operations.get());
    if (overshoot > bound) {
      ReliabilityTally.violation("cached canProceed overshoot " + overshoot + " over the bound " + bound + " at TTL "
          + ttl);
    }
    assertThat(overshoot).as("overshoot with check-then-record at a cache TTL of %s", ttl).isLessThanOrEqualTo(bound);
    assertThat(used).as("the pattern reached the limit").isGreaterThanOrEqualTo(LIMIT - RECORD_AMOUNT);
  }

  /**
   * The worst case, staged so that it is reached exactly: instance X reads the tenant one unit short of its limit;
   * within X's TTL another instance records {@code W} units; then {@code c} callers on X all pass {@code canProceed}
   * on X's stale view before any of them records {@code S}. The tenant ends exactly {@code W + c * S - 1} over: the
   * bound is tight.
   */
  @ParameterizedTest(name = "other instances record {0} units within the TTL")
  @ValueSource(longs = {0, 5_000})
  void theBoundIsReachedWhenEveryCallerPassesOnAViewOneTtlOld(long othersWithinTtl) throws Exception {
    Duration ttl = Duration.ofSeconds(30); // far longer than the scenario: X's view cannot be refreshed meanwhile
    TenantId tenant = TenantId.of("worst-" + UUID.randomUUID());
    String run = UUID.randomUUID().toString().substring(0, 6);
    Quota x = instance("worst-x-" + run, ttl);
    Quota other = instance("worst-o-" + run, ttl);
    other.guard().record(UsageEvent.of(tenant, METER, LIMIT - 1, UsageKey.of("almost-everything")));
    assertThat(x.guard().canProceed(tenant)).as("X's view: one unit left").isTrue();
    if (othersWithinTtl > 0) {
      other.guard().record(UsageEvent.of(tenant, METER, othersWithinTtl, UsageKey.of("others")));
    }

    java.util.concurrent.CyclicBarrier allChecked = new java.util.concurrent.CyclicBarrier(THREADS);
    ExecutorService threads = Executors.newFixedThreadPool(THREADS);
    List<Future<Boolean>> callers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      String key = "x-" + t;
      callers.add(threads.submit(() -> {
        boolean allowed = x.guard().canProceed(tenant);
        allChecked.await(10, TimeUnit.SECONDS);
        if (allowed) {
          x.guard().record(UsageEvent.of(tenant, METER, RECORD_AMOUNT, UsageKey.of(key)));
        }
        return allowed;
      }));
    }
    try {
      for (Future<Boolean> caller : callers) {
        assertThat(caller.get(30, TimeUnit.SECONDS)).as("a caller passed on the stale view").isTrue();
      }
    } finally {
      threads.shutdownNow();
    }

    long overshoot = new Rows(DB.dataSource(), DB.schema()).ledgerSum(tenant) - LIMIT;
    long bound = othersWithinTtl + THREADS * RECORD_AMOUNT - 1;
    System.out.printf("OVERSHOOT worst case: W=%d c=%d S=%d: overshoot %d, bound %d%n", othersWithinTtl, THREADS,
        RECORD_AMOUNT, overshoot, bound);
    assertThat(overshoot).isEqualTo(bound);
    assertThat(x.guard().canProceed(tenant)).as("X's view after its own writes").isFalse();
  }

  /**
   * The record of {@code instance} whose bound is the largest: for each, the units of the writes that may have
   * committed between the view its check answered from and itself, by the other instances and by its own.
   */
  private static Since worstRecord(List<Written> all, int instance, long firstRead) {
    Since worst = new Since(0, 0, 0);
    for (Written record : all) {
      if (record.instance() != instance || record.checkNanos() < 0) {
        continue;
      }
      // the instance's cache holds every write of its that returned before the check: the view is at least as
      // fresh as the start of the latest of them (or of the first read)
      long freshFrom = firstRead;
      for (Written w : all) {
        if (w.instance() == instance && w.endNanos() < record.checkNanos()) {
          freshFrom = Math.max(freshFrom, w.startNanos());
        }
      }
      long others = 0;
      long own = 0;
      for (Written w : all) {
        if (w != record && w.endNanos() >= freshFrom && w.startNanos() <= record.endNanos()) {
          if (w.instance() == instance) {
            own += w.units();
          } else {
            others += w.units();
          }
        }
      }
      Since since = new Since(others, own, record.units());
      if (since.bound() > worst.bound()) {
        worst = since;
      }
    }
    return worst;
  }
}

package dev.quota.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.RecordResult;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageKey;
import dev.quota.Window;
import dev.quota.admin.Actor;
import dev.quota.admin.Verification;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.period.PeriodPolicy;
import dev.quota.testkit.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several service instances consuming on many members of one organisation at once: three levels (an organisation,
 * two workspaces, ten members), each with a limit per period and per minute, small enough that every level and both
 * windows refuse often. Every consume and reserve counts at the member, its workspace and the organisation, in the
 * period and in the minute, in one atomic step.
 *
 * <p>The limits are chosen so that each level is the first to refuse some calls: one heavy member takes a quarter of
 * the calls and runs out of its own minute, each workspace runs out of its minute (two workspaces' minutes add up to
 * less than the organisation's), and the organisation runs out of its period before the last phases.
 *
 * <p>The invariant: no counter of any level and any window ever holds more than its ceiling ({@code used + reserved
 * <= limit}). A watcher reads every counter from the database in one statement, again and again while the writes
 * run, and checks each snapshot; afterwards every counter must equal the sum of the ledger entries whose counted path
 * contains its level and whose instant lies in its window, the members' ledgers must equal what the calls reported
 * as written, and {@code verify} must find every level consistent.
 *
 * <p>The clock moves in phases, one minute each, between which every worker waits: a reservation is committed (with
 * at most its estimate) or released within the phase it was made in, so a commit never lands in a window its hold did
 * not cover, and the invariant holds for commits too. (Across a boundary a commit is never refused and may take the
 * new window over its limit; that is documented, and not what this test is about.)
 */
class OrganisationLoadTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final int INSTANCES = 3;
  private static final int THREADS_PER_INSTANCE = 4;
  private static final int PHASES = 8;
  private static final int OPERATIONS_PER_PHASE = Integer.getInteger("quota.reliability.orgOpsPerPhase", 300);
  private static final Meter METER = Meter.AI_TOKENS;
  private static final Duration PERIOD = Duration.ofMinutes(30);
  private static final Tier ORG = Tier.of("org");
  private static final Tier WORKSPACE = Tier.of("workspace");
  private static final Tier MEMBER = Tier.of("member");
  /** Per tier: the limit per period and per minute. */
  private static final Map<Tier, long[]> LIMITS = Map.of(
      ORG, new long[] {2_400, 500},
      WORKSPACE, new long[] {2_200, 200},
      MEMBER, new long[] {600, 70});
  private static final TierCatalogue CATALOGUE = TierCatalogue.builder()
      .meter(METER, PeriodPolicy.fixed(PERIOD))
      .tier(ORG, Map.of(METER, LIMITS.get(ORG)[0]))
      .tier(WORKSPACE, Map.of(METER, LIMITS.get(WORKSPACE)[0]))
      .tier(MEMBER, Map.of(METER, LIMITS.get(MEMBER)[0]))
      .limit(ORG, METER, Window.MINUTE, LIMITS.get(ORG)[1])
      .limit(WORKSPACE, METER, Window.MINUTE, LIMITS.get(WORKSPACE)[1])
      .limit(MEMBER, METER, Window.MINUTE, LIMITS.get(MEMBER)[1])
      .defaultTier(MEMBER)
      .build();
  private static final Actor OPERATOR = Actor.of("load-operator");
  private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(240);

  private final String run = "org" + Long.toHexString(System.nanoTime() & 0xffffff) + "-";
  private final TenantId organisation = TenantId.of(run + "acme");
  private final List<TenantId> workspaces = List.of(TenantId.of(run + "ws0"), TenantId.of(run + "ws1"));
  private final List<TenantId> members = new ArrayList<>();
  /** Per level, its tier. */
  private final Map<TenantId, Tier> tierOf = new HashMap<>();
  // a phase starts one second into its minute, so that no write lands on a boundary
  private final TestClock clock = TestClock.at("2026-11-25T10:00:01Z");
  private final List<PostgresQuotaStore> stores = new ArrayList<>();
  private final List<HikariDataSource> pools = new ArrayList<>();
  private final List<String> violations = new CopyOnWriteArrayList<>();
  /** Per member: the units the calls reported as newly written. */
  private final Map<TenantId, LongAdder> reported = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

  @AfterEach
  void close() {
    stores.forEach(PostgresQuotaStore::close);
    pools.forEach(HikariDataSource::close);
  }

  @Test
  void membersOfOneOrganisationNeverTakeAnyLevelOrWindowOverItsCeiling() throws Exception {
    List<Quota> instances = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      HikariDataSource pool = DB.newPool(Jdbc.withParameter("options=-c%20synchronous_commit%3Doff"), "org-load-" + i,
          THREADS_PER_INSTANCE + 1);
      pool.setConnectionTimeout(10_000);
      pools.add(pool);
      PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(pool).schema(DB.schema()).build();
      stores.add(store);
      instances.add(Quota.builder().store(store).catalogue(CATALOGUE).clock(clock).alertThresholds().build());
    }
    buildTree(instances.get(0));
    Rows rows = new Rows(DB.dataSource(), DB.schema());

    ExecutorService workers = Executors.newFixedThreadPool(INSTANCES * THREADS_PER_INSTANCE + 1);
    int threads = INSTANCES * THREADS_PER_INSTANCE;
    // the last party to arrive moves the clock on by a minute: every worker is between two phases then
    CyclicBarrier nextPhase = new CyclicBarrier(threads, () -> clock.advance(Duration.ofMinutes(1)));
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger snapshots = new AtomicInteger();
    List<Future<?>> done = new ArrayList<>();
    long started = System.nanoTime();
    for (int i = 0; i < INSTANCES; i++) {
      for (int t = 0; t < THREADS_PER_INSTANCE; t++) {
        Quota quota = instances.get(i);
        String worker = "w" + i + "-" + t;
        SplittableRandom random = new SplittableRandom(17L * i + t);
        done.add(workers.submit(() -> {
          for (int phase = 0; phase < PHASES; phase++) {
            work(quota, random, worker + "-p" + phase, OPERATIONS_PER_PHASE / threads);
            nextPhase.await(GIVE_UP_AFTER.toSeconds(), TimeUnit.SECONDS);
          }
          return null;
        }));
      }
    }
    Future<?> watcher = workers.submit(() -> {
      // bounded: it stops when the writes end, or after a number of reads no run of this size needs
      for (int read = 0; read < 100_000 && writing.get(); read++) {
        checkCeilings(rows.windowCounters(run, METER), "while writing");
        snapshots.incrementAndGet();
        // a short, bounded pause: the watcher must not take the writers' CPU on a small machine
        Thread.sleep(2);
      }
      return null;
    });
    try {
      for (Future<?> f : done) {
        f.get(GIVE_UP_AFTER.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      writing.set(false);
      watcher.get(30, TimeUnit.SECONDS);
      workers.shutdownNow();
    }
    long took = Duration.ofNanos(System.nanoTime() - started).toMillis();

    List<Rows.WindowCounter> counters = rows.windowCounters(run, METER);
    checkCeilings(counters, "at the end");
    checkAgainstTheLedger(counters, rows.ledgerWithPaths(run, METER));
    for (TenantId level : tierOf.keySet()) {
      Verification verification = instances.get(0).admin().verify(level);
      expect(verification.consistent(), "verify of " + level + " finds it consistent: " + verification);
    }
    Map<String, Long> deniedAt = new LinkedHashMap<>();
    outcomes.forEach((k, v) -> deniedAt.put(k, v.sum()));
    System.out.printf("ORG LOAD instances=%d threads=%d phases=%d in %d ms, counters=%d snapshots read while writing=%d"
        + " outcomes=%s violations=%d%n", INSTANCES, threads, PHASES, took, counters.size(), snapshots.get(), deniedAt,
        violations.size());
    violations.forEach(ReliabilityTally::violation);
    ReliabilityTally.operations(outcomes.values().stream().mapToLong(LongAdder::sum).sum());
    assertThat(violations).isEmpty();
    assertThat(snapshots.get()).as("snapshots of the counters read while the writes ran").isPositive();
    // The limits make every level refuse: the heavy member its minute, a workspace its minute (two of them take less
    // than the organisation's minute), the organisation its period (the phases together ask for more).
    assertThat(deniedAt.keySet()).as("denials by level and window")
        .contains("denied at 0 up in MINUTE", "denied at 1 up in MINUTE", "denied at 2 up in PERIOD");
  }

  /** An organisation with two workspaces of five members each. */
  private void buildTree(Quota quota) {
    quota.admin().setPlan(organisation, Plan.of(ORG), OPERATOR, "organisation");
    tierOf.put(organisation, ORG);
    for (TenantId workspace : workspaces) {
      quota.admin().setPlan(workspace, Plan.of(WORKSPACE), OPERATOR, "workspace");
      quota.admin().setParent(workspace, organisation, OPERATOR, "workspace of acme");
      tierOf.put(workspace, WORKSPACE);
    }
    for (int m = 0; m < 10; m++) {
      TenantId member = TenantId.of(run + "member" + m);
      quota.admin().setPlan(member, Plan.of(MEMBER), OPERATOR, "member");
      quota.admin().setParent(member, workspaces.get(m % 2), OPERATOR, "member of a workspace");
      tierOf.put(member, MEMBER);
      members.add(member);
      reported.put(member, new LongAdder());
    }
  }

  /** One worker's share of a phase: consumes, and reservations each ended within the phase. */
  private void work(Quota quota, SplittableRandom random, String id, int operations) {
    for (int op = 0; op < operations; op++) {
      // one heavy member takes a quarter of the calls, so that it runs out of its own minute before its workspace does
      TenantId member = random.nextInt(4) == 0 ? members.get(0) : members.get(random.nextInt(members.size()));
      long amount = random.nextLong(1, 12);
      String key = id + "-" + op;
      if (random.nextInt(4) != 0) {
        ConsumeResult result = quota.guard().tryConsume(member, METER, amount, UsageKey.of(key));
        switch (result.outcome()) {
          case CONSUMED -> {
            reported.get(member).add(amount);
            tally("consumed");
          }
          case DENIED -> tally("denied at " + result.decision().levelsUp() + " up in " + result.decision().window());
          default -> expect(false, "consume " + key + " came out " + result);
        }
      } else {
        ReserveResult result = quota.guard().reserve(member, METER, amount, Duration.ofMinutes(10));
        if (!result.granted()) {
          tally("denied at " + result.decision().levelsUp() + " up in " + result.decision().window());
        } else if (random.nextBoolean()) {
          long actual = random.nextLong(1, amount + 1);
          RecordResult committed = result.reservation().commit(actual, UsageKey.of(key));
          expect(!committed.duplicate() && committed.amount() == actual, "commit " + key + " recorded " + committed);
          reported.get(member).add(actual);
          tally("committed");
        } else {
          expect(result.reservation().release(), "a release within the phase ends an open hold");
          tally("released");
        }
      }
    }
  }

  /** Checks that no counter holds more than its level's ceiling in its window. */
  private void checkCeilings(List<Rows.WindowCounter> counters, String when) {
    for (Rows.WindowCounter c : counters) {
      long[] limits = LIMITS.get(tierOf.get(c.tenant()));
      if (limits == null) {
        expect(false, "a counter of a tenant outside the tree: " + c);
        continue;
      }
      long ceiling = c.window() == null ? limits[0] : limits[1];
      expect(c.window() == null || c.window().equals("MINUTE"), "a counter of an undeclared window: " + c);
      expect(c.used() + c.reserved() <= ceiling, when + ", " + c.tenant() + " in " + (c.window() == null ? "PERIOD"
          : c.window()) + " " + c.period() + " holds used " + c.used() + " + reserved " + c.reserved()
          + " over its ceiling " + ceiling);
    }
  }

  /**
   * Every counter equals the ledger entries that counted against its level inside its window; no hold is left; the
   * members' ledgers are what the calls reported.
   */
  private void checkAgainstTheLedger(List<Rows.WindowCounter> counters, List<Rows.PathEntry> ledger) {
    for (Rows.WindowCounter c : counters) {
      Period period = c.period();
      long sum = ledger.stream().filter(e -> e.countedPath().contains(c.tenant().value()))
          .filter(e -> !e.occurredAt().isBefore(period.start()) && e.occurredAt().isBefore(period.end()))
          .mapToLong(Rows.PathEntry::amount).sum();
      expect(c.used() == sum, c.tenant() + " " + c.window() + " " + period + " counts " + c.used()
          + ", the ledger entries counted against it sum to " + sum);
      expect(c.reserved() == 0, c.tenant() + " " + c.window() + " " + period + " still holds " + c.reserved());
    }
    for (Rows.PathEntry e : ledger) {
      expect(members.contains(e.tenant()), "only members write: " + e);
      TenantId member = e.tenant();
      TenantId workspace = workspaces.get(members.indexOf(member) % 2);
      expect(e.countedPath().size() == 3 && e.countedPath().containsAll(List.of(member.value(), workspace.value(),
          organisation.value())), "an entry counts against its member, workspace and organisation: " + e);
    }
    for (TenantId member : members) {
      long inLedger = ledger.stream().filter(e -> e.tenant().equals(member)).mapToLong(Rows.PathEntry::amount).sum();
      expect(inLedger == reported.get(member).sum(), member + "'s ledger holds " + inLedger + ", the calls reported "
          + reported.get(member).sum());
    }
    // every window and level the load wrote in has its counter: PERIOD and MINUTE at each of the 13 levels
    Map<String, Integer> windowsPerLevel = new HashMap<>();
    counters.forEach(c -> windowsPerLevel.merge(c.tenant() + "/" + (c.window() == null ? "PERIOD" : c.window()), 1,
        Integer::sum));
    expect(windowsPerLevel.size() == 2 * tierOf.size(), "counters in both windows at every level: " + windowsPerLevel);
    Instant end = clock.instant();
    expect(counters.stream().noneMatch(c -> c.period().start().isAfter(end)), "no counter starts after the run");
  }

  private void tally(String outcome) {
    outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
  }

  private void expect(boolean holds, String what) {
    if (!holds && violations.size() < 50) {
      violations.add(what);
    }
  }
}

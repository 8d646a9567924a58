package dev.quota.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.RecordResult;
import dev.quota.Reservation;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageConflictException;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.admin.Actor;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.CreditCheck;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.Verification;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.period.PeriodPolicy;
import dev.quota.testkit.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several service instances on one hot tenant, each with its own connection pool and its own store (and so its
 * own cache and change listener), eight threads each, mixing every kind of write while the clock runs through
 * period after period and operators reset the tenant.
 *
 * <p>What "overshoot" means here. The ceiling of a period is {@code limit + granted}; resets raise it while the
 * load runs. A consume or reserve is checked against the ceiling in force at its write (the one of the entitlement
 * version the store verified): after every accepted consume or reserve, the counter the store returns must satisfy
 * {@code used + reserved <= ceiling} of that decision, and every denial must be justified by its counter
 * ({@code used + reserved + amount > ceiling}). Records and commits are never refused, so they may take a period
 * over its ceiling; a consume may not. Since the ceiling of a period only grows (resets add grants, nothing is
 * revoked), the sum of the consumes accepted in a period can never exceed the period's final {@code limit +
 * granted}, which is checked against the ledger afterwards. Every usage key is written at most once however many
 * instances retry it, and the counters equal the ledger ({@code admin.verify} and the suite's own SQL sums).
 *
 * <p>One-time credits. The operators' resets keep the hot tenant within its allowance, so a second tenant takes a
 * share of the consumes on a small limit of its own, never reset: it holds a credit from the start, and operators give
 * it more while the load runs (valid for a period or two, so some expire with units left), so its usage goes beyond
 * the allowance and draws the same credit rows from every instance at once. Its ceiling is {@code limit + granted +
 * creditDrawn + creditAvailable}. A consume draws what takes its period's usage beyond {@code limit + granted}, and a
 * draw is never taken back, so the consumes accepted in a period never exceed its final {@code limit + granted +
 * credit_drawn}. Afterwards no credit gave more than its amount, the consumes beyond the allowance were all paid by
 * credits (they sum to no more than the units drawn, which are no more than the units given), and the credits' drawn
 * units equal the counters' {@code credit_drawn} ({@code admin.verify}'s credit checks and the suite's own SQL sums).
 *
 * <p>At least 50,000 calls run (retries of the same call on another instance come on top); about half are
 * writes, every one of which waits for the hot tenant's counter row, so the run is bounded by how many writes a
 * second one row takes ({@code -Dquota.reliability.loadOps=N} changes the count).
 *
 * <p>Commits are made durable lazily ({@code synchronous_commit=off} on the load's connections): the invariants
 * are about atomicity and isolation, not durability, and without the flush each write costs a fraction of the
 * fsync this machine's disk takes, so the run stays short.
 */
class MultiInstanceLoadTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final int INSTANCES = 3;
  private static final int THREADS_PER_INSTANCE = 8;
  private static final long TARGET_OPERATIONS = Long.getLong("quota.reliability.loadOps", 50_000);
  /**
   * Far beyond the expected one to two minutes on two cores (every write of the hot tenant serializes on one
   * counter row, some 500 writes a second here): a run that needs it is broken, and fails.
   */
  private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(300);
  private static final long LIMIT = 30_000;
  private static final Meter METER = Meter.AI_TOKENS;
  private static final Duration PERIOD = Duration.ofSeconds(30);
  /** The periods the clock runs through over the whole load. */
  private static final int PERIODS_CROSSED = 8;
  /**
   * The clock moves with the load, not with real time: each operation advances it by this step, whole milliseconds
   * rounded up, so the run crosses at least {@link #PERIODS_CROSSED} periods however fast the machine is (5 ms an
   * operation with the default load). Holds live 10 to 40 s of it, a few thousand operations, so most end by a commit
   * or release and the abandoned ones expire during the run.
   */
  private static final Duration CLOCK_STEP = Duration.ofMillis(
      (PERIOD.toMillis() * PERIODS_CROSSED + TARGET_OPERATIONS - 1) / TARGET_OPERATIONS);
  private static final Actor OPERATOR = Actor.of("load-operator");
  private static final TierCatalogue CATALOGUE = TierCatalogue.builder()
      .meter(METER, PeriodPolicy.fixed(PERIOD))
      .tier(Tier.FREE, Map.of(METER, LIMIT))
      .defaultTier(Tier.FREE)
      .build();
  private static final int RECORD_KEY_SPACE = 20_000;
  /** The credited tenant's limit: about a third of what its share of the consumes uses in a period. */
  private static final long CREDITED_LIMIT = 5_000;
  /** The credit the credited tenant holds from the start, valid through the run. */
  private static final long FIRST_CREDIT = 20_000;
  /** The largest credit an operator gives during the run (about 50 of them with the default load). */
  private static final long MAX_CREDIT = 5_000;

  enum Kind {
    CONSUME, CONSUME_RETRY, RECORD, RECORD_CONFLICT, RESERVE, COMMIT, COMMIT_RETRY, RELEASE, RESET, CREDIT, READ
  }

  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  private final TenantId tenant = TenantId.of("hot-tenant");
  private final TenantId credited = TenantId.of("credited-tenant");
  private final List<PostgresQuotaStore> stores = new ArrayList<>();

  private final Map<Kind, LongAdder> operations = new EnumMap<>(Kind.class);
  private final LongAdder checks = new LongAdder();
  private final List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Per usage key: how many calls reported it as newly written, and with which amount. */
  private final Map<String, AtomicInteger> newlyWritten = new ConcurrentHashMap<>();
  private final Map<String, Long> writtenAmount = new ConcurrentHashMap<>();
  /** Per period: the units calls reported as newly written in it. */
  private final Map<Period, LongAdder> reportedPerPeriod = new ConcurrentHashMap<>();
  /** Per period: the units the credited tenant's consumes reported as newly written in it. */
  private final Map<Period, LongAdder> creditedPerPeriod = new ConcurrentHashMap<>();
  private final Set<Integer> recordedKeys = ConcurrentHashMap.newKeySet();
  /** The credits given, as the admin returned them. */
  private final List<OneTimeCredit> credits = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Per instance: the accepted consumes that took the period's usage beyond its allowance, drawing on credits. */
  private final Map<Quota, LongAdder> drawingConsumes = new java.util.IdentityHashMap<>();

  @AfterEach
  void closeStores() {
    stores.forEach(PostgresQuotaStore::close);
  }

  @Test
  void instancesUnderLoadNeverOvershootNeverCountTwiceAndKeepCountersEqualToTheLedger() throws Exception {
    for (Kind kind : Kind.values()) {
      operations.put(kind, new LongAdder());
    }
    List<Quota> instances = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      var pool = DB.newPool(Jdbc.withParameter("options=-c%20synchronous_commit%3Doff"), "load-" + i,
          THREADS_PER_INSTANCE + 2);
      // a busy machine may take a while to hand out a connection; an outage is not what this test is about
      pool.setConnectionTimeout(10_000);
      PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(pool).schema(DB.schema()).build();
      stores.add(store);
      // Threshold alerts have their own tests; off here, each write past a threshold would try to mark it again.
      instances.add(Quota.builder().store(store).catalogue(CATALOGUE).clock(clock).alertThresholds().build());
    }
    instances.get(0).admin().setPlan(tenant, Plan.of(Tier.FREE), OPERATOR, "load test tenant");
    Instant firstPeriodStart = CATALOGUE.periodPolicy(METER).periodAt(clock.instant()).start();
    // filled before the workers start and only read by them
    instances.forEach(q -> drawingConsumes.put(q, new LongAdder()));
    instances.get(0).admin().setPlan(credited, Plan.of(Tier.FREE), OPERATOR, "load test tenant with credits");
    instances.get(0).admin().overrideLimit(credited, METER, CREDITED_LIMIT, OPERATOR, "load: small allowance");
    credits.add(instances.get(0).admin().grantOneTimeCredit(credited, METER, FIRST_CREDIT, clock.instant(),
        clock.instant().plus(PERIOD.multipliedBy(PERIODS_CROSSED + 2L)), OPERATOR, "load: top-up pack"));

    AtomicLong remaining = new AtomicLong(TARGET_OPERATIONS);
    ExecutorService workers = Executors.newFixedThreadPool(INSTANCES * THREADS_PER_INSTANCE);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    long started = System.nanoTime();
    for (int i = 0; i < INSTANCES; i++) {
      for (int t = 0; t < THREADS_PER_INSTANCE; t++) {
        Quota own = instances.get(i);
        Quota other = instances.get((i + 1) % INSTANCES);
        String worker = i + "-" + t;
        long seed = 31L * i + t;
        done.add(workers.submit(() -> {
          if (!start.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("worker " + worker + " not released within 30 s");
          }
          work(worker, new SplittableRandom(seed), own, other, remaining);
          return null;
        }));
      }
    }
    start.countDown();
    try {
      long deadline = started + GIVE_UP_AFTER.toNanos();
      for (Future<?> f : done) {
        while (true) {
          try {
            f.get(10, TimeUnit.SECONDS);
            break;
          } catch (java.util.concurrent.TimeoutException stillRunning) {
            System.out.printf("LOAD progress: %d of %d operations after %d s%n", TARGET_OPERATIONS - remaining.get(),
                TARGET_OPERATIONS, Duration.ofNanos(System.nanoTime() - started).toSeconds());
            if (System.nanoTime() > deadline) {
              Thread.getAllStackTraces().forEach((thread, stack) -> {
                if (thread.getName().startsWith("pool-")) {
                  System.out.println("LOAD stuck? " + thread.getName() + " " + java.util.Arrays.toString(stack));
                }
              });
              throw stillRunning;
            }
          }
        }
      }
    } finally {
      workers.shutdownNow();
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    long total = operations.values().stream().mapToLong(LongAdder::sum).sum();

    checkTheDatabase(instances.get(0), firstPeriodStart);

    ReliabilityTally.operations(total);
    violations.forEach(ReliabilityTally::violation);
    System.out.printf("LOAD instances=%d threads=%d ops=%d in %d ms (%s) periods=%d invariant checks held=%d"
            + " violations=%d%n", INSTANCES, INSTANCES * THREADS_PER_INSTANCE, total, took.toMillis(), operations,
        reportedPerPeriod.size(), checks.sum(), violations.size());
    Rows.CreditRow creditTotals = creditTotals();
    List<Long> drawingByInstance = instances.stream().map(q -> drawingConsumes.get(q).sum()).toList();
    System.out.printf("LOAD credits=%d given=%d drawn=%d consumes beyond the allowance by instance=%s%n",
        credits.size(), creditTotals.amount(), creditTotals.drawn(), drawingByInstance);
    assertThat(violations).isEmpty();
    assertThat(creditTotals.drawn()).as("units drawn from credits").isPositive();
    assertThat(drawingByInstance).as("consumes that drew on credits, by instance").allMatch(n -> n > 0);
    assertThat(total).isGreaterThanOrEqualTo(Math.min(50_000, TARGET_OPERATIONS));
    assertThat(reportedPerPeriod).as("periods the load ran through").hasSizeGreaterThan(3);
  }

  // --- the workers -------------------------------------------------------------------------------------

  private record Hold(Reservation reservation, Quota instance) {}

  private void work(String worker, SplittableRandom random, Quota own, Quota other, AtomicLong remaining) {
    Deque<Hold> open = new ArrayDeque<>();
    int sequence = 0;
    while (remaining.decrementAndGet() >= 0) {
      clock.advance(CLOCK_STEP);
      sequence++;
      Quota quota = random.nextInt(4) == 0 ? other : own;
      int dice = random.nextInt(1000);
      if (dice < 60) {
        consume(credited, "cc-", creditedPerPeriod, quota, other, random, worker + "-" + sequence);
      } else if (dice < 250) {
        consume(tenant, "c-", reportedPerPeriod, quota, other, random, worker + "-" + sequence);
      } else if (dice < 380) {
        record(quota, random);
      } else if (dice < 530) {
        reserve(quota, random, open);
      } else if (dice < 533) {
        count(Kind.RESET);
        quota.admin().resetUsage(tenant, METER, OPERATOR, "load: unblock");
      } else if (dice < 534) {
        grantCredit(quota, random);
      } else {
        read(quota, random);
      }
      if (open.size() > 3 || (!open.isEmpty() && random.nextInt(3) == 0)) {
        end(open.pollFirst(), random, worker + "-" + sequence);
      }
    }
    while (!open.isEmpty()) {
      end(open.pollFirst(), random, worker + "-end-" + open.size());
    }
  }

  /** An operator gives a credit valid for one or two periods of the clock, often expiring with units left. */
  private void grantCredit(Quota quota, SplittableRandom random) {
    count(Kind.CREDIT);
    long amount = random.nextLong(1, MAX_CREDIT + 1);
    Instant now = clock.instant();
    OneTimeCredit credit = quota.admin().grantOneTimeCredit(credited, METER, amount, now,
        now.plus(PERIOD.multipliedBy(random.nextLong(1, 3))), OPERATOR, "load: top-up");
    expect(credit.amount() == amount && credit.drawn() == 0, "a new credit of " + amount + " came back as " + credit);
    credits.add(credit);
  }

  private void consume(TenantId who, String keyPrefix, Map<Period, LongAdder> perPeriod, Quota quota, Quota retryOn,
      SplittableRandom random, String id) {
    long amount = random.nextLong(1, 80);
    UsageKey key = UsageKey.of(keyPrefix + id);
    count(Kind.CONSUME);
    ConsumeResult first = quota.guard().tryConsume(who, METER, amount, key);
    checkConsume(first, amount, key, perPeriod);
    if (first.outcome() == ConsumeResult.Outcome.CONSUMED) {
      UsageReport after = first.decision().snapshot();
      if (after.used() > after.limit() + after.granted()) {
        drawingConsumes.get(quota).increment();
      }
    }
    if (random.nextInt(10) == 0) {
      // a retry of the same call, on another instance: counted once
      count(Kind.CONSUME_RETRY);
      ConsumeResult again = retryOn.guard().tryConsume(who, METER, amount, key);
      if (first.outcome() == ConsumeResult.Outcome.CONSUMED) {
        expect(again.outcome() == ConsumeResult.Outcome.ALREADY_CONSUMED,
            "a retried consume of " + key + " reports ALREADY_CONSUMED, was " + again.outcome());
      } else {
        checkConsume(again, amount, key, perPeriod);
      }
    }
  }

  private void checkConsume(ConsumeResult result, long amount, UsageKey key, Map<Period, LongAdder> perPeriod) {
    Decision decision = result.decision();
    if (decision.report().isEmpty()) {
      expect(false, "consume " + key + " decided without the store: " + decision);
      return;
    }
    switch (result.outcome()) {
      case CONSUMED -> {
        UsageReport after = decision.snapshot();
        expect(after.used() + after.reserved() <= after.ceiling(), "consume " + key + " of " + amount
            + " left used " + after.used() + " + reserved " + after.reserved() + " over ceiling " + after.ceiling());
        written(key.value(), amount, after.period(), perPeriod);
      }
      case DENIED -> {
        UsageReport seen = decision.snapshot();
        expect(decision.reason() == Decision.Reason.INSUFFICIENT_BALANCE
                && seen.used() + seen.reserved() + amount > seen.ceiling(),
            "consume " + key + " of " + amount + " denied (" + decision.reason() + ") with used " + seen.used()
                + " + reserved " + seen.reserved() + " under ceiling " + seen.ceiling());
      }
      default -> expect(false, "consume " + key + " came out " + result.outcome() + " with the store up");
    }
  }

  private void record(Quota quota, SplittableRandom random) {
    int n = random.nextInt(RECORD_KEY_SPACE);
    UsageKey key = UsageKey.of("r-" + n);
    long amount = 1 + Math.floorMod(n * 31, 10);
    if (random.nextInt(50) == 0 && recordedKeys.contains(n)) {
      count(Kind.RECORD_CONFLICT);
      try {
        quota.guard().record(UsageEvent.of(tenant, METER, amount + 100, key));
        expect(false, "recording " + key + " again with another amount was accepted");
      } catch (UsageConflictException expected) {
        expect(expected.recordedAmount() == amount, "conflict on " + key + " names the recorded amount");
      }
      return;
    }
    count(Kind.RECORD);
    RecordResult result = quota.guard().record(UsageEvent.of(tenant, METER, amount, key));
    if (!result.duplicate()) {
      written(key.value(), amount, result.period());
      recordedKeys.add(n);
    } else {
      checks.increment();
    }
  }

  private void reserve(Quota quota, SplittableRandom random, Deque<Hold> open) {
    long estimate = random.nextLong(1, 80);
    Duration ttl = Duration.ofSeconds(random.nextLong(10, 40));
    count(Kind.RESERVE);
    ReserveResult result = quota.guard().reserve(tenant, METER, estimate, ttl);
    Decision decision = result.decision();
    if (decision.report().isEmpty()) {
      expect(false, "reserve decided without the store: " + decision);
      return;
    }
    UsageReport seen = decision.snapshot();
    if (result.granted()) {
      expect(seen.used() + seen.reserved() <= seen.ceiling(), "reserve of " + estimate + " left used " + seen.used()
          + " + reserved " + seen.reserved() + " over ceiling " + seen.ceiling());
      open.addLast(new Hold(result.reservation(), quota));
    } else {
      expect(decision.reason() == Decision.Reason.INSUFFICIENT_BALANCE
              && seen.used() + seen.reserved() + estimate > seen.ceiling(),
          "reserve of " + estimate + " denied (" + decision.reason() + ") with used " + seen.used() + " + reserved "
              + seen.reserved() + " under ceiling " + seen.ceiling());
    }
  }

  /** Commits (60 %), releases (35 %) or abandons (5 %, as a crashed caller would) a hold. */
  private void end(Hold hold, SplittableRandom random, String id) {
    int dice = random.nextInt(20);
    if (dice < 12) {
      long actual = random.nextLong(1, hold.reservation().amount() + 15);
      UsageKey key = UsageKey.of("k-" + id);
      count(Kind.COMMIT);
      RecordResult result = hold.reservation().commit(actual, key);
      expect(!result.duplicate(), "a first commit under " + key + " was reported as a duplicate");
      written(key.value(), actual, result.period());
      if (random.nextInt(20) == 0) {
        count(Kind.COMMIT_RETRY);
        RecordResult again = hold.instance().guard().commit(tenant, hold.reservation().id(), METER, actual, key);
        expect(again.duplicate(), "a retried commit under " + key + " was not reported as a duplicate");
      }
    } else if (dice < 19) {
      count(Kind.RELEASE);
      hold.reservation().release();
      checks.increment();
    }
  }

  private void read(Quota quota, SplittableRandom random) {
    count(Kind.READ);
    switch (random.nextInt(3)) {
      case 0 -> quota.guard().canProceed(tenant);
      case 1 -> quota.guard().check(tenant, METER, 10);
      default -> {
        UsageReport report = quota.guard().usage(tenant, METER);
        expect(report.used() >= 0 && report.reserved() >= 0, "a usage report with negative figures: " + report);
      }
    }
  }

  private void written(String key, long amount, Period period) {
    written(key, amount, period, reportedPerPeriod);
  }

  private void written(String key, long amount, Period period, Map<Period, LongAdder> perPeriod) {
    newlyWritten.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    writtenAmount.put(key, amount);
    perPeriod.computeIfAbsent(period, p -> new LongAdder()).add(amount);
    checks.increment();
  }

  private void count(Kind kind) {
    operations.get(kind).increment();
  }

  private void expect(boolean holds, String violation) {
    checks.increment();
    if (!holds) {
      violations.add(violation);
    }
  }

  // --- afterwards ----------------------------------------------------------------------------------------

  private void checkTheDatabase(Quota quota, Instant firstPeriodStart) {
    Rows rows = new Rows(DB.dataSource(), DB.schema());

    // the library's own verification
    for (CounterCheck check : quota.admin().verify(tenant).checks()) {
      expect(check.consistent(), "verify: " + check);
    }

    // counters equal the ledger, and reserved equals the holds still counted, by the suite's own sums
    Map<Period, Long> ledger = rows.ledgerByPeriod(tenant, METER);
    checkCounters(rows, tenant, ledger);

    // every accepted write is in the ledger once, with its amount, in the period its caller was told
    Map<String, Long> amounts = new java.util.HashMap<>(rows.ledgerAmounts(tenant, METER));
    amounts.putAll(rows.ledgerAmounts(credited, METER));
    newlyWritten.forEach((key, times) -> expect(times.get() == 1 && amounts.get(key) != null
            && amounts.get(key).longValue() == writtenAmount.get(key),
        "key " + key + " reported as newly written " + times.get() + " times, ledger has " + amounts.get(key)));
    amounts.keySet().forEach(key -> expect(newlyWritten.containsKey(key), "ledger key " + key
        + " that no call reported as written"));
    expect(reportedSorted(reportedPerPeriod).equals(ledgerSorted(ledger)), "units reported per period "
        + reportedSorted(reportedPerPeriod) + " differ from the ledger's " + ledger);

    // no period's accepted consumes exceed its final ceiling, and resets never gave back more than the usage
    Map<Instant, Long> resets = rows.resetGrantsByPeriodEnd(tenant, METER);
    for (var e : rows.ledgerByPeriod(tenant, METER, "c-").entrySet()) {
      long granted = resets.getOrDefault(e.getKey().end(), 0L);
      expect(e.getValue() <= LIMIT + granted, "consumes of " + e.getKey() + " sum to " + e.getValue()
          + " over its final ceiling " + LIMIT + " + " + granted);
    }
    for (var e : resets.entrySet()) {
      long used = ledger.entrySet().stream().filter(l -> l.getKey().end().equals(e.getKey()))
          .mapToLong(Map.Entry::getValue).sum();
      expect(e.getValue() <= used, "resets of the period ending " + e.getKey() + " granted " + e.getValue()
          + ", more than its usage " + used);
    }
    expect(ledger.keySet().stream().allMatch(p -> !p.start().isBefore(firstPeriodStart)),
        "usage in a period before the run");

    checkTheCredits(quota, rows, firstPeriodStart);
  }

  private void checkTheCredits(Quota quota, Rows rows, Instant firstPeriodStart) {
    // the library's own verification, credit draws included
    Verification verification = quota.admin().verify(credited);
    for (CounterCheck check : verification.checks()) {
      expect(check.consistent(), "verify: " + check);
    }
    expect(!verification.creditChecks().isEmpty(), "verify compared no credit draws of " + credited);
    for (CreditCheck check : verification.creditChecks()) {
      expect(check.consistent(), "verify: " + check);
    }

    Map<Period, Long> ledger = rows.ledgerByPeriod(credited, METER);
    Map<Period, Rows.CounterRow> counters = checkCounters(rows, credited, ledger);
    expect(reportedSorted(creditedPerPeriod).equals(ledgerSorted(ledger)), "units reported per period "
        + reportedSorted(creditedPerPeriod) + " differ from the ledger's " + ledger + " of " + credited);
    expect(ledger.keySet().stream().allMatch(p -> !p.start().isBefore(firstPeriodStart)),
        "usage of " + credited + " in a period before the run");

    // every credit given is stored with its amount and gave no more than it; the counters drew what the credits gave
    Map<java.util.UUID, Rows.CreditRow> creditRows = rows.credits(credited, METER);
    expect(creditRows.size() == credits.size(), credits.size() + " credits given, " + creditRows.size() + " stored");
    for (OneTimeCredit credit : credits) {
      Rows.CreditRow row = creditRows.get(credit.id().value());
      expect(row != null && row.amount() == credit.amount() && row.drawn() >= 0 && row.drawn() <= row.amount(),
          "credit " + credit.id() + " of " + credit.amount() + " is stored as " + row);
    }
    long creditsDrawn = creditRows.values().stream().mapToLong(Rows.CreditRow::drawn).sum();
    long creditsGiven = creditRows.values().stream().mapToLong(Rows.CreditRow::amount).sum();
    long countersDrawn = counters.values().stream().mapToLong(Rows.CounterRow::creditDrawn).sum();
    expect(creditsDrawn == countersDrawn, "credits record " + creditsDrawn + " units drawn, the counters "
        + countersDrawn);
    for (var e : counters.entrySet()) {
      expect(e.getValue().creditDrawn() <= e.getValue().used(), "counter of " + e.getKey() + " drew "
          + e.getValue().creditDrawn() + " from credits with a usage of " + e.getValue().used());
    }

    // no period's accepted consumes exceed its final ceiling (its allowance and the credits its usage drew), and
    // what they took beyond the allowances was all paid by credits
    long consumedBeyondAllowance = 0;
    for (var e : ledger.entrySet()) {
      Rows.CounterRow counter = counters.get(e.getKey());
      long drawn = counter == null ? 0 : counter.creditDrawn();
      expect(e.getValue() <= CREDITED_LIMIT + drawn, "consumes of " + credited + " in " + e.getKey() + " sum to "
          + e.getValue() + " over its final ceiling " + CREDITED_LIMIT + " + credit drawn " + drawn);
      consumedBeyondAllowance += Math.max(0, e.getValue() - CREDITED_LIMIT);
    }
    expect(consumedBeyondAllowance <= creditsDrawn && creditsDrawn <= creditsGiven, "consumes beyond the allowance "
        + consumedBeyondAllowance + ", credits drawn " + creditsDrawn + ", given " + creditsGiven);
  }

  /** Checks that a tenant's counters equal its ledger and hold what its counted holds hold; returns them. */
  private Map<Period, Rows.CounterRow> checkCounters(Rows rows, TenantId who, Map<Period, Long> ledger) {
    Map<Period, Rows.CounterRow> counters = rows.counters(who, METER);
    Map<Period, Long> holds = rows.countedHolds(who, METER);
    for (var e : ledger.entrySet()) {
      Rows.CounterRow counter = counters.get(e.getKey());
      expect(counter != null && counter.used() == e.getValue(), "ledger of " + who + " in " + e.getKey()
          + " sums to " + e.getValue() + ", its counter says " + counter);
    }
    for (var e : counters.entrySet()) {
      expect(e.getValue().used() == ledger.getOrDefault(e.getKey(), 0L), "counter of " + who + " in " + e.getKey()
          + " says " + e.getValue() + ", its ledger sums to " + ledger.get(e.getKey()));
      expect(e.getValue().reserved() == holds.getOrDefault(e.getKey(), 0L), "counter of " + who + " in "
          + e.getKey() + " holds " + e.getValue().reserved() + " reserved, its counted holds sum to "
          + holds.get(e.getKey()));
    }
    return counters;
  }

  private static Map<Period, Long> reportedSorted(Map<Period, LongAdder> perPeriod) {
    Map<Period, Long> sorted = new TreeMap<>(Comparator.comparing(Period::start));
    perPeriod.forEach((period, sum) -> sorted.put(period, sum.sum()));
    return sorted;
  }

  /** @return the units the credited tenant's credits gave and the units drawn from them, as stored */
  private Rows.CreditRow creditTotals() {
    var rows = new Rows(DB.dataSource(), DB.schema()).credits(credited, METER).values();
    return new Rows.CreditRow(rows.stream().mapToLong(Rows.CreditRow::amount).sum(),
        rows.stream().mapToLong(Rows.CreditRow::drawn).sum());
  }

  private static Map<Period, Long> ledgerSorted(Map<Period, Long> ledger) {
    Map<Period, Long> sorted = new TreeMap<>(Comparator.comparing(Period::start));
    sorted.putAll(ledger);
    return sorted;
  }
}

package dev.quota.jooq;

import static dev.quota.jooq.CrossInstanceTest.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.ReservationId;
import dev.quota.RecordResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.CounterCheck;
import dev.quota.jooq.internal.BatchWrites.ConsumeKey;
import dev.quota.jooq.internal.BatchWrites.ConsumeRequest;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.period.PeriodPolicy;
import dev.quota.spi.CommitOutcome;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.spi.StoredReservation;
import dev.quota.spi.WriteOutcome;
import dev.quota.testkit.TestClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The combined consumptions and group-committed appends: each caller gets the decision it would have had alone, in
 * arrival order, and a batch is written whole or not at all.
 */
class BatchedWritesTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final Period MONTH = new Period(Instant.parse("2026-11-01T00:00:00Z"),
      Instant.parse("2026-12-01T00:00:00Z"));
  private static final Meter TOKENS = Meter.AI_TOKENS;

  private final List<PostgresQuotaStore> stores = new ArrayList<>();
  private final ExecutorService threads = Executors.newFixedThreadPool(16);
  private PostgresQuotaStore store;
  private TenantId tenant;

  @BeforeEach
  void newTenant() {
    tenant = TenantId.of("batched-" + UUID.randomUUID());
    store = store(PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema()));
  }

  @AfterEach
  void close() throws InterruptedException {
    threads.shutdownNow();
    try {
      assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).as("the callers ended").isTrue();
    } finally {
      stores.forEach(PostgresQuotaStore::close);
    }
  }

  private PostgresQuotaStore store(PostgresQuotaStore.Builder builder) {
    PostgresQuotaStore built = builder.build();
    stores.add(built);
    return built;
  }

  private LedgerEntry entry(TenantId of, String key, long amount) {
    return new LedgerEntry(of, TOKENS, amount, UsageKey.of(key), NOW, MONTH, Map.of());
  }

  private List<WriteOutcome> consumeBatch(long ceiling, LedgerEntry... entries) {
    List<ConsumeRequest> requests = new ArrayList<>();
    for (LedgerEntry e : entries) {
      requests.add(new ConsumeRequest(e, ceiling));
    }
    List<WriteOutcome> outcomes = new ArrayList<>();
    for (Object o : store.batches().consumeBatch(new ConsumeKey(tenant, TOKENS, MONTH, 0), requests)) {
      outcomes.add((WriteOutcome) o);
    }
    return outcomes;
  }

  private void assertConsistent(TenantId of) {
    List<CounterCheck> checks = store.verify(of);
    assertThat(checks).isNotEmpty().allSatisfy(c -> assertThat(c.counterUsed()).isEqualTo(c.ledgerUsed()));
  }

  @Test
  void aBatchThatReachesTheCeilingMidwayStillAcceptsALaterRequestThatFits() {
    List<WriteOutcome> outcomes = consumeBatch(10, entry(tenant, "a", 4), entry(tenant, "b", 4), entry(tenant, "c", 4),
        entry(tenant, "d", 2));

    assertThat(outcomes.get(0)).isInstanceOfSatisfying(WriteOutcome.Written.class,
        w -> assertThat(w.counter().used()).isEqualTo(4));
    assertThat(outcomes.get(1)).isInstanceOfSatisfying(WriteOutcome.Written.class,
        w -> assertThat(w.counter().used()).isEqualTo(8));
    assertThat(outcomes.get(2)).isInstanceOfSatisfying(WriteOutcome.Insufficient.class,
        i -> assertThat(i.counter().used()).isEqualTo(8));
    assertThat(outcomes.get(3)).isInstanceOfSatisfying(WriteOutcome.Written.class,
        w -> assertThat(w.counter().used()).isEqualTo(10));
    assertConsistent(tenant);
  }

  @Test
  void aKeyRepeatedInsideOneBatchIsADuplicateOfItsFirstWrite() {
    List<WriteOutcome> outcomes = consumeBatch(100, entry(tenant, "a", 3), entry(tenant, "a", 3),
        entry(tenant, "a", 5));

    assertThat(outcomes.get(0)).isInstanceOf(WriteOutcome.Written.class);
    assertThat(outcomes.get(1)).isInstanceOfSatisfying(WriteOutcome.Duplicate.class, d -> {
      assertThat(d.recordedAmount()).isEqualTo(3);
      assertThat(d.counter().used()).isEqualTo(3);
    });
    assertThat(outcomes.get(2)).isInstanceOfSatisfying(WriteOutcome.Duplicate.class,
        d -> assertThat(d.recordedAmount()).isEqualTo(3));
    assertConsistent(tenant);
  }

  @Test
  void aKeyWhoseFirstRequestWasDeniedIsDecidedAfreshLaterInTheBatch() {
    List<WriteOutcome> outcomes = consumeBatch(5, entry(tenant, "a", 6), entry(tenant, "a", 2));

    assertThat(outcomes.get(0)).isInstanceOf(WriteOutcome.Insufficient.class);
    assertThat(outcomes.get(1)).isInstanceOfSatisfying(WriteOutcome.Written.class,
        w -> assertThat(w.counter().used()).isEqualTo(2));
  }

  @Test
  void aBatchAgainstAVersionThatMovedOnIsStaleForEveryRequestAndWritesNothing() {
    Quota quota = Quota.builder().store(store).clock(TestClock.at(NOW)).build();
    quota.admin().setPlan(tenant, Plan.of(Tier.FREE), Actor.of("ops"), "signup");

    List<WriteOutcome> outcomes = consumeBatch(100, entry(tenant, "a", 1), entry(tenant, "b", 1));

    assertThat(outcomes).hasSize(2).allSatisfy(o -> assertThat(o).isInstanceOf(WriteOutcome.Stale.class));
    assertThat(store.verify(tenant)).isEmpty();
  }

  @Test
  void anAppendBatchOfSeveralTenantsReportsEachEntryOnItsOwn() {
    TenantId other = TenantId.of("batched-other-" + UUID.randomUUID());
    List<Object> outcomes = store.batches().appendBatch(null, List.of(
        new dev.quota.jooq.internal.BatchWrites.AppendRequest(entry(tenant, "a", 5), 0),
        new dev.quota.jooq.internal.BatchWrites.AppendRequest(entry(other, "a", 7), 0),
        new dev.quota.jooq.internal.BatchWrites.AppendRequest(entry(tenant, "a", 5), 0),
        new dev.quota.jooq.internal.BatchWrites.AppendRequest(entry(tenant, "b", 1), 0),
        new dev.quota.jooq.internal.BatchWrites.AppendRequest(entry(other, "b", 2), 3)));

    assertThat(outcomes.get(0)).isInstanceOfSatisfying(WriteOutcome.Written.class,
        w -> assertThat(w.counter().used()).isEqualTo(5));
    assertThat(outcomes.get(1)).isInstanceOfSatisfying(WriteOutcome.Written.class,
        w -> assertThat(w.counter().used()).isEqualTo(7));
    assertThat(outcomes.get(2)).isInstanceOfSatisfying(WriteOutcome.Duplicate.class,
        d -> assertThat(d.recordedAmount()).isEqualTo(5));
    assertThat(outcomes.get(3)).isInstanceOfSatisfying(WriteOutcome.Written.class,
        w -> assertThat(w.counter().used()).isEqualTo(6));
    assertThat(outcomes.get(4)).isInstanceOf(WriteOutcome.Stale.class);
    assertConsistent(tenant);
    assertConsistent(other);
  }

  @Test
  void appendAllThatFailsWritesNoneOfItsEntries() {
    store.append(entry(tenant, "first", Long.MAX_VALUE - 10), 0);

    assertThatThrownBy(() -> store.appendAll(List.of(entry(tenant, "fits", 5), entry(tenant, "overflows", 100)), 0))
        .isInstanceOf(InvalidRequestException.class);

    assertThat(store.verify(tenant)).singleElement()
        .satisfies(c -> assertThat(c.ledgerUsed()).isEqualTo(Long.MAX_VALUE - 10));
  }

  @Test
  void sixteenThreadsWithMixedAmountsEachGetTheirExactSequentialDecision() throws Exception {
    long ceiling = 600;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<long[]>>> callers = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      int thread = t;
      callers.add(threads.submit(() -> {
        assertThat(start.await(30, TimeUnit.SECONDS)).as("released").isTrue();
        List<long[]> seen = new ArrayList<>(); // amount, outcome (1 written, 0 insufficient), used after, reserved
        for (int i = 0; i < 25; i++) {
          long amount = ThreadLocalRandom.current().nextLong(1, 15);
          WriteOutcome o = store.consume(entry(tenant, thread + "-" + i, amount), ceiling, 0);
          switch (o) {
            case WriteOutcome.Written w -> seen.add(new long[] {amount, 1, w.counter().used()});
            case WriteOutcome.Insufficient n -> seen.add(new long[] {amount, 0, n.counter().used()});
            default -> throw new AssertionError("unexpected " + o);
          }
        }
        return seen;
      }));
    }
    start.countDown();
    List<long[]> all = new ArrayList<>();
    for (Future<List<long[]>> caller : callers) {
      all.addAll(caller.get(60, TimeUnit.SECONDS));
    }

    // the written requests, by the usage they left, form one chain from zero: each saw exactly its predecessors
    List<long[]> written = new ArrayList<>(all.stream().filter(s -> s[1] == 1).toList());
    written.sort((a, b) -> Long.compare(a[2], b[2]));
    long used = 0;
    for (long[] w : written) {
      assertThat(w[2]).as("usage after a write of %d", w[0]).isEqualTo(used + w[0]);
      used = w[2];
    }
    assertThat(used).isLessThanOrEqualTo(ceiling);
    // every denial was right at the moment it was decided
    for (long[] denied : all.stream().filter(s -> s[1] == 0).toList()) {
      assertThat(denied[2] + denied[0]).isGreaterThan(ceiling);
    }
    assertThat(store.verify(tenant)).singleElement().satisfies(c -> {
      assertThat(c.counterUsed()).isEqualTo(c.ledgerUsed());
      assertThat(c.ledgerUsed()).isEqualTo(written.stream().mapToLong(w -> w[0]).sum());
    });
  }

  @Test
  void sixteenThreadsReservingAndCommittingOnOneTenantNeverPassTheCeilingAndEndExact() throws Exception {
    long ceiling = 400;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<long[]>> callers = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      int thread = t;
      callers.add(threads.submit(() -> {
        assertThat(start.await(30, TimeUnit.SECONDS)).as("released").isTrue();
        long committed = 0;
        long denied = 0;
        for (int i = 0; i < 20; i++) {
          long estimate = ThreadLocalRandom.current().nextLong(2, 12);
          StoredReservation hold = new StoredReservation(ReservationId.random(), tenant, TOKENS, estimate, MONTH, NOW,
              NOW.plus(Duration.ofMinutes(5)));
          switch (store.reserve(hold, ceiling, 0, NOW)) {
            case WriteOutcome.Written w -> {
              assertThat(w.counter().used() + w.counter().reserved()).as("taken after a reserve")
                  .isLessThanOrEqualTo(ceiling);
              long actual = estimate / 2;
              CommitOutcome c = store.commit(tenant, hold.id(), entry(tenant, thread + "-" + i, actual), 0, NOW);
              assertThat(c).isInstanceOf(CommitOutcome.Committed.class);
              committed += actual;
            }
            case WriteOutcome.Insufficient n -> {
              assertThat(n.counter().used() + n.counter().reserved() + estimate).isGreaterThan(ceiling);
              denied++;
            }
            default -> throw new AssertionError("unexpected outcome of a reserve");
          }
        }
        return new long[] {committed, denied};
      }));
    }
    start.countDown();
    long committed = 0;
    for (Future<long[]> caller : callers) {
      committed += caller.get(60, TimeUnit.SECONDS)[0];
    }
    long total = committed;
    assertThat(store.verify(tenant)).singleElement().satisfies(
        c -> assertThat(c.counterUsed()).isEqualTo(c.ledgerUsed()).isEqualTo(total));
    assertThat(store.readLatest(tenant, TOKENS, NOW).counters()).singleElement()
        .satisfies(c -> assertThat(c.reserved()).as("reserved once every hold is committed").isZero());
  }

  @Test
  void groupCommittedRecordsFromSixteenThreadsAreAllInTheLedger() throws Exception {
    TierCatalogue catalogue = TierCatalogue.builder().meter(TOKENS, PeriodPolicy.calendarMonth())
        .tier(Tier.FREE, Map.of(TOKENS, 1_000_000L)).defaultTier(Tier.FREE).build();
    Quota quota = Quota.builder().store(store).catalogue(catalogue).clock(TestClock.at(NOW)).build();
    List<TenantId> tenants = List.of(tenant, TenantId.of(tenant.value() + "-2"), TenantId.of(tenant.value() + "-3"));
    List<Future<Long>> callers = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      int thread = t;
      callers.add(threads.submit(() -> {
        long recorded = 0;
        for (int i = 0; i < 40; i++) {
          RecordResult r = quota.guard().record(UsageEvent.of(tenants.get(i % 3), TOKENS, 1 + i % 4,
              UsageKey.of(thread + "-" + i)));
          assertThat(r.duplicate()).isFalse();
          recorded += r.amount();
        }
        return recorded;
      }));
    }
    long total = 0;
    for (Future<Long> caller : callers) {
      total += caller.get(60, TimeUnit.SECONDS);
    }
    long inLedger = 0;
    for (TenantId t : tenants) {
      assertConsistent(t);
      inLedger += store.verify(t).stream().mapToLong(CounterCheck::ledgerUsed).sum();
    }
    assertThat(inLedger).isEqualTo(total);
  }

  /**
   * Five terminations of the pool's backends under sixteen threads of batched writes. Each waits until writes have
   * been reported again since the one before (batches run between them), and every other one is made while a batch
   * waits for the tenant's counter row, so that at least that batch's callers certainly meet a terminated
   * connection.
   */
  @Test
  void killedConnectionsDuringBatchesLoseNoReportedWriteAndLeaveCountersEqualToTheLedger() throws Exception {
    String application = "batched-killed-" + UUID.randomUUID().toString().substring(0, 8);
    PostgresQuotaStore killed = store(PostgresQuotaStore.builder().dataSource(DB.newPool(application, 8))
        .schema(DB.schema()));
    AtomicBoolean running = new AtomicBoolean(true);
    List<String> reported = Collections.synchronizedList(new ArrayList<>());
    List<Future<Long>> callers = new ArrayList<>();
    CountDownLatch started = new CountDownLatch(16);
    try {
      for (int t = 0; t < 16; t++) {
        int thread = t;
        callers.add(threads.submit(() -> {
          started.countDown();
          long failures = 0;
          for (int i = 0; running.get(); i++) {
            String key = thread + "-" + i;
            try {
              WriteOutcome o = i % 2 == 0 ? killed.consume(entry(tenant, key, 2), Long.MAX_VALUE, 0)
                  : killed.append(entry(tenant, key, 3), 0);
              if (o instanceof WriteOutcome.Written) {
                reported.add(key);
              }
            } catch (StoreUnavailableException e) {
              failures++;
            }
          }
          return failures;
        }));
      }
      assertThat(started.await(30, TimeUnit.SECONDS)).as("the sixteen callers started").isTrue();
      for (int kill = 0; kill < 5; kill++) {
        int before = reported.size();
        awaitTrue(() -> reported.size() >= before + 20, Duration.ofSeconds(30)); // batches run between them
        if (kill % 2 == 0) {
          DB.terminateBackendsMidWrite(application, tenant.value());
        } else {
          DB.terminateSomeBackends(application);
        }
      }
    } finally {
      running.set(false);
    }
    long failures = 0;
    for (Future<Long> caller : callers) {
      failures += caller.get(60, TimeUnit.SECONDS);
    }

    assertThat(failures).as("calls that met a terminated connection").isPositive();
    assertConsistent(tenant);
    try (Connection c = DB.dataSource().getConnection(); PreparedStatement st = c.prepareStatement(
        "SELECT count(*) FROM \"" + DB.schema() + "\".usage_ledger WHERE tenant_id = ? AND usage_key = ANY (?)")) {
      st.setString(1, tenant.value());
      st.setArray(2, c.createArrayOf("varchar", reported.toArray(new String[0])));
      try (var rs = st.executeQuery()) {
        rs.next();
        assertThat(rs.getInt(1)).as("reported writes found in the ledger").isEqualTo(reported.size());
      }
    }
  }
}

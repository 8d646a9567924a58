package dev.quota.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import com.zaxxer.hikari.HikariDataSource;
import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.FailurePolicy;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.RecordResult;
import dev.quota.Reservation;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.jooq.testsupport.TcpProxy;
import dev.quota.period.PeriodPolicy;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.testkit.TestClock;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The database failing under the guard, for real: backends terminated mid-transaction, the pool exhausted,
 * statements timing out behind locks, the network cut and restored, an instance that dies holding a reservation.
 * After each: nothing half-written (the library's verification and the suite's own sums agree that every ledger
 * entry is in its counter and every counter is its entries), the configured failure policy decided while the
 * database was away, the guard recovered by itself, and the outage was logged once, not once per call.
 */
class FaultInjectionTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Meter METER = Meter.AI_TOKENS;
  private static final long LIMIT = 1_000_000;
  private static final TierCatalogue CATALOGUE = TierCatalogue.builder()
      .meter(METER, PeriodPolicy.calendarMonth())
      .tier(Tier.FREE, Map.of(METER, LIMIT))
      .defaultTier(Tier.FREE)
      .build();
  private static final String OUTAGE_LOGGER = "dev.quota.internal.Outage";
  private static final int TERMINATION_ROUNDS = 10;

  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private Rows rows;
  private TenantId tenant;
  private String poolName;
  private LogCapture logs;

  @BeforeEach
  void setUp() {
    rows = new Rows(DB.dataSource(), DB.schema());
    String id = UUID.randomUUID().toString().substring(0, 8);
    tenant = TenantId.of("faulty-" + id);
    poolName = "faults-" + id;
    logs = LogCapture.at(Level.INFO);
  }

  @AfterEach
  void tearDown() throws Exception {
    logs.close();
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }

  private Quota quota(javax.sql.DataSource pool, FailurePolicy policy) {
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(pool).schema(DB.schema()).strict().build();
    closeables.add(store);
    return Quota.builder().store(store).catalogue(CATALOGUE).clock(clock).failurePolicy(policy).build();
  }

  // --- terminated backends -------------------------------------------------------------------------------

  /**
   * Ten rounds of terminations under traffic from six threads. Each round waits until writes have been acknowledged
   * again since the one before (traffic flows between terminations) and terminates at least one backend; every other
   * round does it while a write waits for the tenant's counter row, so that at least that write certainly meets a
   * terminated backend.
   */
  @Test
  void backendsTerminatedUnderTrafficLeaveNoPartialWriteAndTheGuardRecoversByItself() throws Exception {
    Quota quota = quota(DB.newPool(poolName, 8), FailurePolicy.deny());
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicLong failed = new AtomicLong();
    AtomicLong policyBroken = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService threads = Executors.newFixedThreadPool(6);
    List<Future<?>> workers = new ArrayList<>();
    int kills = 0;
    try {
      for (int t = 0; t < 6; t++) {
        int thread = t;
        workers.add(threads.submit(() -> {
          for (int i = 0; running.get(); i++) {
            String key = "t" + thread + "-" + i;
            try {
              switch (i % 3) {
                case 0 -> {
                  ConsumeResult r = quota.guard().tryConsume(tenant, METER, 3, UsageKey.of(key));
                  if (r.outcome() == ConsumeResult.Outcome.CONSUMED) {
                    acknowledged.add(key);
                  } else if (r.decision().reason() == Decision.Reason.STORE_UNAVAILABLE) {
                    failed.incrementAndGet();
                    if (r.allowed()) {
                      policyBroken.incrementAndGet(); // DENY must deny
                    }
                  }
                }
                case 1 -> {
                  quota.guard().record(UsageEvent.of(tenant, METER, 2, UsageKey.of(key)));
                  acknowledged.add(key);
                }
                default -> {
                  ReserveResult hold = quota.guard().reserve(tenant, METER, 5, Duration.ofMinutes(5));
                  if (hold.granted()) {
                    hold.reservation().commit(4, UsageKey.of(key));
                    acknowledged.add(key);
                  } else if (hold.decision().allowed()) {
                    policyBroken.incrementAndGet();
                  }
                }
              }
            } catch (StoreUnavailableException e) {
              failed.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (int round = 0; round < TERMINATION_ROUNDS; round++) {
        int before = acknowledged.size();
        awaitTrue(() -> acknowledged.size() >= before + 20, Duration.ofSeconds(30)); // traffic flows between them
        if (round % 2 == 0) {
          DB.terminateBackendsMidWrite(poolName, tenant.value());
        } else {
          DB.terminateSomeBackends(poolName);
        }
        kills++;
        ReliabilityTally.fault();
      }
    } finally {
      running.set(false);
    }
    try {
      for (Future<?> w : workers) {
        w.get(60, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }

    assertThat(kills).as("rounds that terminated a backend").isEqualTo(TERMINATION_ROUNDS);
    assertThat(failed.get()).as("calls that met a terminated backend").isPositive();
    assertThat(policyBroken.get()).as("calls the DENY policy let through").isZero();
    assertNothingHalfWritten();
    Map<String, Long> ledger = rows.ledgerAmounts(tenant, METER);
    assertThat(ledger.keySet()).as("acknowledged writes are in the ledger").containsAll(acknowledged);
    awaitTrue(() -> quota.guard().tryConsume(tenant, METER, 1, UsageKey.random()).outcome()
        == ConsumeResult.Outcome.CONSUMED, Duration.ofSeconds(10));
    // A terminated backend stays in the pool until a call meets it, so one round of terminations can make calls
    // fail, succeed on a fresh connection and fail again: each such turn is an outage of its own, logged once.
    int outages = assertOutagesLoggedOncePerOutage();
    assertThat((long) outages).as("outages logged against %s failed calls", failed.get())
        .isLessThanOrEqualTo(failed.get());
    System.out.printf("FAULTS terminations=%d failed calls=%d outages logged=%d%n", kills, failed.get(), outages);
  }

  /** The write kinds that run a transaction on the counter row. */
  enum Write { CONSUME, RECORD, RESERVE, COMMIT }

  @ParameterizedTest
  @EnumSource(Write.class)
  void aTransactionKilledWhileWaitingForTheCounterRowWritesNothing(Write write) throws Exception {
    Quota quota = quota(DB.newPool(poolName, 2), FailurePolicy.deny());
    Reservation open = quota.guard().reserve(tenant, METER, 10, Duration.ofMinutes(5)).reservation();
    Map<String, Object> before = rows.fingerprint();

    Future<Object> blocked;
    ExecutorService caller = Executors.newSingleThreadExecutor();
    closeables.add(caller::shutdownNow);
    try (Connection lock = DB.lockCounterRows(tenant.value())) {
      blocked = caller.submit((Callable<Object>) () -> switch (write) {
        case CONSUME -> quota.guard().tryConsume(tenant, METER, 7, UsageKey.of("killed"));
        case RECORD -> quota.guard().record(UsageEvent.of(tenant, METER, 7, UsageKey.of("killed")));
        case RESERVE -> quota.guard().reserve(tenant, METER, 7, Duration.ofMinutes(1));
        case COMMIT -> open.commit(7, UsageKey.of("killed"));
      });
      PostgresDatabase.awaitWaitingForALock(poolName);
      assertThat(DB.terminateBackends(poolName)).isPositive();
      ReliabilityTally.fault();
      lock.rollback();
    }

    Object outcome;
    try {
      outcome = blocked.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      outcome = e.getCause();
    }
    switch (write) {
      case CONSUME -> {
        ConsumeResult r = (ConsumeResult) outcome;
        assertThat(r.outcome()).isEqualTo(ConsumeResult.Outcome.DENIED);
        assertThat(r.decision().reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
      }
      case RESERVE -> {
        ReserveResult r = (ReserveResult) outcome;
        assertThat(r.granted()).isFalse();
        assertThat(r.decision().reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
      }
      case RECORD, COMMIT -> assertThat(outcome).isInstanceOf(StoreUnavailableException.class);
    }
    assertThat(rows.fingerprint()).as("nothing written by the killed transaction").isEqualTo(before);
    assertNothingHalfWritten();
    // the guard recovers by itself: the same call goes through now
    if (write == Write.COMMIT) {
      assertThat(open.commit(7, UsageKey.of("killed")).duplicate()).isFalse();
    } else {
      assertThat(quota.guard().record(UsageEvent.of(tenant, METER, 7, UsageKey.of("killed"))).duplicate()).isFalse();
    }
    assertOutagesLogged(1);
  }

  /**
   * The indeterminate commit: the database commits a reserve, then the connection dies before its answer arrives
   * (staged by terminating the connection's backend right after the statement ran, and failing the call as the driver
   * does for a lost connection). The caller is told STORE_UNAVAILABLE and has no handle; the hold must not stay
   * behind until its TTL: the guard releases it by its id after the next write the store answers.
   */
  @Test
  void aReserveCommittedOnAConnectionThatDiedLeavesNoHoldBehind() throws Exception {
    AtomicBoolean killAfterReserve = new AtomicBoolean();
    HikariDataSource pool = DB.newPool(poolName, 2);
    Quota quota = quota(diesAfterReserve(pool, killAfterReserve), FailurePolicy.deny());
    assertThat(quota.guard().record(UsageEvent.of(tenant, METER, 1, UsageKey.of("before"))).duplicate()).isFalse();

    killAfterReserve.set(true);
    ReserveResult failed = quota.guard().reserve(tenant, METER, 7, Duration.ofHours(1));
    ReliabilityTally.fault();
    assertThat(failed.granted()).isFalse();
    assertThat(failed.decision().reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
    assertThat(rows.countedHolds(tenant, METER).values()).as("the hold the database committed").containsExactly(7L);

    // the store answers again: the next write releases the hold
    assertThat(quota.guard().record(UsageEvent.of(tenant, METER, 1, UsageKey.of("after"))).duplicate()).isFalse();
    assertThat(rows.countedHolds(tenant, METER)).as("holds still counted").isEmpty();
    assertNothingHalfWritten();
    assertThat(quota.guard().usage(tenant, METER).reserved()).isZero();
    assertThat(quota.guard().usage(tenant, METER).used()).isEqualTo(2);
  }

  /** The pool, whose connections die right after a call of quota_reserve ran (once per arming). */
  private static javax.sql.DataSource diesAfterReserve(HikariDataSource pool, AtomicBoolean armed) {
    return (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(FaultInjectionTest.class.getClassLoader(),
        new Class<?>[] {javax.sql.DataSource.class}, (self, method, args) -> {
          Object result = invoke(method, pool, args);
          if (!(result instanceof Connection connection)) {
            return result;
          }
          return java.lang.reflect.Proxy.newProxyInstance(FaultInjectionTest.class.getClassLoader(),
              new Class<?>[] {Connection.class}, (c, m, a) -> {
                Object made = invoke(m, connection, a);
                if (!(made instanceof java.sql.PreparedStatement statement) || !((String) a[0]).contains("quota_reserve")) {
                  return made;
                }
                return java.lang.reflect.Proxy.newProxyInstance(FaultInjectionTest.class.getClassLoader(),
                    new Class<?>[] {java.sql.PreparedStatement.class}, (st, sm, sa) -> {
                      Object value = invoke(sm, statement, sa);
                      if (sm.getName().equals("executeQuery") && armed.getAndSet(false)) {
                        // committed (auto-commit): now the connection dies before the caller sees the answer
                        try (java.sql.Statement kill = connection.createStatement()) {
                          kill.execute("SELECT pg_terminate_backend(pg_backend_pid())");
                        } catch (java.sql.SQLException terminated) {
                          // the backend is gone, and the pool drops the connection
                        }
                        throw new java.sql.SQLException("An I/O error occurred while sending to the backend.",
                            "08006");
                      }
                      return value;
                    });
              });
        });
  }

  private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause();
    }
  }

  // --- the pool exhausted ----------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(value = FailurePolicy.Kind.class, names = {"DENY", "ALLOW"})
  void anExhaustedPoolAppliesTheFailurePolicyAndTheGuardRecoversWhenConnectionsComeBack(FailurePolicy.Kind kind)
      throws Exception {
    HikariDataSource pool = DB.newPool(poolName, 2);
    pool.setConnectionTimeout(250);
    Quota quota = quota(pool, kind == FailurePolicy.Kind.DENY ? FailurePolicy.deny() : FailurePolicy.allow());
    quota.guard().record(UsageEvent.of(tenant, METER, 5, UsageKey.of("before")));
    Map<String, Object> before = rows.fingerprint();

    List<Connection> held = new ArrayList<>();
    held.add(pool.getConnection());
    held.add(pool.getConnection());
    ReliabilityTally.fault();
    boolean allow = kind == FailurePolicy.Kind.ALLOW;
    ConsumeResult during = quota.guard().tryConsume(tenant, METER, 3, UsageKey.of("during"));
    assertThat(during.outcome()).isEqualTo(allow ? ConsumeResult.Outcome.ALLOWED_UNRECORDED
        : ConsumeResult.Outcome.DENIED);
    assertThat(during.decision().reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
    assertThat(quota.guard().canProceed(tenant)).isEqualTo(allow);
    assertThat(quota.guard().reserve(tenant, METER, 3, Duration.ofMinutes(1)).granted()).isEqualTo(allow);
    assertThatThrownBy(() -> quota.guard().record(UsageEvent.of(tenant, METER, 3, UsageKey.of("during"))))
        .isInstanceOf(StoreUnavailableException.class);
    assertThat(rows.fingerprint()).isEqualTo(before);

    for (Connection c : held) {
      c.close();
    }
    // the caller records what the ALLOW policy let through, under the same key, once the store is back
    RecordResult later = quota.guard().record(UsageEvent.of(tenant, METER, 3, UsageKey.of("during")));
    assertThat(later.duplicate()).isFalse();
    assertThat(quota.guard().usage(tenant).used()).isEqualTo(8);
    assertNothingHalfWritten();
    assertOutagesLogged(1);
  }

  // --- statement and lock timeouts ---------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Timeout.class)
  void aStatementThatTimesOutBehindALockWritesNothingAndTheGuardRecovers(Timeout timeout) throws Exception {
    HikariDataSource pool = DB.newPool(Jdbc.withParameter("options=-c%20" + timeout.setting + "%3D200"), poolName, 2);
    Quota quota = quota(pool, FailurePolicy.lastKnownState(Duration.ofMinutes(5)));
    quota.admin().setPlan(tenant, Plan.of(Tier.FREE), Actor.of("ops"), "signup");
    quota.guard().record(UsageEvent.of(tenant, METER, 5, UsageKey.of("before")));
    assertThat(quota.guard().canProceed(tenant)).isTrue(); // a state to fall back on
    Map<String, Object> before = rows.fingerprint();

    ConsumeResult during;
    try (Connection lock = DB.lockCounterRows(tenant.value())) {
      ReliabilityTally.fault();
      during = quota.guard().tryConsume(tenant, METER, 3, UsageKey.of("during"));
      lock.rollback();
    }

    // LAST_KNOWN_STATE decides from the state read a moment ago, which has room: allowed, and not recorded
    assertThat(during.outcome()).isEqualTo(ConsumeResult.Outcome.ALLOWED_UNRECORDED);
    assertThat(during.decision().reason()).isEqualTo(Decision.Reason.WITHIN_BALANCE);
    assertThat(rows.fingerprint()).isEqualTo(before);
    assertThat(quota.guard().tryConsume(tenant, METER, 3, UsageKey.of("during")).outcome())
        .isEqualTo(ConsumeResult.Outcome.CONSUMED);
    assertNothingHalfWritten();
    assertOutagesLogged(1);
  }

  /** PostgreSQL settings that end a statement waiting too long. */
  enum Timeout {
    STATEMENT("statement_timeout"),
    LOCK("lock_timeout");

    final String setting;

    Timeout(String setting) {
      this.setting = setting;
    }
  }

  // --- the network cut ----------------------------------------------------------------------------------------

  @Test
  void theDatabaseUnreachableThenBackAgainIsLoggedOncePerOutageAndDecidedByTheLastKnownState() throws Exception {
    TcpProxy proxy = new TcpProxy(Jdbc.host(), Jdbc.port());
    closeables.add(proxy);
    HikariDataSource pool = DB.newPool(Jdbc.via("127.0.0.1", proxy.port()), poolName, 4);
    pool.setConnectionTimeout(250);
    Quota quota = quota(pool, FailurePolicy.lastKnownState(Duration.ofMinutes(10)));
    TenantId exhausted = TenantId.of(tenant.value() + "-exhausted");
    quota.guard().tryConsume(exhausted, METER, LIMIT, UsageKey.of("everything"));
    ExecutorService threads = Executors.newFixedThreadPool(4);
    closeables.add(threads::shutdownNow);
    int outages = 3;
    for (int outage = 0; outage < outages; outage++) {
      assertThat(quota.guard().canProceed(tenant)).isTrue();
      assertThat(quota.guard().canProceed(exhausted)).isFalse();
      Map<String, Object> before = rows.fingerprint();

      proxy.cut();
      ReliabilityTally.fault();
      // many callers at once during the outage: decided from the last known state, logged once
      List<Future<String>> calls = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        String key = "cut-" + outage + "-" + t;
        calls.add(threads.submit(() -> quota.guard().canProceed(tenant) + " " + quota.guard().canProceed(exhausted)
            + " " + quota.guard().tryConsume(tenant, METER, 1, UsageKey.of(key))));
      }
      for (Future<String> call : calls) {
        assertThat(call.get(30, TimeUnit.SECONDS)).startsWith("true false ConsumeResult[outcome=ALLOWED_UNRECORDED");
      }
      proxy.restore();
      assertThat(rows.fingerprint()).isEqualTo(before);
      awaitTrue(() -> quota.guard().tryConsume(tenant, METER, 1, UsageKey.random()).outcome()
          == ConsumeResult.Outcome.CONSUMED, Duration.ofSeconds(10));
    }
    assertNothingHalfWritten();
    assertOutagesLogged(outages);
  }

  // --- a crash between reserve and commit --------------------------------------------------------------------------

  @Test
  void aReservationOfAnInstanceThatDiedExpiresAndTheBalanceComesBack() throws Exception {
    TierCatalogue small = TierCatalogue.builder().meter(METER, PeriodPolicy.calendarMonth())
        .tier(Tier.FREE, Map.of(METER, 1_000L)).defaultTier(Tier.FREE).build();
    HikariDataSource crashingPool = DB.newPool(poolName, 2);
    PostgresQuotaStore crashing = PostgresQuotaStore.builder().dataSource(crashingPool).schema(DB.schema()).build();
    Quota dying = Quota.builder().store(crashing).catalogue(small).clock(clock).build();
    Quota survivor = quota(DB.newPool(poolName + "-b", 2), FailurePolicy.deny());
    PostgresQuotaStore survivingStore = PostgresQuotaStore.builder().dataSource(DB.newPool(poolName + "-c", 2))
        .schema(DB.schema()).build();
    closeables.add(survivingStore);
    Quota survivorSmall = Quota.builder().store(survivingStore).catalogue(small).clock(clock).build();

    assertThat(dying.guard().reserve(tenant, METER, 900, Duration.ofMinutes(2)).granted()).isTrue();
    // the instance dies before committing: its store, pool and connections are gone, the reservation is orphaned
    crashing.close();
    crashingPool.close();
    ReliabilityTally.fault();

    assertThat(survivorSmall.guard().check(tenant, METER, 200).allowed()).isFalse();
    assertThat(survivorSmall.guard().tryConsume(tenant, METER, 200, UsageKey.of("blocked")).outcome())
        .isEqualTo(ConsumeResult.Outcome.DENIED);
    clock.advance(Duration.ofMinutes(2));
    assertThat(survivorSmall.guard().usage(tenant).reserved()).isZero();
    assertThat(survivorSmall.guard().tryConsume(tenant, METER, 1_000, UsageKey.of("whole-balance")).outcome())
        .isEqualTo(ConsumeResult.Outcome.CONSUMED);
    assertThat(survivor.admin().verify(tenant).consistent()).isTrue();
    assertNothingHalfWritten();
  }

  // --- helpers --------------------------------------------------------------------------------------------------

  /** Every ledger entry is in its counter and every counter is its entries; reserved is the holds still counted. */
  private void assertNothingHalfWritten() {
    Map<dev.quota.Period, Long> ledger = rows.ledgerByPeriod(tenant, METER);
    Map<dev.quota.Period, Rows.CounterRow> counters = rows.counters(tenant, METER);
    Map<dev.quota.Period, Long> holds = rows.countedHolds(tenant, METER);
    counters.forEach((period, counter) -> {
      assertThat(counter.used()).as("counter of %s against its ledger", period)
          .isEqualTo(ledger.getOrDefault(period, 0L));
      assertThat(counter.reserved()).as("reserved of %s against its holds", period)
          .isEqualTo(holds.getOrDefault(period, 0L));
    });
    assertThat(counters.keySet()).containsAll(ledger.keySet());
    try (PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema())
        .strict().build()) {
      Quota reader = Quota.builder().store(store).catalogue(CATALOGUE).clock(clock).build();
      assertThat(reader.admin().verify(tenant).consistent()).isTrue();
    }
  }

  /**
   * Each outage of this test's guard is logged once when it starts and once when it ends, whatever the calls:
   * the outage log alternates between "unavailable" and "available again", ending with the recovery.
   *
   * @return how many outages were logged
   */
  private int assertOutagesLoggedOncePerOutage() {
    List<LogCapture.Line> lines = logs.lines(l -> l.logger().equals(OUTAGE_LOGGER));
    assertThat(lines).as("outage log").isNotEmpty().hasSize(lines.size() / 2 * 2);
    for (int i = 0; i < lines.size(); i++) {
      LogCapture.Line line = lines.get(i);
      if (i % 2 == 0) {
        assertThat(line.level()).as("line %d of %s", i, lines).isEqualTo(Level.WARN);
        assertThat(line.message()).contains("quota store unavailable");
      } else {
        assertThat(line.level()).as("line %d of %s", i, lines).isEqualTo(Level.INFO);
        assertThat(line.message()).isEqualTo("quota store available again");
      }
    }
    return lines.size() / 2;
  }

  private void assertOutagesLogged(int outages) {
    assertThat(assertOutagesLoggedOncePerOutage()).as("outages logged").isEqualTo(outages);
  }

  static void awaitTrue(BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition still false after " + timeout);
      }
      LockSupport.parkNanos(5_000_000);
    }
  }
}

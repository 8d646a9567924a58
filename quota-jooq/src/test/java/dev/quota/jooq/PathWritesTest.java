package dev.quota.jooq;

import static dev.quota.Meter.AI_TOKENS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Period;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.TierCatalogue;
import dev.quota.UsageKey;
import dev.quota.Window;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.spi.CommitOutcome;
import dev.quota.spi.Counter;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.PathCounter;
import dev.quota.spi.PathOutcome;
import dev.quota.spi.PathWrite;
import dev.quota.spi.ReleaseOutcome;
import dev.quota.spi.StoredReservation;
import dev.quota.spi.WriteOutcome;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The path writes of the PostgreSQL store ({@code quota_path_write}, {@code quota_path_commit}, migration V14) against
 * a real database: outcomes, nothing written on a refusal, the path an entry keeps, holds across counters and their
 * end by commit, release and expiry, counter rows created by racing writers, and crossing paths from many threads.
 * Paths are given explicitly (the writes do not read the tree).
 */
class PathWritesTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final long UNLIMITED = TierCatalogue.UNLIMITED;
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:30Z");
  private static final Period NOVEMBER = new Period(Instant.parse("2026-11-01T00:00:00Z"),
      Instant.parse("2026-12-01T00:00:00Z"));

  private PostgresQuotaStore store;
  private String run;

  @BeforeEach
  void setUp() {
    store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema()).strict().build();
    run = UUID.randomUUID().toString().substring(0, 8);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  // --- helpers ---------------------------------------------------------------------------------------------

  private TenantId tenant(String name) {
    return TenantId.of(name + "-" + run);
  }

  private long version(TenantId tenant) {
    return store.readLatest(tenant, AI_TOKENS, NOW).version();
  }

  private static Period periodOf(Window window, Instant at) {
    return window == Window.PERIOD ? NOVEMBER : window.at(at);
  }

  private PathCounter counter(TenantId level, Window window, long ceiling) {
    return new PathCounter(level, window, periodOf(window, NOW), ceiling, version(level));
  }

  /** PERIOD and MINUTE of every level, tenant first, each with the given ceiling. */
  private PathWrite periodsAndMinutes(List<TenantId> path, long ceiling) {
    List<PathCounter> counters = new ArrayList<>();
    for (TenantId level : path) {
      counters.add(counter(level, Window.PERIOD, ceiling));
      counters.add(counter(level, Window.MINUTE, ceiling));
    }
    return new PathWrite(path, counters);
  }

  private static LedgerEntry entry(TenantId tenant, long amount, String key, Instant at) {
    return new LedgerEntry(tenant, AI_TOKENS, amount, UsageKey.of(key), at, NOVEMBER, Map.of());
  }

  private static LedgerEntry entry(TenantId tenant, long amount, String key) {
    return entry(tenant, amount, key, NOW);
  }

  private static StoredReservation hold(TenantId tenant, long amount, Duration ttl) {
    return new StoredReservation(ReservationId.random(), tenant, AI_TOKENS, amount, NOVEMBER, NOW, NOW.plus(ttl));
  }

  private Counter stored(TenantId level, Window window, Instant at) {
    Period period = periodOf(window, at);
    return store.readLatest(level, AI_TOKENS, at).counters().stream().filter(c -> c.period().equals(period))
        .findFirst().orElse(Counter.empty(period));
  }

  private Counter stored(TenantId level, Window window) {
    return stored(level, window, NOW);
  }

  /** The path an entry kept, or {@code null} for a flat entry; fails if there is no such entry. */
  private static List<String> countedPath(TenantId tenant, String key) throws SQLException {
    try (Connection c = DriverManager.getConnection(PostgresDatabase.url());
        PreparedStatement s = c.prepareStatement("SELECT counted_path FROM " + DB.schema()
            + ".usage_ledger WHERE tenant_id = ? AND meter = ? AND usage_key = ?")) {
      s.setString(1, tenant.value());
      s.setString(2, AI_TOKENS.name());
      s.setString(3, key);
      try (ResultSet r = s.executeQuery()) {
        assertThat(r.next()).as("entry %s of %s", key, tenant).isTrue();
        Array path = r.getArray(1);
        return path == null ? null : List.of((String[]) path.getArray());
      }
    }
  }

  private static long count(String sql, String... args) throws SQLException {
    try (Connection c = DriverManager.getConnection(PostgresDatabase.url());
        PreparedStatement s = c.prepareStatement(sql.replace("{s}", DB.schema()))) {
      for (int i = 0; i < args.length; i++) {
        s.setString(i + 1, args[i]);
      }
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  private static List<Long> used(List<Counter> counters) {
    return counters.stream().map(Counter::used).toList();
  }

  // --- consume ---------------------------------------------------------------------------------------------

  @Test
  void aPathConsumeWritesOneEntryWithItsPathAndMovesEveryCounterInTheWritesOrder() throws SQLException {
    TenantId member = tenant("member");
    TenantId org = tenant("org");
    List<TenantId> path = List.of(member, org);
    PathOutcome outcome = store.consumePath(entry(member, 30, "k1"), periodsAndMinutes(path, 1_000), true);

    assertThat(outcome).isInstanceOf(PathOutcome.Written.class);
    assertThat(used(((PathOutcome.Written) outcome).counters())).containsExactly(30L, 30L, 30L, 30L);
    assertThat(((PathOutcome.Written) outcome).counters().get(1).period()).isEqualTo(Window.MINUTE.at(NOW));
    assertThat(countedPath(member, "k1")).containsExactly(member.value(), org.value());
    assertThat(count("SELECT count(*) FROM {s}.usage_ledger WHERE tenant_id = ?", org.value())).isZero();
    for (TenantId level : path) {
      assertThat(stored(level, Window.PERIOD).used()).isEqualTo(30);
      assertThat(stored(level, Window.MINUTE).used()).as("the short window is one of the read's counters")
          .isEqualTo(30);
    }
    assertThat(count("SELECT count(*) FROM {s}.counter WHERE tenant_id = ? AND time_window = 'MINUTE'", org.value()))
        .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM {s}.counter WHERE tenant_id = ? AND time_window IS NULL", org.value()))
        .isEqualTo(1);
  }

  @Test
  void aPathOfOneTenantWritesAFlatEntry() throws SQLException {
    TenantId root = tenant("root");
    assertThat(store.consumePath(entry(root, 5, "k"), periodsAndMinutes(List.of(root), 100), true))
        .isInstanceOf(PathOutcome.Written.class);
    assertThat(countedPath(root, "k")).isNull();
    // and the flat writes go on working on the same counter
    assertThat(store.consume(entry(root, 5, "k2"), 100, version(root))).isInstanceOf(WriteOutcome.Written.class);
    assertThat(stored(root, Window.PERIOD).used()).isEqualTo(10);
  }

  @Test
  void aWriteThatDoesNotFitNamesTheFirstCounterInTheWritesOrderAndWritesNothing() throws SQLException {
    TenantId member = tenant("member");
    TenantId org = tenant("org");
    store.consumePath(entry(member, 10, "first"), periodsAndMinutes(List.of(member, org), UNLIMITED), true);
    PathWrite write = new PathWrite(List.of(member, org), List.of(counter(member, Window.PERIOD, 100),
        counter(member, Window.MINUTE, 100), counter(org, Window.PERIOD, 100), counter(org, Window.MINUTE, 15)));

    PathOutcome outcome = store.consumePath(entry(member, 10, "second"), write, true);

    assertThat(outcome).isInstanceOf(PathOutcome.Insufficient.class);
    assertThat(((PathOutcome.Insufficient) outcome).index()).isEqualTo(3);
    assertThat(used(((PathOutcome.Insufficient) outcome).counters())).containsExactly(10L, 10L, 10L, 10L);
    assertThat(count("SELECT count(*) FROM {s}.usage_ledger WHERE tenant_id = ? AND usage_key = 'second'",
        member.value())).isZero();
    assertThat(stored(org, Window.MINUTE).used()).isEqualTo(10);
    assertThat(stored(member, Window.PERIOD).used()).isEqualTo(10);
    // unconditional: past every ceiling
    assertThat(store.consumePath(entry(member, 10, "third"), write, false)).isInstanceOf(PathOutcome.Written.class);
    assertThat(stored(org, Window.MINUTE).used()).isEqualTo(20);
  }

  @Test
  void aRecordedKeyIsADuplicateAndAChangedVersionIsStaleBothWritingNothing() throws SQLException {
    TenantId member = tenant("member");
    TenantId org = tenant("org");
    List<TenantId> path = List.of(member, org);
    store.consumePath(entry(member, 7, "k"), periodsAndMinutes(path, UNLIMITED), true);

    PathOutcome duplicate = store.consumePath(entry(member, 9, "k"), periodsAndMinutes(path, UNLIMITED), true);
    assertThat(duplicate).isInstanceOf(PathOutcome.Duplicate.class);
    assertThat(((PathOutcome.Duplicate) duplicate).recordedAmount()).isEqualTo(7);

    PathWrite staleAtTheTop = new PathWrite(path, List.of(counter(member, Window.PERIOD, UNLIMITED),
        new PathCounter(org, Window.PERIOD, NOVEMBER, UNLIMITED, version(org) + 1)));
    assertThat(store.consumePath(entry(member, 3, "other"), staleAtTheTop, true))
        .isInstanceOf(PathOutcome.Stale.class);
    assertThat(stored(org, Window.PERIOD).used()).isEqualTo(7);
    assertThat(stored(member, Window.PERIOD).used()).isEqualTo(7);
    assertThat(count("SELECT count(*) FROM {s}.usage_ledger WHERE tenant_id = ?", member.value())).isEqualTo(1);
  }

  @Test
  void aStaleFirstWriteCreatesNoCounterRow() throws SQLException {
    TenantId member = tenant("member");
    TenantId org = tenant("org");
    PathWrite write = new PathWrite(List.of(member, org), List.of(counter(member, Window.PERIOD, UNLIMITED),
        new PathCounter(org, Window.PERIOD, NOVEMBER, UNLIMITED, 5)));
    assertThat(store.consumePath(entry(member, 3, "k"), write, true)).isInstanceOf(PathOutcome.Stale.class);
    assertThat(count("SELECT count(*) FROM {s}.counter WHERE tenant_id = ?", org.value())).isZero();
    assertThat(count("SELECT count(*) FROM {s}.usage_ledger WHERE tenant_id = ?", member.value())).isZero();
  }

  // --- holds -----------------------------------------------------------------------------------------------

  @Test
  void aPathHoldIsHeldInEveryCounterAndCommitPathEndsItEverywhere() throws SQLException {
    TenantId member = tenant("member");
    TenantId org = tenant("org");
    List<TenantId> path = List.of(member, org);
    StoredReservation hold = hold(member, 40, Duration.ofMinutes(5));
    assertThat(store.reservePath(hold, periodsAndMinutes(path, 100), true, NOW))
        .isInstanceOf(PathOutcome.Written.class);
    for (TenantId level : path) {
      assertThat(stored(level, Window.PERIOD).reserved()).isEqualTo(40);
      assertThat(stored(level, Window.MINUTE).reserved()).isEqualTo(40);
    }
    assertThat(count("SELECT count(*) FROM {s}.reservation_hold WHERE holder_id = ?", member.value())).isEqualTo(4);
    // the hold counts against later writes at every level
    PathOutcome refused = store.consumePath(entry(member, 61, "too-much"), periodsAndMinutes(path, 100), true);
    assertThat(refused).isInstanceOf(PathOutcome.Insufficient.class);
    assertThat(((PathOutcome.Insufficient) refused).index()).isZero();

    CommitOutcome committed = store.commitPath(member, hold.id(), entry(member, 25, "used"),
        periodsAndMinutes(path, 100), NOW);

    assertThat(committed).isInstanceOf(CommitOutcome.Committed.class);
    assertThat(((CommitOutcome.Committed) committed).counter()).isEqualTo(new Counter(NOVEMBER, 25, 0));
    for (TenantId level : path) {
      assertThat(stored(level, Window.PERIOD)).isEqualTo(new Counter(NOVEMBER, 25, 0));
      assertThat(stored(level, Window.MINUTE).reserved()).isZero();
      assertThat(stored(level, Window.MINUTE).used()).isEqualTo(25);
    }
    assertThat(countedPath(member, "used")).containsExactly(member.value(), org.value());
    // a retry is a duplicate and writes nothing more
    CommitOutcome again = store.commitPath(member, hold.id(), entry(member, 25, "used"),
        periodsAndMinutes(path, 100), NOW);
    assertThat(again).isInstanceOf(CommitOutcome.Duplicate.class);
    assertThat(stored(org, Window.PERIOD)).isEqualTo(new Counter(NOVEMBER, 25, 0));
    assertThat(store.release(member, hold.id(), NOW)).isEqualTo(ReleaseOutcome.COMMITTED);
  }

  @Test
  void aHoldThatDoesNotFitHoldsNothing() throws SQLException {
    TenantId member = tenant("member");
    TenantId org = tenant("org");
    StoredReservation hold = hold(member, 40, Duration.ofMinutes(5));
    PathWrite write = new PathWrite(List.of(member, org), List.of(counter(member, Window.PERIOD, 100),
        counter(org, Window.PERIOD, 39)));
    PathOutcome outcome = store.reservePath(hold, write, true, NOW);
    assertThat(outcome).isInstanceOf(PathOutcome.Insufficient.class);
    assertThat(((PathOutcome.Insufficient) outcome).index()).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM {s}.reservation WHERE tenant_id = ?", member.value())).isZero();
    assertThat(count("SELECT count(*) FROM {s}.reservation_hold WHERE holder_id = ?", member.value())).isZero();
    assertThat(stored(member, Window.PERIOD).reserved()).isZero();
  }

  @Test
  void releaseEndsAPathHoldInEveryCounter() {
    TenantId member = tenant("member");
    TenantId org = tenant("org");
    List<TenantId> path = List.of(member, org);
    StoredReservation hold = hold(member, 40, Duration.ofMinutes(5));
    store.reservePath(hold, periodsAndMinutes(path, UNLIMITED), true, NOW);

    assertThat(store.release(member, hold.id(), NOW)).isEqualTo(ReleaseOutcome.RELEASED);

    for (TenantId level : path) {
      assertThat(stored(level, Window.PERIOD)).isEqualTo(new Counter(NOVEMBER, 0, 0));
      assertThat(stored(level, Window.MINUTE).reserved()).isZero();
    }
    assertThat(store.commitPath(member, hold.id(), entry(member, 5, "late"), periodsAndMinutes(path, UNLIMITED), NOW))
        .isInstanceOf(CommitOutcome.Released.class);
  }

  @Test
  void aPlainCommitOfAPathHoldEndsItEverywhereAndWritesTheEntryFlat() throws SQLException {
    TenantId member = tenant("member");
    TenantId org = tenant("org");
    List<TenantId> path = List.of(member, org);
    StoredReservation hold = hold(member, 40, Duration.ofMinutes(5));
    store.reservePath(hold, periodsAndMinutes(path, UNLIMITED), true, NOW);

    CommitOutcome committed = store.commit(member, hold.id(), entry(member, 30, "flat"), version(member), NOW);

    assertThat(committed).isInstanceOf(CommitOutcome.Committed.class);
    assertThat(((CommitOutcome.Committed) committed).counter()).isEqualTo(new Counter(NOVEMBER, 30, 0));
    assertThat(stored(org, Window.PERIOD)).isEqualTo(new Counter(NOVEMBER, 0, 0));
    assertThat(stored(org, Window.MINUTE).reserved()).isZero();
    assertThat(stored(member, Window.MINUTE).reserved()).isZero();
    assertThat(countedPath(member, "flat")).isNull();
  }

  @Test
  void commitPathOfAFlatHoldEndsItAndWritesOnThePath() {
    TenantId member = tenant("member");
    TenantId org = tenant("org");
    StoredReservation hold = hold(member, 40, Duration.ofMinutes(5));
    assertThat(store.reserve(hold, 100, version(member), NOW)).isInstanceOf(WriteOutcome.Written.class);

    CommitOutcome committed = store.commitPath(member, hold.id(), entry(member, 30, "k"),
        periodsAndMinutes(List.of(member, org), UNLIMITED), NOW);

    assertThat(committed).isInstanceOf(CommitOutcome.Committed.class);
    assertThat(stored(member, Window.PERIOD)).isEqualTo(new Counter(NOVEMBER, 30, 0));
    assertThat(stored(org, Window.PERIOD)).isEqualTo(new Counter(NOVEMBER, 30, 0));
  }

  @Test
  void commitPathOnAChangedVersionIsStaleAndKeepsTheHold() {
    TenantId member = tenant("member");
    TenantId org = tenant("org");
    List<TenantId> path = List.of(member, org);
    StoredReservation hold = hold(member, 40, Duration.ofMinutes(5));
    store.reservePath(hold, periodsAndMinutes(path, UNLIMITED), true, NOW);
    PathWrite stale = new PathWrite(path, List.of(counter(member, Window.PERIOD, UNLIMITED),
        new PathCounter(org, Window.PERIOD, NOVEMBER, UNLIMITED, version(org) + 1)));

    assertThat(store.commitPath(member, hold.id(), entry(member, 30, "k"), stale, NOW))
        .isInstanceOf(CommitOutcome.Stale.class);
    assertThat(stored(org, Window.PERIOD)).isEqualTo(new Counter(NOVEMBER, 0, 40));
    assertThat(stored(member, Window.MINUTE).reserved()).isEqualTo(40);
  }

  @Test
  void anExpiredPathHoldStopsCountingEverywhereIsSweptByFlatAndPathWritesAndCanStillBeCommitted() {
    TenantId member = tenant("member");
    TenantId org = tenant("org");
    List<TenantId> path = List.of(member, org);
    StoredReservation hold = hold(member, 80, Duration.ofSeconds(10));
    PathWrite periods = new PathWrite(path, List.of(counter(member, Window.PERIOD, 100),
        counter(org, Window.PERIOD, 100)));
    store.reservePath(hold, periods, true, NOW);
    Instant later = NOW.plusSeconds(15);

    assertThat(stored(org, Window.PERIOD, later).reserved()).as("a read leaves out the expired hold").isZero();
    // a flat write on the parent sweeps the hold from its counter (it does not go round in circles)
    assertThat(store.consume(entry(org, 50, "flat", later), 100, version(org)))
        .isInstanceOf(WriteOutcome.Written.class);
    // a path write sweeps it at the member
    assertThat(store.consumePath(entry(member, 50, "path", later), periods, true))
        .isInstanceOf(PathOutcome.Written.class);
    assertThat(stored(member, Window.PERIOD, later)).isEqualTo(new Counter(NOVEMBER, 50, 0));
    assertThat(stored(org, Window.PERIOD, later)).isEqualTo(new Counter(NOVEMBER, 100, 0));

    CommitOutcome late = store.commitPath(member, hold.id(), entry(member, 5, "late", later), periods, later);
    assertThat(late).isInstanceOf(CommitOutcome.Committed.class);
    assertThat(((CommitOutcome.Committed) late).expired()).isTrue();
    assertThat(stored(org, Window.PERIOD, later)).isEqualTo(new Counter(NOVEMBER, 105, 0));
    assertThat(stored(member, Window.PERIOD, later)).isEqualTo(new Counter(NOVEMBER, 55, 0));
  }

  // --- concurrency -----------------------------------------------------------------------------------------

  @Test
  void twoWritersCreatingTheSameCounterRowsBothWrite() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 20; round++) {
        TenantId a = tenant("a" + round);
        TenantId b = tenant("b" + round);
        TenantId org = tenant("org" + round);
        PathWrite writeA = periodsAndMinutes(List.of(a, org), UNLIMITED);
        PathWrite writeB = periodsAndMinutes(List.of(b, org), UNLIMITED);
        CyclicBarrier start = new CyclicBarrier(2);
        Future<PathOutcome> first = threads.submit(() -> {
          start.await(10, TimeUnit.SECONDS);
          return store.consumePath(entry(a, 1, "k"), writeA, true);
        });
        Future<PathOutcome> second = threads.submit(() -> {
          start.await(10, TimeUnit.SECONDS);
          return store.consumePath(entry(b, 1, "k"), writeB, true);
        });
        assertThat(first.get(30, TimeUnit.SECONDS)).isInstanceOf(PathOutcome.Written.class);
        assertThat(second.get(30, TimeUnit.SECONDS)).isInstanceOf(PathOutcome.Written.class);
        assertThat(stored(org, Window.MINUTE).used()).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM {s}.counter WHERE tenant_id = ?", org.value())).isEqualTo(2);
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void sixteenThreadsOnCrossingPathsFinishWithoutDeadlockAndEveryCounterAddsUp() throws Exception {
    // two roots; members under workspaces; half of the writes count at both roots' ids in opposite orders of depth
    TenantId rootA = tenant("a-root");
    TenantId rootZ = tenant("z-root");
    TenantId workspace = tenant("m-workspace");
    List<List<TenantId>> paths = List.of(
        List.of(tenant("b-member"), workspace, rootZ),
        List.of(tenant("y-member"), workspace, rootA),
        List.of(tenant("c-member"), rootA),
        List.of(tenant("x-member"), rootZ));
    int threadsCount = 16;
    int writesEach = 25;
    PostgresQuotaStore pooled = PostgresQuotaStore.builder().dataSource(DB.newPool("crossing-" + run, 16))
        .schema(DB.schema()).strict().build();
    ExecutorService threads = Executors.newFixedThreadPool(threadsCount);
    try {
      List<Future<Integer>> done = new ArrayList<>();
      CyclicBarrier start = new CyclicBarrier(threadsCount);
      for (int t = 0; t < threadsCount; t++) {
        int thread = t;
        done.add(threads.submit(() -> {
          start.await(10, TimeUnit.SECONDS);
          int written = 0;
          for (int i = 0; i < writesEach; i++) {
            List<TenantId> path = paths.get((thread + i) % paths.size());
            List<PathCounter> counters = new ArrayList<>();
            for (TenantId level : path) {
              counters.add(new PathCounter(level, Window.PERIOD, NOVEMBER, UNLIMITED, 0));
              counters.add(new PathCounter(level, Window.MINUTE, Window.MINUTE.at(NOW), UNLIMITED, 0));
            }
            PathOutcome o = pooled.consumePath(entry(path.get(0), 1, "t" + thread + "-" + i), new PathWrite(path,
                counters), true);
            if (o instanceof PathOutcome.Written) {
              written++;
            }
          }
          return written;
        }));
      }
      int written = 0;
      for (Future<Integer> f : done) {
        written += f.get(120, TimeUnit.SECONDS);
      }
      assertThat(written).isEqualTo(threadsCount * writesEach);
    } finally {
      threads.shutdownNow();
      pooled.close();
    }
    long expectedAtA = 0;
    long expectedAtZ = 0;
    long expectedAtWorkspace = 0;
    for (int t = 0; t < threadsCount; t++) {
      for (int i = 0; i < writesEach; i++) {
        List<TenantId> path = paths.get((t + i) % paths.size());
        expectedAtA += path.contains(rootA) ? 1 : 0;
        expectedAtZ += path.contains(rootZ) ? 1 : 0;
        expectedAtWorkspace += path.contains(workspace) ? 1 : 0;
      }
    }
    assertThat(stored(rootA, Window.PERIOD).used()).isEqualTo(expectedAtA);
    assertThat(stored(rootA, Window.MINUTE).used()).isEqualTo(expectedAtA);
    assertThat(stored(rootZ, Window.PERIOD).used()).isEqualTo(expectedAtZ);
    assertThat(stored(workspace, Window.MINUTE).used()).isEqualTo(expectedAtWorkspace);
  }

  @Test
  void concurrentConsumesOfOneOrganisationAreCombinedAndAdmitExactlyWhatFits() throws Exception {
    // 8 threads write as 100 members of one organisation, 3 levels x 2 windows; the organisation's minute holds 100
    TenantId org = tenant("org");
    List<TenantId> workspaces = List.of(tenant("ws1"), tenant("ws2"));
    int threadsCount = 8;
    int writesEach = 30;
    for (boolean combined : List.of(true, false)) {
      TenantId orgOfRun = TenantId.of(org.value() + "-" + combined);
      PostgresQuotaStore pooled = PostgresQuotaStore.builder().dataSource(DB.newPool("org-" + run + combined, 8))
          .schema(DB.schema()).strict().combineConsumes(combined).build();
      ExecutorService threads = Executors.newFixedThreadPool(threadsCount);
      try {
        CyclicBarrier start = new CyclicBarrier(threadsCount);
        List<Future<List<PathOutcome>>> done = new ArrayList<>();
        for (int t = 0; t < threadsCount; t++) {
          int thread = t;
          done.add(threads.submit(() -> {
            start.await(10, TimeUnit.SECONDS);
            List<PathOutcome> outcomes = new ArrayList<>();
            for (int i = 0; i < writesEach; i++) {
              int m = (thread * writesEach + i) % 100;
              TenantId member = TenantId.of("member" + m + "-" + run + combined);
              TenantId workspace = TenantId.of(workspaces.get(m % 2).value() + combined);
              List<TenantId> path = List.of(member, workspace, orgOfRun);
              List<PathCounter> counters = new ArrayList<>();
              for (TenantId level : path) {
                long minute = level.equals(orgOfRun) ? 100 : UNLIMITED;
                counters.add(new PathCounter(level, Window.PERIOD, NOVEMBER, UNLIMITED, 0));
                counters.add(new PathCounter(level, Window.MINUTE, Window.MINUTE.at(NOW), minute, 0));
              }
              // every fifth write repeats the one before it: a duplicate, in the same batch or not
              String key = "t" + thread + "-" + (i % 5 == 4 ? i - 1 : i);
              TenantId writer = i % 5 == 4 ? TenantId.of("member" + ((thread * writesEach + i - 1) % 100) + "-" + run
                  + combined) : member;
              List<TenantId> writerPath = writer.equals(member) ? path
                  : List.of(writer, TenantId.of(workspaces.get(((thread * writesEach + i - 1) % 100) % 2).value()
                      + combined), orgOfRun);
              List<PathCounter> writerCounters = new ArrayList<>();
              for (int c = 0; c < counters.size(); c++) {
                PathCounter pc = counters.get(c);
                writerCounters.add(new PathCounter(writerPath.get(c / 2), pc.window(), pc.period(), pc.ceiling(), 0));
              }
              outcomes.add(pooled.consumePath(entry(writer, 1, key), new PathWrite(writerPath, writerCounters),
                  true));
            }
            return outcomes;
          }));
        }
        long written = 0;
        long duplicates = 0;
        for (Future<List<PathOutcome>> f : done) {
          for (PathOutcome o : f.get(120, TimeUnit.SECONDS)) {
            written += o instanceof PathOutcome.Written ? 1 : 0;
            duplicates += o instanceof PathOutcome.Duplicate ? 1 : 0;
            if (o instanceof PathOutcome.Insufficient insufficient) {
              assertThat(insufficient.index()).as("the organisation's minute").isEqualTo(5);
            }
          }
        }
        assertThat(written).as("combined: %s", combined).isEqualTo(100);
        assertThat(stored(orgOfRun, Window.MINUTE).used()).isEqualTo(100);
        assertThat(stored(orgOfRun, Window.PERIOD).used()).isEqualTo(100);
        assertThat(count("SELECT count(*) FROM {s}.usage_ledger WHERE counted_path[3] = ?", orgOfRun.value()))
            .isEqualTo(100);
        assertThat(duplicates).isPositive();
      } finally {
        threads.shutdownNow();
        pooled.close();
      }
    }
  }
}

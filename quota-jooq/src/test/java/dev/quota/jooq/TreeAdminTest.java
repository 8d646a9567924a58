package dev.quota.jooq;

import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static dev.quota.jooq.internal.generated.Tables.RESERVATION_HOLD;
import static dev.quota.jooq.internal.generated.Tables.TENANT;
import static dev.quota.jooq.internal.generated.Tables.USAGE_ARCHIVE;
import static dev.quota.jooq.internal.generated.Tables.USAGE_LEDGER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.Window;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PurgeSummary;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.spi.Counter;
import dev.quota.spi.ParentOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.MappedSchema;
import org.jooq.conf.RenderMapping;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The tenant tree's admin and maintenance side on PostgreSQL: parent changes (cycles, depth, version, audit, racing
 * moves), children, compaction of short windows, and verify, purge and archival of entries written with the path they
 * counted against. The entries and counters of paths are written here directly, as a path write leaves them.
 */
class TreeAdminTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final int MAX_DEPTH = 5;
  private static final Actor OPERATOR = Actor.of("ops@example.com");
  private static final Meter METER = Meter.AI_TOKENS;
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:30Z");
  private static final Period NOVEMBER = new Period(Instant.parse("2026-11-01T00:00:00Z"),
      Instant.parse("2026-12-01T00:00:00Z"));

  private PostgresQuotaStore store;
  private DSLContext dsl;
  private String prefix;

  @BeforeEach
  void setUp() {
    store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema()).archiveBatchSize(3).build();
    dsl = DSL.using(DB.dataSource(), SQLDialect.POSTGRES, new Settings().withRenderMapping(
        new RenderMapping().withSchemata(new MappedSchema().withInput("").withOutput(DB.schema()))));
    prefix = "tree-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  private TenantId tenant(String name) {
    return TenantId.of(prefix + name);
  }

  private static AuditEntry audit(TenantId tenant, Optional<TenantId> parent) {
    return new AuditEntry(UUID.randomUUID(), NOW, tenant, OPERATOR, AdminOperation.SET_PLAN, "reorganised",
        Map.of("parent", parent.map(TenantId::value).orElse("")));
  }

  private ParentOutcome setParent(TenantId tenant, TenantId parent) {
    return store.setParent(tenant, Optional.of(parent), MAX_DEPTH, audit(tenant, Optional.of(parent)));
  }

  private String parentOf(TenantId tenant) {
    return dsl.select(TENANT.PARENT_ID).from(TENANT).where(TENANT.TENANT_ID.eq(tenant.value()))
        .fetchOne(TENANT.PARENT_ID);
  }

  private long auditCount(TenantId tenant) {
    return store.audit(AuditQuery.of(tenant), PageRequest.first(100)).items().size();
  }

  // --- setParent ------------------------------------------------------------------------------------------------

  @Test
  void aParentIsSetAndClearedWithAnAuditEntryEach() {
    TenantId org = tenant("org");
    TenantId team = tenant("team");

    assertThat(setParent(team, org)).isEqualTo(ParentOutcome.CHANGED);
    assertThat(parentOf(team)).isEqualTo(org.value());
    assertThat(store.setParent(team, Optional.empty(), MAX_DEPTH, audit(team, Optional.empty())))
        .isEqualTo(ParentOutcome.CHANGED);

    assertThat(parentOf(team)).isNull();
    assertThat(auditCount(team)).isEqualTo(2);
  }

  @Test
  void aTenantNotKnownYetComesIntoBeingWithoutAPlan() {
    TenantId member = tenant("new-member");
    assertThat(store.knowsTenant(member)).isFalse();

    assertThat(setParent(member, tenant("org"))).isEqualTo(ParentOutcome.CHANGED);

    assertThat(store.knowsTenant(member)).isTrue();
    assertThat(store.readLatest(member, METER, NOW).plan()).isEmpty();
    assertThat(dsl.select(TENANT.TIER).from(TENANT).where(TENANT.TENANT_ID.eq(member.value()))
        .fetchOne(TENANT.TIER)).isNull();
  }

  @Test
  void aChangeMovesTheVersionOnAndStampsItOnTheTenantsCounters() {
    TenantId member = tenant("member");
    writeOnPath(List.of(member), "e1", 10, NOW);
    long before = store.readLatest(member, METER, NOW).version();

    assertThat(setParent(member, tenant("org"))).isEqualTo(ParentOutcome.CHANGED);

    long after = store.read(member, METER, NOW).version();
    assertThat(after).isEqualTo(before + 1);
    assertThat(dsl.selectDistinct(COUNTER.VERSION).from(COUNTER).where(COUNTER.TENANT_ID.eq(member.value()))
        .fetch(COUNTER.VERSION)).containsExactly(after);
  }

  @Test
  void aParentWhosePathContainsTheTenantIsRefusedWithNothingWritten() {
    TenantId a = tenant("a");
    TenantId b = tenant("b");
    TenantId c = tenant("c");
    setParent(b, a);
    setParent(c, b);
    long versionOfA = store.readLatest(a, METER, NOW).version();
    long auditsOfA = auditCount(a);

    assertThat(setParent(a, c)).isEqualTo(ParentOutcome.WOULD_CYCLE);
    assertThat(setParent(a, b)).isEqualTo(ParentOutcome.WOULD_CYCLE);

    assertThat(parentOf(a)).isNull();
    assertThat(store.readLatest(a, METER, NOW).version()).isEqualTo(versionOfA);
    assertThat(auditCount(a)).isEqualTo(auditsOfA);
  }

  @Test
  void aChainDeeperThanTheMaximumIsRefused() {
    List<TenantId> chain = new ArrayList<>();
    for (int i = 0; i < MAX_DEPTH; i++) {
      chain.add(tenant("level" + i));
      if (i > 0) {
        assertThat(setParent(chain.get(i), chain.get(i - 1))).isEqualTo(ParentOutcome.CHANGED);
      }
    }

    assertThat(setParent(tenant("sixth"), chain.get(MAX_DEPTH - 1))).isEqualTo(ParentOutcome.TOO_DEEP);
    assertThat(parentOf(tenant("sixth"))).isNull();
    assertThat(store.knowsTenant(tenant("sixth"))).isFalse();
  }

  @Test
  void aMovedSubtreesHeightCountsTowardsTheDepth() {
    TenantId root = tenant("root");
    TenantId l2 = tenant("l2");
    TenantId l3 = tenant("l3");
    TenantId l4 = tenant("l4");
    setParent(l2, root);
    setParent(l3, l2);
    setParent(l4, l3);
    TenantId team = tenant("team");
    TenantId member = tenant("member");
    setParent(member, team); // a subtree of height 2

    assertThat(setParent(team, l4)).as("4 + 2 levels").isEqualTo(ParentOutcome.TOO_DEEP);
    assertThat(setParent(team, l3)).as("3 + 2 levels").isEqualTo(ParentOutcome.CHANGED);
    assertThat(parentOf(team)).isEqualTo(l3.value());
  }

  @Test
  void racingMovesNeverCloseACycleOrExceedTheDepth() throws Exception {
    List<TenantId> tenants = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      tenants.add(tenant("n" + i));
    }
    // fewer threads than the store's pool has connections: every move waits for the tree's lock, never for a connection
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Callable<Integer>> work = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Random random = new Random(t);
      work.add(() -> {
        int changed = 0;
        for (int i = 0; i < 60; i++) {
          TenantId child = tenants.get(random.nextInt(tenants.size()));
          TenantId parent = tenants.get(random.nextInt(tenants.size()));
          if (child.equals(parent)) {
            store.setParent(child, Optional.empty(), MAX_DEPTH, audit(child, Optional.empty()));
          } else if (setParent(child, parent) == ParentOutcome.CHANGED) {
            changed++;
          }
        }
        return changed;
      });
    }
    int changed = 0;
    try {
      // invokeAll cancels what has not finished within the bound; get() then throws rather than waits
      for (Future<Integer> f : pool.invokeAll(work, 120, TimeUnit.SECONDS)) {
        changed += f.get();
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(changed).isPositive();
    for (TenantId start : tenants) {
      Set<String> seen = new HashSet<>();
      String at = start.value();
      while (at != null) {
        assertThat(seen.add(at)).as("a cycle through %s", at).isTrue();
        at = parentOf(TenantId.of(at));
      }
      assertThat(seen.size()).as("the depth of %s", start).isLessThanOrEqualTo(MAX_DEPTH);
    }
  }

  @Test
  void twoOppositeMovesAtOnceLetExactlyOneThrough() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 20; round++) {
        TenantId a = tenant("x" + round);
        TenantId b = tenant("y" + round);
        Future<ParentOutcome> first = pool.submit(() -> setParent(a, b));
        Future<ParentOutcome> second = pool.submit(() -> setParent(b, a));
        List<ParentOutcome> outcomes = List.of(first.get(30, TimeUnit.SECONDS), second.get(30, TimeUnit.SECONDS));
        assertThat(outcomes).containsExactlyInAnyOrder(ParentOutcome.CHANGED, ParentOutcome.WOULD_CYCLE);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // --- children -------------------------------------------------------------------------------------------------

  @Test
  void childrenArePagedByTenantId() {
    TenantId org = tenant("org");
    for (String name : List.of("c", "a", "B", "b")) {
      setParent(tenant(name), org);
    }
    setParent(tenant("grandchild"), tenant("a"));

    Page<TenantId> first = store.children(org, PageRequest.first(3));
    Page<TenantId> second = store.children(org, first.request().next());

    assertThat(first.items()).containsExactly(tenant("B"), tenant("a"), tenant("b"));
    assertThat(first.hasMore()).isTrue();
    assertThat(second.items()).containsExactly(tenant("c"));
    assertThat(second.hasMore()).isFalse();
    assertThat(store.children(tenant("c"), PageRequest.first(10)).items()).isEmpty();
  }

  @Test
  void aMovedChildLeavesItsOldParentsChildren() {
    TenantId team = tenant("team");
    setParent(team, tenant("old"));
    setParent(team, tenant("new"));

    assertThat(store.children(tenant("old"), PageRequest.first(10)).items()).isEmpty();
    assertThat(store.children(tenant("new"), PageRequest.first(10)).items()).containsExactly(team);
  }

  // --- compaction -----------------------------------------------------------------------------------------------

  @Test
  void compactionDeletesOnlyEndedShortWindowsWithTheirHolds() {
    TenantId member = tenant("member");
    Period endedMinute = Window.MINUTE.at(Instant.parse("2026-11-25T09:58:10Z"));
    Period endedHour = Window.HOUR.at(Instant.parse("2026-11-25T08:30:00Z"));
    Period currentDay = Window.DAY.at(NOW);
    Period endedPeriod = new Period(Instant.parse("2026-10-01T00:00:00Z"), NOVEMBER.start());
    counter(member, endedMinute, Window.MINUTE, 5, 3);
    counter(member, endedHour, Window.HOUR, 5, 0);
    counter(member, currentDay, Window.DAY, 5, 0);
    counter(member, endedPeriod, Window.PERIOD, 5, 0);
    hold(member, endedMinute, 3);
    hold(member, currentDay, 4);
    Instant before = NOW.minusSeconds(60);

    assertThat(store.compactWindows(before, 1)).isEqualTo(1);
    assertThat(store.compactWindows(before, 10)).isEqualTo(1);
    assertThat(store.compactWindows(before, 10)).isZero();

    assertThat(dsl.select(COUNTER.PERIOD_START).from(COUNTER).where(COUNTER.TENANT_ID.eq(member.value()))
        .orderBy(COUNTER.PERIOD_START).fetch(COUNTER.PERIOD_START))
        .containsExactly(endedPeriod.start(), currentDay.start());
    assertThat(dsl.select(RESERVATION_HOLD.PERIOD_START).from(RESERVATION_HOLD)
        .where(RESERVATION_HOLD.TENANT_ID.eq(member.value())).fetch(RESERVATION_HOLD.PERIOD_START))
        .containsExactly(currentDay.start());
  }

  @Test
  void aWriteThatStartsANewWindowCompactsTheWindowsThatEndedMoreThanADayBefore() {
    TenantId member = tenant("member");
    Period twoDaysAgo = Window.MINUTE.at(NOW.minus(java.time.Duration.ofDays(2)));
    Period anHourAgo = Window.MINUTE.at(NOW.minus(java.time.Duration.ofHours(1)));
    counter(member, twoDaysAgo, Window.MINUTE, 5, 0);
    counter(member, anHourAgo, Window.MINUTE, 5, 0);
    long version = store.readLatest(member, METER, NOW).version();
    Period minute = Window.MINUTE.at(NOW);
    dev.quota.spi.PathWrite write = new dev.quota.spi.PathWrite(List.of(member), List.of(
        new dev.quota.spi.PathCounter(member, Window.PERIOD, NOVEMBER, dev.quota.TierCatalogue.UNLIMITED, version),
        new dev.quota.spi.PathCounter(member, Window.MINUTE, minute, dev.quota.TierCatalogue.UNLIMITED, version)));
    dev.quota.spi.LedgerEntry entry = new dev.quota.spi.LedgerEntry(member, METER, 1, dev.quota.UsageKey.of("k"), NOW,
        NOVEMBER, Map.of());

    assertThat(store.consumePath(entry, write, true)).isInstanceOf(dev.quota.spi.PathOutcome.Written.class);

    assertThat(dsl.select(COUNTER.PERIOD_START).from(COUNTER)
        .where(COUNTER.TENANT_ID.eq(member.value()), COUNTER.TIME_WINDOW.eq("MINUTE"))
        .orderBy(COUNTER.PERIOD_START).fetch(COUNTER.PERIOD_START))
        .as("the window of two days ago went when this minute's began; the one of an hour ago stays a day")
        .containsExactly(anHourAgo.start(), minute.start());
    assertThat(dsl.select(COUNTER.PERIOD_START).from(COUNTER)
        .where(COUNTER.TENANT_ID.eq(member.value()), COUNTER.TIME_WINDOW.isNull()).fetch(COUNTER.PERIOD_START))
        .containsExactly(NOVEMBER.start());
  }

  @Test
  void compactionDeletesTheOldestEndedWindowsFirst() {
    TenantId member = tenant("member");
    Period older = Window.MINUTE.at(Instant.parse("2026-11-25T09:00:00Z"));
    Period newer = Window.MINUTE.at(Instant.parse("2026-11-25T09:30:00Z"));
    counter(member, newer, Window.MINUTE, 1, 0);
    counter(member, older, Window.MINUTE, 1, 0);

    // other tests' ended windows may be older still: compact until this tenant's older window is gone
    int rounds = 0;
    while (!countersOf(member).equals(List.of(newer.start())) && rounds++ < 100) {
      assertThat(store.compactWindows(newer.end(), 1)).isEqualTo(1);
    }

    assertThat(countersOf(member)).containsExactly(newer.start());
    dsl.deleteFrom(COUNTER).where(COUNTER.TENANT_ID.eq(member.value())).execute(); // ended: leave none to others
  }

  private List<Instant> countersOf(TenantId tenant) {
    return dsl.select(COUNTER.PERIOD_START).from(COUNTER).where(COUNTER.TENANT_ID.eq(tenant.value()))
        .orderBy(COUNTER.PERIOD_START).fetch(COUNTER.PERIOD_START);
  }

  // --- verify, purge and archive over paths ---------------------------------------------------------------------

  @Test
  void everyLevelVerifiesAgainstTheEntriesWhosePathContainsIt() {
    TenantId org = tenant("org");
    TenantId team = tenant("team");
    TenantId member = tenant("member");
    List<TenantId> path = List.of(member, team, org);
    writeOnPath(path, "e1", 10, Instant.parse("2026-11-25T09:59:10Z"));
    writeOnPath(path, "e2", 20, NOW);
    writeOnPath(List.of(team, org), "e3", 5, NOW);

    assertThat(checks(member)).containsExactlyInAnyOrder(
        check(NOVEMBER, 30, 30), check(minute("09:59"), 10, 10), check(minute("10:00"), 20, 20));
    assertThat(checks(team)).containsExactlyInAnyOrder(
        check(NOVEMBER, 35, 35), check(minute("09:59"), 10, 10), check(minute("10:00"), 25, 25));
    assertThat(checks(org)).containsExactlyInAnyOrder(
        check(NOVEMBER, 35, 35), check(minute("09:59"), 10, 10), check(minute("10:00"), 25, 25));
  }

  @Test
  void aCounterThatDriftedFromItsPathsEntriesIsFound() {
    TenantId org = tenant("org");
    TenantId member = tenant("member");
    writeOnPath(List.of(member, org), "e1", 10, NOW);
    dsl.update(COUNTER).set(COUNTER.USED, COUNTER.USED.plus(1))
        .where(COUNTER.TENANT_ID.eq(org.value()), COUNTER.TIME_WINDOW.eq("MINUTE")).execute();

    assertThat(checks(org)).containsExactlyInAnyOrder(check(NOVEMBER, 10, 10), check(minute("10:00"), 11, 10));
    assertThat(store.verify(member)).allMatch(CounterCheck::consistent);
  }

  @Test
  void usageRecordedBeforeAMoveStaysWithTheOldParent() {
    TenantId oldOrg = tenant("old-org");
    TenantId newOrg = tenant("new-org");
    TenantId member = tenant("member");
    setParent(member, oldOrg);
    writeOnPath(List.of(member, oldOrg), "before", 10, NOW);
    setParent(member, newOrg);
    writeOnPath(List.of(member, newOrg), "after", 7, NOW);

    assertThat(checks(oldOrg)).containsExactlyInAnyOrder(check(NOVEMBER, 10, 10), check(minute("10:00"), 10, 10));
    assertThat(checks(newOrg)).containsExactlyInAnyOrder(check(NOVEMBER, 7, 7), check(minute("10:00"), 7, 7));
    assertThat(checks(member)).containsExactlyInAnyOrder(check(NOVEMBER, 17, 17), check(minute("10:00"), 17, 17));
  }

  @Test
  void archivedEntriesKeepTheirPathAndStillVerify() {
    TenantId org = tenant("org");
    TenantId member = tenant("member");
    writeOnPath(List.of(member, org), "e1", 10, Instant.parse("2026-11-25T09:59:10Z"));
    writeOnPath(List.of(member, org), "e2", 20, NOW);

    assertThat(store.archiveUsage(member, NOW)).isEqualTo(1);

    assertThat(dsl.select(USAGE_ARCHIVE.COUNTED_PATH).from(USAGE_ARCHIVE)
        .where(USAGE_ARCHIVE.TENANT_ID.eq(member.value())).fetchOne(USAGE_ARCHIVE.COUNTED_PATH))
        .containsExactly(member.value(), org.value());
    assertThat(checks(org)).containsExactlyInAnyOrder(
        check(NOVEMBER, 30, 30), check(minute("09:59"), 10, 10), check(minute("10:00"), 20, 20));
  }

  @Test
  void aPurgeSubtractsFromEveryCounterOnThePathAndEveryWindow() {
    TenantId org = tenant("org");
    TenantId team = tenant("team");
    TenantId member = tenant("member");
    List<TenantId> path = List.of(member, team, org);
    writeOnPath(path, "kept", 10, Instant.parse("2026-11-25T09:59:10Z"));
    writeOnPath(path, "gone1", 20, Instant.parse("2026-11-25T09:59:50Z"));
    writeOnPath(path, "gone2", 40, NOW);
    writeOnPath(List.of(team, org), "other", 5, NOW);
    store.archiveUsage(member, Instant.parse("2026-11-25T09:59:55Z")); // one purged entry from the archive
    long orgUsedBefore = periodUsed(store.read(org, METER, NOW));

    PurgeSummary summary = store.purge(member, Instant.parse("2026-11-25T09:59:30Z"),
        s -> new AuditEntry(UUID.randomUUID(), NOW, member, OPERATOR, AdminOperation.PURGE_USAGE, "erasure",
            Map.of("entries", Long.toString(s.entries()))));

    assertThat(summary.entries()).isEqualTo(2);
    assertThat(summary.amountByMeter()).containsEntry(METER, 60L);
    assertThat(checks(member)).containsExactlyInAnyOrder(
        check(NOVEMBER, 10, 10), check(minute("09:59"), 10, 10));
    assertThat(checks(team)).containsExactlyInAnyOrder(
        check(NOVEMBER, 15, 15), check(minute("09:59"), 10, 10), check(minute("10:00"), 5, 5));
    assertThat(checks(org)).containsExactlyInAnyOrder(
        check(NOVEMBER, 15, 15), check(minute("09:59"), 10, 10), check(minute("10:00"), 5, 5));
    assertThat(orgUsedBefore).isEqualTo(75);
    assertThat(periodUsed(store.read(org, METER, NOW))).as("the ancestor's cached state was dropped").isEqualTo(15);
  }

  @Test
  void aPurgeOfAFlatTenantLeavesOtherTenantsAlone() {
    TenantId flat = tenant("flat");
    TenantId other = tenant("other");
    writeOnPath(List.of(flat), "e1", 10, NOW);
    writeOnPath(List.of(other), "e1", 10, NOW);

    store.purge(flat, NOVEMBER.start(), s -> new AuditEntry(UUID.randomUUID(), NOW, flat, OPERATOR,
        AdminOperation.PURGE_USAGE, "erasure", Map.of()));

    assertThat(store.verify(flat)).isEmpty();
    assertThat(checks(other)).containsExactlyInAnyOrder(check(NOVEMBER, 10, 10), check(minute("10:00"), 10, 10));
  }

  // --- helpers --------------------------------------------------------------------------------------------------

  private static long periodUsed(dev.quota.spi.TenantState state) {
    return state.counters().stream().filter(c -> c.period().equals(NOVEMBER)).mapToLong(Counter::used).sum();
  }

  private record Check(Period period, long counterUsed, long ledgerUsed) {}

  private static Check check(Period period, long counterUsed, long ledgerUsed) {
    return new Check(period, counterUsed, ledgerUsed);
  }

  private List<Check> checks(TenantId tenant) {
    return store.verify(tenant).stream().map(c -> new Check(c.period(), c.counterUsed(), c.ledgerUsed())).toList();
  }

  private static Period minute(String hourMinute) {
    return Window.MINUTE.at(Instant.parse("2026-11-25T" + hourMinute + ":00Z"));
  }

  /**
   * Writes what a path write leaves: one ledger entry at the path's first tenant (with the path when it has more than
   * one level, as the store writes it), and the amount added to every level's November counter and minute window.
   */
  private void writeOnPath(List<TenantId> path, String key, long amount, Instant at) {
    TenantId writer = path.get(0);
    dsl.insertInto(USAGE_LEDGER, USAGE_LEDGER.TENANT_ID, USAGE_LEDGER.METER, USAGE_LEDGER.USAGE_KEY,
            USAGE_LEDGER.AMOUNT, USAGE_LEDGER.OCCURRED_AT, USAGE_LEDGER.PERIOD_START, USAGE_LEDGER.PERIOD_END,
            USAGE_LEDGER.COUNTED_PATH)
        .values(writer.value(), METER.name(), key, amount, at, NOVEMBER.start(), NOVEMBER.end(),
            path.size() == 1 ? null : path.stream().map(TenantId::value).toArray(String[]::new))
        .execute();
    for (TenantId level : path) {
      counter(level, NOVEMBER, Window.PERIOD, amount, 0);
      counter(level, Window.MINUTE.at(at), Window.MINUTE, amount, 0);
    }
  }

  private void counter(TenantId tenant, Period period, Window window, long used, long reserved) {
    dsl.insertInto(TENANT, TENANT.TENANT_ID, TENANT.VERSION).values(tenant.value(), 0L).onConflictDoNothing().execute();
    long version = dsl.select(TENANT.VERSION).from(TENANT).where(TENANT.TENANT_ID.eq(tenant.value()))
        .fetchSingle(TENANT.VERSION);
    dsl.insertInto(COUNTER, COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END, COUNTER.USED,
            COUNTER.RESERVED, COUNTER.VERSION, COUNTER.TIME_WINDOW)
        .values(tenant.value(), METER.name(), period.start(), period.end(), used, reserved,
            version,
            window == Window.PERIOD ? null : window.name())
        .onConflict(COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END).doUpdate()
        .set(COUNTER.USED, COUNTER.USED.plus(used))
        .set(COUNTER.RESERVED, COUNTER.RESERVED.plus(reserved))
        .execute();
  }

  private void hold(TenantId tenant, Period period, long amount) {
    dsl.insertInto(RESERVATION_HOLD, RESERVATION_HOLD.TENANT_ID, RESERVATION_HOLD.METER, RESERVATION_HOLD.PERIOD_START,
            RESERVATION_HOLD.PERIOD_END, RESERVATION_HOLD.HOLDER_ID, RESERVATION_HOLD.RESERVATION_ID,
            RESERVATION_HOLD.AMOUNT, RESERVATION_HOLD.EXPIRES_AT, RESERVATION_HOLD.COUNTED)
        .values(tenant.value(), METER.name(), period.start(), period.end(), tenant.value(), UUID.randomUUID(), amount,
            NOW.plusSeconds(600), true)
        .execute();
  }
}

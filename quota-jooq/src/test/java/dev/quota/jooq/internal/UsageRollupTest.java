package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.generated.Tables.USAGE_ARCHIVE;
import static dev.quota.jooq.internal.generated.Tables.USAGE_LEDGER;
import static dev.quota.jooq.internal.generated.Tables.USAGE_ROLLUP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.PurgeConfirmation;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.testkit.TestClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
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
 * The usage history's roll-up on PostgreSQL: stored sums of closed days equal the ledger's, open days are never
 * stored, the closing margin holds to the microsecond, purge deletes what it changes, archiving changes nothing, and
 * readers racing for the same days agree. The database's clock is fixed per test, so no test depends on the date.
 */
class UsageRollupTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
  /** Eight local days of New York around the day clocks go back (2026-11-01 is 25 hours long). */
  private static final Instant FIRST_DAY = Instant.parse("2026-10-29T04:00:00Z");
  private static final int DAYS = 8;
  /** Long after every entry of the tests. */
  private static final Instant LATER = Instant.parse("2027-01-01T00:00:00Z");

  private final TestClock clock = TestClock.at("2026-10-29T00:00:00Z");
  private PostgresQuotaStore store;
  private Quota quota;
  private DSLContext dsl;
  private TenantId tenant;

  @BeforeEach
  void setUp() {
    store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema()).archiveBatchSize(50).build();
    quota = Quota.builder().store(store).clock(clock).build();
    dsl = DSL.using(DB.dataSource(), SQLDialect.POSTGRES, new Settings().withRenderMapping(
        new RenderMapping().withSchemata(new MappedSchema().withInput("").withOutput(DB.schema()))));
    tenant = TenantId.of("rollup-" + UUID.randomUUID());
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  /** The history query with the database's clock fixed at an instant. */
  private UsageHistoryQuery queryAt(Instant now) {
    return new UsageHistoryQuery(new Db(dsl), ignored -> now);
  }

  /** Records entries of seeded random amounts at seeded random instants of the eight days, oldest first. */
  private void recordSpread(int entries) {
    Random random = new Random(42);
    long span = Duration.ofDays(DAYS).toMillis();
    List<Long> offsets = new ArrayList<>();
    for (int i = 0; i < entries; i++) {
      offsets.add(Math.floorMod(random.nextLong(), span));
    }
    offsets.sort(null);
    for (int i = 0; i < entries; i++) {
      clock.set(FIRST_DAY.plusMillis(offsets.get(i)));
      quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 1 + random.nextInt(1_000), UsageKey.of("e" + i)));
    }
  }

  private void recordAt(String instant, long amount) {
    clock.set(instant);
    quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, amount, UsageKey.of(UUID.randomUUID().toString())));
  }

  private static List<Instant> localDays(ZoneId zone, Instant first, int days) {
    List<Instant> edges = new ArrayList<>();
    ZonedDateTime day = first.atZone(zone).toLocalDate().atStartOfDay(zone);
    for (int i = 0; i <= days; i++) {
      edges.add(day.plusDays(i).toInstant());
    }
    return edges;
  }

  /** Sums per bucket read straight from the ledger and the archive, one statement per bucket. */
  private List<Long> directSums(List<Instant> edges) {
    List<Long> sums = new ArrayList<>();
    for (int i = 0; i + 1 < edges.size(); i++) {
      BigDecimal ledger = dsl.select(DSL.sum(USAGE_LEDGER.AMOUNT)).from(USAGE_LEDGER)
          .where(USAGE_LEDGER.TENANT_ID.eq(tenant.value()), USAGE_LEDGER.METER.eq(Meter.AI_TOKENS.name()),
              USAGE_LEDGER.OCCURRED_AT.ge(edges.get(i)), USAGE_LEDGER.OCCURRED_AT.lt(edges.get(i + 1)))
          .fetchOne(0, BigDecimal.class);
      BigDecimal archive = dsl.select(DSL.sum(USAGE_ARCHIVE.AMOUNT)).from(USAGE_ARCHIVE)
          .where(USAGE_ARCHIVE.TENANT_ID.eq(tenant.value()), USAGE_ARCHIVE.METER.eq(Meter.AI_TOKENS.name()),
              USAGE_ARCHIVE.OCCURRED_AT.ge(edges.get(i)), USAGE_ARCHIVE.OCCURRED_AT.lt(edges.get(i + 1)))
          .fetchOne(0, BigDecimal.class);
      sums.add((ledger == null ? 0 : ledger.longValueExact()) + (archive == null ? 0 : archive.longValueExact()));
    }
    return sums;
  }

  private List<Instant> storedDays() {
    return dsl.select(USAGE_ROLLUP.DAY).from(USAGE_ROLLUP).where(USAGE_ROLLUP.TENANT_ID.eq(tenant.value()))
        .orderBy(USAGE_ROLLUP.DAY).fetch(USAGE_ROLLUP.DAY);
  }

  private static List<Instant> utcDays(String first, int days) {
    List<Instant> list = new ArrayList<>();
    for (int i = 0; i < days; i++) {
      list.add(Instant.parse(first).plus(Duration.ofDays(i)));
    }
    return list;
  }

  @Test
  void storedDaysGiveTheLedgersSumsByDayInSeveralZonesAndByTheHour() {
    recordSpread(2_000);
    List<List<Instant>> ranges = List.of(localDays(NEW_YORK, FIRST_DAY, DAYS),
        localDays(ZoneId.of("Asia/Kolkata"), FIRST_DAY.plus(Duration.ofDays(1)), DAYS - 2),
        localDays(ZoneId.of("Asia/Kathmandu"), FIRST_DAY.plus(Duration.ofDays(1)), DAYS - 2),
        localDays(ZoneId.of("Australia/Eucla"), FIRST_DAY.plus(Duration.ofDays(1)), DAYS - 2));
    List<Instant> hours = new ArrayList<>();
    for (int h = 0; h <= 30; h++) {
      hours.add(Instant.parse("2026-11-01T03:45:00Z").plus(Duration.ofHours(h))); // hours of a +05:45 zone
    }
    UsageHistoryQuery query = queryAt(LATER);

    for (List<Instant> edges : ranges) {
      assertThat(query.sums(tenant, Meter.AI_TOKENS, edges)).as("first read %s", edges.get(0))
          .isEqualTo(directSums(edges));
    }
    assertThat(storedDays()).as("every UTC day the ranges touch").isEqualTo(utcDays("2026-10-29T00:00:00Z", 9));
    for (List<Instant> edges : ranges) {
      assertThat(query.sums(tenant, Meter.AI_TOKENS, edges)).as("stored read %s", edges.get(0))
          .isEqualTo(directSums(edges));
    }
    assertThat(query.sums(tenant, Meter.AI_TOKENS, hours)).isEqualTo(directSums(hours));
    assertThat(directSums(hours).stream().mapToLong(Long::longValue).sum()).as("the hours hold usage").isPositive();
  }

  @Test
  void aStoredDayIsReadFromTheRollUpNotFromTheLedger() {
    recordAt("2026-11-02T15:00:00Z", 5);
    List<Instant> edges = List.of(Instant.parse("2026-11-02T00:00:00Z"), Instant.parse("2026-11-03T00:00:00Z"));
    UsageHistoryQuery query = queryAt(LATER);
    assertThat(query.sums(tenant, Meter.AI_TOKENS, edges)).containsExactly(5L);

    // an entry written into the stored day behind the store's back (never done by quota: the ledger is not
    // back-dated) stays out until the day's row is deleted, which is always safe
    dsl.insertInto(USAGE_LEDGER, USAGE_LEDGER.TENANT_ID, USAGE_LEDGER.METER, USAGE_LEDGER.USAGE_KEY,
            USAGE_LEDGER.AMOUNT, USAGE_LEDGER.OCCURRED_AT, USAGE_LEDGER.PERIOD_START, USAGE_LEDGER.PERIOD_END)
        .values(tenant.value(), Meter.AI_TOKENS.name(), "late", 7L, Instant.parse("2026-11-02T16:00:00Z"),
            Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-12-01T00:00:00Z"))
        .execute();
    assertThat(query.sums(tenant, Meter.AI_TOKENS, edges)).containsExactly(5L);

    dsl.deleteFrom(USAGE_ROLLUP).where(USAGE_ROLLUP.TENANT_ID.eq(tenant.value())).execute();
    assertThat(query.sums(tenant, Meter.AI_TOKENS, edges)).containsExactly(12L);
  }

  @Test
  void aDayIsStoredOnlyOnceTheMarginHasPassedSinceItsEnd() {
    recordAt("2026-11-02T23:59:59.999999Z", 3);
    Instant dayEnd = Instant.parse("2026-11-03T00:00:00Z");
    List<Instant> edges = localDays(NEW_YORK, Instant.parse("2026-11-02T12:00:00Z"), 1); // 05:00Z to 05:00Z

    assertThat(queryAt(dayEnd.plus(UsageHistoryQuery.CLOSED_AFTER).minusNanos(1_000))
        .sums(tenant, Meter.AI_TOKENS, edges)).containsExactly(3L);
    assertThat(storedDays()).as("the day just within the margin").isEqualTo(utcDays("2026-11-02T00:00:00Z", 0));

    assertThat(queryAt(dayEnd.plus(UsageHistoryQuery.CLOSED_AFTER)).sums(tenant, Meter.AI_TOKENS, edges))
        .containsExactly(3L);
    assertThat(storedDays()).as("the margin passed").isEqualTo(utcDays("2026-11-02T00:00:00Z", 1));
  }

  @Test
  void openDaysAreNeverStoredAndTheirUsageIsCountedFromTheLedger() {
    recordAt("2026-11-02T10:00:00Z", 1);
    recordAt("2026-11-03T10:00:00Z", 2);
    recordAt("2026-11-04T10:00:00Z", 4);
    List<Instant> edges = localDays(NEW_YORK, Instant.parse("2026-11-02T12:00:00Z"), 3);
    Instant now = Instant.parse("2026-11-04T11:00:00Z"); // the 4th is open, the 3rd closed, 2nd too

    assertThat(queryAt(now).sums(tenant, Meter.AI_TOKENS, edges)).containsExactly(1L, 2L, 4L);
    assertThat(queryAt(now).sums(tenant, Meter.AI_TOKENS, edges)).containsExactly(1L, 2L, 4L);
    assertThat(storedDays()).isEqualTo(utcDays("2026-11-02T00:00:00Z", 2));

    recordAt("2026-11-04T12:00:00Z", 8);
    assertThat(queryAt(Instant.parse("2026-11-04T13:00:00Z")).sums(tenant, Meter.AI_TOKENS, edges))
        .containsExactly(1L, 2L, 12L);
    assertThat(storedDays()).isEqualTo(utcDays("2026-11-02T00:00:00Z", 2));
  }

  @Test
  void aPurgeDeletesTheRollUpFromItsDayOnAndTheNextReadSumsWhatIsLeft() {
    recordSpread(300);
    List<Instant> edges = localDays(NEW_YORK, FIRST_DAY, DAYS);
    UsageHistoryQuery query = queryAt(LATER);
    List<Long> before = query.sums(tenant, Meter.AI_TOKENS, edges);
    assertThat(storedDays()).hasSize(9);

    clock.set("2026-11-20T00:00:00Z");
    Instant since = Instant.parse("2026-11-02T13:30:00Z");
    quota.admin().purgeUsage(tenant, since, new PurgeConfirmation(tenant.value()), Actor.of("ops@example.com"),
        "erasure request");

    assertThat(storedDays()).as("the days before the purged one stay")
        .isEqualTo(utcDays("2026-10-29T00:00:00Z", 4));
    List<Long> after = query.sums(tenant, Meter.AI_TOKENS, edges);
    assertThat(after).isEqualTo(directSums(edges)).isNotEqualTo(before);
    assertThat(after.subList(0, 4)).isEqualTo(before.subList(0, 4));
    assertThat(after.subList(5, DAYS)).containsOnly(0L);
  }

  @Test
  void archivingChangesNoSumStoredOrNot() {
    recordSpread(300);
    List<Instant> edges = localDays(NEW_YORK, FIRST_DAY, DAYS);
    UsageHistoryQuery query = queryAt(LATER);
    List<Long> before = query.sums(tenant, Meter.AI_TOKENS, edges);

    assertThat(store.archiveUsage(tenant, Instant.parse("2026-11-02T13:30:00Z"))).isPositive();

    assertThat(query.sums(tenant, Meter.AI_TOKENS, edges)).isEqualTo(before);
    dsl.deleteFrom(USAGE_ROLLUP).where(USAGE_ROLLUP.TENANT_ID.eq(tenant.value())).execute();
    assertThat(query.sums(tenant, Meter.AI_TOKENS, edges)).isEqualTo(before).isEqualTo(directSums(edges));
  }

  @Test
  void bucketsOffTheQuarterHoursAreReadFromTheLedgerAndStoreNothing() {
    recordSpread(300);
    // Amsterdam's local mean time (+00:19:32) until 1937 gives such edges; any instant off the grid does
    List<Instant> edges = List.of(Instant.parse("2026-10-29T00:19:32Z"), Instant.parse("2026-10-30T00:19:32Z"),
        Instant.parse("2026-10-31T00:19:32Z"));

    assertThat(queryAt(LATER).sums(tenant, Meter.AI_TOKENS, edges)).isEqualTo(directSums(edges));
    assertThat(storedDays()).isEmpty();
  }

  @Test
  void concurrentFirstReadsOfTheSameDaysAgreeAndStoreEachDayOnce() throws Exception {
    recordSpread(500);
    List<Instant> edges = localDays(NEW_YORK, FIRST_DAY, DAYS);
    List<Long> expected = directSums(edges);
    int readers = 4;
    CyclicBarrier start = new CyclicBarrier(readers);
    ExecutorService pool = Executors.newFixedThreadPool(readers);
    List<Callable<List<Long>>> work = new ArrayList<>();
    for (int r = 0; r < readers; r++) {
      work.add(() -> {
        start.await(30, TimeUnit.SECONDS);
        return queryAt(LATER).sums(tenant, Meter.AI_TOKENS, edges);
      });
    }
    try {
      // invokeAll cancels what has not finished within the bound; get() then throws rather than waits
      for (Future<List<Long>> f : pool.invokeAll(work, 60, TimeUnit.SECONDS)) {
        assertThat(f.get()).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(storedDays()).isEqualTo(utcDays("2026-10-29T00:00:00Z", 9));
  }
}

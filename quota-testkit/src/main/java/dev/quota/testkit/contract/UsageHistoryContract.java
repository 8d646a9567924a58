package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.TierCatalogue;
import dev.quota.admin.HistoryGranularity;
import dev.quota.admin.PurgeConfirmation;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.UsageHistory;
import dev.quota.admin.UsageHistory.Bucket;
import dev.quota.period.PeriodPolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Usage history: a tenant's usage on a meter summed per local day or hour of the catalogue's zone, every bucket
 * present (0 without usage), aligned to the zone's midnights and hours across summer-time changes, each entry in
 * exactly one bucket (one at an edge starts the later bucket), other tenants and meters never counted.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.UsageHistories}.
 */
public abstract class UsageHistoryContract extends ContractFixture {
  /** Clocks go back on 2026-11-01 at 02:00 local time here: that local day is 25 hours long. */
  static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected UsageHistoryContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    Quota quota = quota(catalogue(NEW_YORK));
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("history");
  }

  private static TierCatalogue catalogue(ZoneId zone) {
    return TierCatalogue.builder()
        .meter(AI_TOKENS, PeriodPolicy.calendarMonth())
        .meter(AI_CALLS, PeriodPolicy.calendarDay(ZoneOffset.UTC))
        .tier(METERED, Map.of(AI_TOKENS, TierCatalogue.UNLIMITED, AI_CALLS, TierCatalogue.UNLIMITED))
        .defaultTier(METERED)
        .zone(zone)
        .build();
  }

  /** Records {@code amount} tokens at an instant, by moving the clock there. */
  private void useAt(String instant, long amount) {
    useAt(tenant, AI_TOKENS, instant, amount);
  }

  private void useAt(TenantId who, Meter meter, String instant, long amount) {
    clock().set(instant);
    use(guard, who, meter, amount);
  }

  private UsageHistory days(String from, String to) {
    return admin.usageHistory(tenant, AI_TOKENS, Instant.parse(from), Instant.parse(to), HistoryGranularity.DAY);
  }

  private static List<Long> used(UsageHistory history) {
    return history.buckets().stream().map(Bucket::used).toList();
  }

  @Test
  void everyDayOfTheRangeIsPresentWithZeroWhenUnused() {
    useAt("2026-11-24T15:00:00Z", 100);

    UsageHistory history = days("2026-11-22T05:00:00Z", "2026-11-26T05:00:00Z");

    assertThat(history.zone()).isEqualTo(NEW_YORK);
    assertThat(history.granularity()).isEqualTo(HistoryGranularity.DAY);
    assertThat(used(history)).containsExactly(0L, 0L, 100L, 0L);
    assertThat(history.total()).isEqualTo(100);
  }

  @Test
  void daysStartAtMidnightInTheCataloguesZone() {
    // 02:30 UTC on the 25th is 21:30 on the 24th in New York
    useAt("2026-11-25T02:30:00Z", 7);

    UsageHistory history = days("2026-11-24T05:00:00Z", "2026-11-26T05:00:00Z");

    assertThat(history.buckets()).extracting(Bucket::start)
        .containsExactly(Instant.parse("2026-11-24T05:00:00Z"), Instant.parse("2026-11-25T05:00:00Z"));
    assertThat(used(history)).containsExactly(7L, 0L);
  }

  @Test
  void aRangeIsWidenedToWholeDays() {
    useAt("2026-11-24T06:00:00Z", 3);

    UsageHistory history = days("2026-11-24T18:00:00Z", "2026-11-24T19:00:00Z");

    assertThat(history.buckets()).containsExactly(
        new Bucket(Instant.parse("2026-11-24T05:00:00Z"), Instant.parse("2026-11-25T05:00:00Z"), 3));
  }

  @Test
  void theDayClocksGoBackIs25HoursLongAndTheDayBeforeIs24() {
    useAt("2026-11-01T04:00:00Z", 1);  // 00:00 local (EDT): the first instant of November 1st
    useAt("2026-11-02T04:59:59.999Z", 2); // 23:59:59.999 local (EST): its last millisecond
    useAt("2026-11-02T05:00:00Z", 4);  // 00:00 local: the next day

    UsageHistory history = days("2026-10-31T04:00:00Z", "2026-11-03T05:00:00Z");

    assertThat(history.buckets()).extracting(b -> Duration.between(b.start(), b.end()))
        .containsExactly(Duration.ofHours(24), Duration.ofHours(25), Duration.ofHours(24));
    assertThat(used(history)).containsExactly(0L, 3L, 4L);
  }

  @Test
  void theDayClocksGoForwardIs23HoursLong() {
    // New York moves its clocks forward on 2027-03-14; the history reads only edges there, no usage
    UsageHistory history = days("2027-03-13T05:00:00Z", "2027-03-15T04:00:00Z");

    assertThat(history.buckets()).extracting(b -> Duration.between(b.start(), b.end()))
        .containsExactly(Duration.ofHours(24), Duration.ofHours(23));
    assertThat(used(history)).containsExactly(0L, 0L);
  }

  @Test
  void anEntryAtABucketEdgeCountsInTheLaterBucket() {
    useAt("2026-11-25T04:59:59.999Z", 10);
    useAt("2026-11-25T05:00:00Z", 20);
    useAt("2026-11-26T04:59:59.999Z", 40);
    useAt("2026-11-26T05:00:00Z", 80); // after the range

    UsageHistory history = days("2026-11-24T05:00:00Z", "2026-11-26T05:00:00Z");

    assertThat(used(history)).containsExactly(10L, 60L);
  }

  @Test
  void hoursAreWholeHoursAndTheRepeatedLocalHourIsTwoBuckets() {
    useAt("2026-11-01T05:15:00Z", 1); // 01:15 EDT
    useAt("2026-11-01T06:15:00Z", 2); // 01:15 EST: the same local time an hour later
    useAt("2026-11-01T07:00:00Z", 4); // 02:00 EST, at an edge

    UsageHistory history = admin.usageHistory(tenant, AI_TOKENS, Instant.parse("2026-11-01T05:00:00Z"),
        Instant.parse("2026-11-01T08:00:00Z"), HistoryGranularity.HOUR);

    assertThat(history.buckets()).extracting(Bucket::start).containsExactly(Instant.parse("2026-11-01T05:00:00Z"),
        Instant.parse("2026-11-01T06:00:00Z"), Instant.parse("2026-11-01T07:00:00Z"));
    assertThat(used(history)).containsExactly(1L, 2L, 4L);
  }

  @Test
  void otherTenantsAndMetersAreNotCounted() {
    TenantId other = newTenant("other");
    useAt("2026-11-24T15:00:00Z", 100);
    useAt(other, AI_TOKENS, "2026-11-24T15:00:00Z", 1_000);
    useAt(tenant, AI_CALLS, "2026-11-24T15:00:00Z", 10_000);

    assertThat(used(days("2026-11-24T05:00:00Z", "2026-11-25T05:00:00Z"))).containsExactly(100L);
  }

  @Test
  void usageOfSeveralPeriodsIsSummedByWhenItOccurred() {
    useAt("2026-11-30T12:00:00Z", 5);
    useAt("2026-12-01T12:00:00Z", 6); // the next monthly period

    assertThat(used(days("2026-11-30T05:00:00Z", "2026-12-02T05:00:00Z"))).containsExactly(5L, 6L);
  }

  @Test
  void aPurgeTakesItsUsageOutOfDaysReadBefore() {
    useAt("2026-11-23T15:00:00Z", 100);
    useAt("2026-11-24T15:00:00Z", 200);
    useAt("2026-11-24T20:00:00Z", 400);
    assertThat(used(days("2026-11-23T05:00:00Z", "2026-11-25T05:00:00Z"))).containsExactly(100L, 600L);

    admin.purgeUsage(tenant, Instant.parse("2026-11-24T18:00:00Z"), new PurgeConfirmation(tenant.value()),
        QuotaStoreContract.OPERATOR, "erasure request");

    assertThat(used(days("2026-11-23T05:00:00Z", "2026-11-25T05:00:00Z"))).containsExactly(100L, 200L);
  }

  @Test
  void aSecondReadOfTheSameDaysGivesTheSameSumsInAnyZoneAndByTheHour() {
    // India is 5:30 ahead of UTC, Nepal 5:45: their midnights and hours fall on quarter-hours of UTC
    useAt("2026-11-23T18:29:59.999Z", 1); // 23:59:59.999 in India, 00:14:59.999 on the 24th in Nepal
    useAt("2026-11-23T18:30:00Z", 2);     // midnight in India
    useAt("2026-11-23T18:45:00Z", 4);     // 00:30 in Nepal, whose hours start at a quarter past in UTC
    useAt("2026-11-24T10:00:00Z", 8);
    for (ZoneId zone : List.of(ZoneId.of("Asia/Kolkata"), ZoneId.of("Asia/Kathmandu"))) {
      QuotaAdmin zoned = quota(catalogue(zone)).admin();
      Instant from = Instant.parse("2026-11-22T12:00:00Z");
      Instant to = Instant.parse("2026-11-25T12:00:00Z");
      UsageHistory first = zoned.usageHistory(tenant, AI_TOKENS, from, to, HistoryGranularity.DAY);
      UsageHistory second = zoned.usageHistory(tenant, AI_TOKENS, from, to, HistoryGranularity.DAY);
      assertThat(second).as("%s", zone).isEqualTo(first);
      assertThat(first.total()).isEqualTo(15);
    }
    QuotaAdmin india = quota(catalogue(ZoneId.of("Asia/Kolkata"))).admin();
    assertThat(used(india.usageHistory(tenant, AI_TOKENS, Instant.parse("2026-11-23T12:00:00Z"),
        Instant.parse("2026-11-24T12:00:00Z"), HistoryGranularity.DAY))).containsExactly(1L, 14L);
    QuotaAdmin nepal = quota(catalogue(ZoneId.of("Asia/Kathmandu"))).admin();
    for (int read = 0; read < 2; read++) {
      UsageHistory hours = nepal.usageHistory(tenant, AI_TOKENS, Instant.parse("2026-11-23T18:15:00Z"),
          Instant.parse("2026-11-23T20:15:00Z"), HistoryGranularity.HOUR);
      assertThat(hours.buckets()).extracting(Bucket::start)
          .containsExactly(Instant.parse("2026-11-23T18:15:00Z"), Instant.parse("2026-11-23T19:15:00Z"));
      assertThat(used(hours)).containsExactly(7L, 0L);
    }
  }

  @Test
  void theMostBucketsOfEachGranularityAreAccepted() {
    Instant from = Instant.parse("2026-01-01T05:00:00Z");
    assertThat(admin.usageHistory(tenant, AI_TOKENS, from, from.atZone(NEW_YORK).plusDays(366).toInstant(),
        HistoryGranularity.DAY).buckets()).hasSize(HistoryGranularity.MAX_DAYS);
    assertThat(admin.usageHistory(tenant, AI_TOKENS, from, from.plus(Duration.ofHours(168)),
        HistoryGranularity.HOUR).buckets()).hasSize(HistoryGranularity.MAX_HOURS);
  }

  @Test
  void aRangeOfTooManyBucketsIsRejected() {
    Instant from = Instant.parse("2026-01-01T05:00:00Z");

    assertRejected("to", () -> admin.usageHistory(tenant, AI_TOKENS, from,
        from.atZone(NEW_YORK).plusDays(366).toInstant().plusMillis(1), HistoryGranularity.DAY));
    assertRejected("to", () -> admin.usageHistory(tenant, AI_TOKENS, from,
        from.plus(Duration.ofHours(168)).plusMillis(1), HistoryGranularity.HOUR));
  }

  @Test
  void anEmptyOrBackwardRangeOrAnUnknownMeterIsRejected() {
    Instant at = Instant.parse("2026-11-24T05:00:00Z");

    assertRejected("to", () -> admin.usageHistory(tenant, AI_TOKENS, at, at, HistoryGranularity.DAY));
    assertRejected("to", () -> admin.usageHistory(tenant, AI_TOKENS, at, at.minusSeconds(1), HistoryGranularity.DAY));
    assertRejected("meter", () -> admin.usageHistory(tenant, Meter.of("gpu-seconds"), at, at.plusSeconds(1),
        HistoryGranularity.DAY));
  }
}

package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.Tier.FREE;
import static dev.quota.Tier.PRO;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.RecordResult;
import dev.quota.TenantId;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.Verification;
import java.time.ZoneId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Periods: usage resets at the period's end, which the library computes, not the clock's zone.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.Periods}.
 */
public abstract class PeriodsContract extends ContractFixture {
  private Quota quota;
  private QuotaGuard guard;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected PeriodsContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    quota = quota();
    guard = quota.guard();
    tenant = newTenant("periods");
  }

  @Test
  void usageResetsAtTheStartOfTheNextCalendarMonth() {
    use(guard, tenant, 100_000);
    assertThat(guard.canProceed(tenant)).isFalse();

    clock().set(DECEMBER_START.minusMillis(1));
    assertThat(guard.canProceed(tenant)).as("a millisecond before December").isFalse();

    clock().set(DECEMBER_START);
    assertThat(guard.canProceed(tenant)).as("at December's first instant").isTrue();
    assertThat(guard.usage(tenant)).hasUsed(0).hasPeriod(DECEMBER).hasRemaining(100_000);
  }

  @Test
  void usageAtThePeriodsEndCountsInTheNextPeriod() {
    clock().set(DECEMBER_START.minusMillis(1));
    RecordResult november = use(guard, tenant, 700);
    clock().set(DECEMBER_START);
    RecordResult december = use(guard, tenant, 300);

    assertThat(november.period()).isEqualTo(NOVEMBER);
    assertThat(december.period()).isEqualTo(DECEMBER);
    assertThat(december.usedInPeriod()).isEqualTo(300);
    assertThat(guard.usage(tenant)).hasUsed(300);
  }

  @Test
  void monthBoundaryIsUtcForAClockEastOfUtc() {
    // UTC+14: at 12:00 UTC on November 30 it is already December 1 on this clock's calendar.
    QuotaGuard kiritimati = quotaBuilder().clock(clock().withZone(ZoneId.of("Pacific/Kiritimati"))).build().guard();
    clock().set("2026-11-30T12:00:00Z");

    RecordResult result = use(kiritimati, tenant, 100_000);

    assertThat(result.period()).isEqualTo(NOVEMBER);
    assertThat(kiritimati.usage(tenant)).hasPeriod(NOVEMBER).isBlocked();
    clock().set(DECEMBER_START);
    assertThat(kiritimati.usage(tenant)).hasPeriod(DECEMBER).hasUsed(0).isNotBlocked();
  }

  @Test
  void monthBoundaryIsUtcForAClockWestOfUtc() {
    // UTC-10: at 05:00 UTC on December 1 it is still November 30 on this clock's calendar.
    QuotaGuard honolulu = quotaBuilder().clock(clock().withZone(ZoneId.of("Pacific/Honolulu"))).build().guard();
    use(honolulu, tenant, 100_000);
    clock().set("2026-12-01T05:00:00Z");

    assertThat(honolulu.usage(tenant)).hasPeriod(DECEMBER).hasUsed(0).isNotBlocked();
    assertThat(honolulu.canProceed(tenant)).isTrue();
  }

  @Test
  void billingDayAnchorsTheMonthlyPeriod() {
    quota.admin().setPlan(tenant, Plan.of(PRO, 15), OPERATOR, REASON);
    use(guard, tenant, 1_000_000);

    assertThat(guard.usage(tenant)).hasPeriod(period("2026-11-15T00:00:00Z", "2026-12-15T00:00:00Z")).isBlocked();
    clock().set(DECEMBER_START);
    assertThat(guard.usage(tenant)).as("December 1 is mid-period for billing day 15").isBlocked();
    clock().set("2026-12-15T00:00:00Z");
    assertThat(guard.usage(tenant)).hasPeriod(period("2026-12-15T00:00:00Z", "2027-01-15T00:00:00Z")).hasUsed(0)
        .isNotBlocked();
  }

  @Test
  void billingDayThirtyOneStartsFebruarysPeriodOnItsLastDay() {
    clock().set("2026-02-10T09:00:00Z");
    quota.admin().setPlan(tenant, Plan.of(FREE, 31), OPERATOR, REASON);
    use(guard, tenant, 100_000);

    assertThat(guard.usage(tenant)).hasPeriod(period("2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z")).isBlocked();
    clock().set("2026-02-28T00:00:00Z");
    assertThat(guard.usage(tenant)).hasPeriod(period("2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z")).hasUsed(0)
        .isNotBlocked();
  }

  @Test
  void billingDayLeavesDailyMetersOnCalendarDays() {
    Quota twoMeters = quota(tokensAndDailyCalls());

    twoMeters.admin().setPlan(tenant, Plan.of(PRO, 15), OPERATOR, REASON);

    assertThat(twoMeters.guard().usage(tenant, AI_CALLS))
        .hasPeriod(period("2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z"));
    assertThat(twoMeters.guard().usage(tenant, AI_TOKENS))
        .hasPeriod(period("2026-11-15T00:00:00Z", "2026-12-15T00:00:00Z"));
  }

  @Test
  void dailyMeterResetsEachDayWhileTheMonthlyMeterKeepsCounting() {
    QuotaGuard twoMeters = quota(tokensAndDailyCalls()).guard();
    use(twoMeters, tenant, AI_CALLS, 50);
    use(twoMeters, tenant, AI_TOKENS, 8_000);
    assertThat(twoMeters.usage(tenant, AI_CALLS)).isBlocked();

    clock().set("2026-11-26T00:00:00Z");

    assertThat(twoMeters.usage(tenant, AI_CALLS)).hasUsed(0).isNotBlocked()
        .hasPeriod(period("2026-11-26T00:00:00Z", "2026-11-27T00:00:00Z"));
    assertThat(twoMeters.usage(tenant, AI_TOKENS)).hasUsed(8_000);
  }

  @Test
  void usageOfEndedPeriodsStaysInTheLedger() {
    use(guard, tenant, 70_000);
    clock().set(DECEMBER_START);
    use(guard, tenant, 5_000);

    Verification verification = quota.admin().verify(tenant);

    assertThat(verification.checks()).containsExactly(
        new CounterCheck(AI_TOKENS, NOVEMBER, 70_000, 70_000),
        new CounterCheck(AI_TOKENS, DECEMBER, 5_000, 5_000));
    assertThat(guard.usage(tenant)).hasUsed(5_000);
  }
}

package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.Tier.ENTERPRISE;
import static dev.quota.Tier.PRO;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static dev.quota.testkit.contract.QuotaStoreContract.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.Decision.Reason;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.UsageReport.TierSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Limits per tier and meter: who may proceed, and what decisions and reports say.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.Limits}.
 */
public abstract class LimitsContract extends ContractFixture {
  private Quota quota;
  private QuotaGuard guard;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected LimitsContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    quota = quota();
    guard = quota.guard();
    tenant = newTenant("limits");
  }

  @ParameterizedTest(name = "{0} allows {1} tokens a month")
  @CsvSource({"free, 100000", "pro, 1000000", "enterprise, 10000000"})
  void eachDefaultTierHasItsMonthlyLimit(String tierName, long limit) {
    quota.admin().setPlan(tenant, Plan.of(Tier.of(tierName)), OPERATOR, REASON);

    assertThat(guard.usage(tenant)).hasEffectiveTier(Tier.of(tierName)).hasTierSource(TierSource.PLAN)
        .hasLimit(limit).hasUsed(0).hasRemaining(limit).isNotBlocked();
  }

  @ParameterizedTest(name = "{0}: {1} - 1 tokens used")
  @CsvSource({"free, 100000", "pro, 1000000", "enterprise, 10000000"})
  void usageBelowTheLimitProceeds(String tierName, long limit) {
    quota.admin().setPlan(tenant, Plan.of(Tier.of(tierName)), OPERATOR, REASON);
    use(guard, tenant, limit - 1);

    assertThat(guard.canProceed(tenant)).isTrue();
    assertThat(guard.usage(tenant)).hasUsed(limit - 1).hasRemaining(1).isNotBlocked();
  }

  @ParameterizedTest(name = "{0}: {1} tokens used")
  @CsvSource({"free, 100000", "pro, 1000000", "enterprise, 10000000"})
  void usageAtExactlyTheLimitBlocks(String tierName, long limit) {
    quota.admin().setPlan(tenant, Plan.of(Tier.of(tierName)), OPERATOR, REASON);
    use(guard, tenant, limit);

    assertThat(guard.canProceed(tenant)).isFalse();
    assertThat(guard.usage(tenant)).hasUsed(limit).hasRemaining(0).isBlocked();
    assertThat(guard.check(tenant, AI_TOKENS, 1)).isDenied().hasReason(Reason.INSUFFICIENT_BALANCE);
  }

  @Test
  void usageBeyondTheLimitIsReportedInFull() {
    use(guard, tenant, 102_500);

    assertThat(guard.usage(tenant)).hasUsed(102_500).hasLimit(100_000).hasRemaining(0).isBlocked();
  }

  @Test
  void checkWithinTheBalanceIsAllowedAndTellsTheStanding() {
    use(guard, tenant, 40_000);

    Decision decision = guard.check(tenant, AI_TOKENS, 30_000);

    assertThat(decision).isAllowed().hasReason(Reason.WITHIN_BALANCE).hasRequested(30_000).hasRemaining(60_000)
        .isNotShadowed();
    assertThat(decision.tenant()).isEqualTo(tenant);
    assertThat(decision.meter()).isEqualTo(AI_TOKENS);
    assertThat(decision).report().hasUsed(40_000).hasLimit(100_000);
  }

  @Test
  void checkBeyondTheBalanceIsDenied() {
    use(guard, tenant, 90_000);

    assertThat(guard.check(tenant, AI_TOKENS, 20_000)).isDenied().hasReason(Reason.INSUFFICIENT_BALANCE)
        .hasRequested(20_000).hasRemaining(10_000).isNotShadowed();
  }

  @Test
  void checkConsumesNothing() {
    for (int i = 0; i < 3; i++) {
      assertThat(guard.check(tenant, AI_TOKENS, 50_000)).isAllowed();
    }

    assertThat(guard.usage(tenant)).hasUsed(0).hasReserved(0);
  }

  @Test
  void consumeUpToExactlyTheLimitSucceeds() {
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 60_000, UsageKey.of("first"))).isConsumed().isAllowed();
    ConsumeResult last = guard.tryConsume(tenant, AI_TOKENS, 40_000, UsageKey.of("second"));

    assertThat(last).isConsumed().decision().isAllowed().hasReason(Reason.WITHIN_BALANCE).hasRemaining(0);
    assertThat(guard.usage(tenant)).hasUsed(100_000).isBlocked();
  }

  @Test
  void consumeBeyondTheBalanceIsDeniedAndWritesNothing() {
    guard.tryConsume(tenant, AI_TOKENS, 60_000, UsageKey.of("first"));

    ConsumeResult denied = guard.tryConsume(tenant, AI_TOKENS, 40_001, UsageKey.of("second"));

    assertThat(denied).isDenied().decision().isDenied().hasReason(Reason.INSUFFICIENT_BALANCE).hasRemaining(40_000);
    assertThat(guard.usage(tenant)).hasUsed(60_000);
    assertThat(quota.admin().verify(tenant).consistent()).isTrue();
  }

  @Test
  void reportDescribesTheTenantsStanding() {
    quota.admin().setPlan(tenant, Plan.of(PRO), OPERATOR, REASON);
    use(guard, tenant, 250_000);

    UsageReport report = guard.usage(tenant);

    assertThat(report).hasTenant(tenant).hasMeter(AI_TOKENS).hasPlannedTier(PRO).hasEffectiveTier(PRO)
        .hasTierSource(TierSource.PLAN).hasLimit(1_000_000).hasGranted(0).hasUsed(250_000).hasReserved(0)
        .hasRemaining(750_000).hasPeriod(NOVEMBER).resetsAt(DECEMBER_START).isNotBlocked().isNotBypassed();
    assertThat(report.asOf()).isEqualTo(START);
    assertThat(report.percentUsed()).isEqualTo(25.0);
    assertThat(report.activeEntitlements()).isEmpty();
  }

  @Test
  void eachMeterHasItsOwnLimitAndPeriod() {
    QuotaGuard twoMeters = quota(tokensAndDailyCalls()).guard();

    assertThat(twoMeters.usage(tenant, AI_TOKENS)).hasLimit(100_000).hasPeriod(NOVEMBER);
    assertThat(twoMeters.usage(tenant, AI_CALLS)).hasLimit(50)
        .hasPeriod(period("2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z"));
  }

  @Test
  void usageOnOneMeterLeavesAnotherAlone() {
    QuotaGuard twoMeters = quota(tokensAndDailyCalls()).guard();
    use(twoMeters, tenant, AI_CALLS, 50);

    assertThat(twoMeters.usage(tenant, AI_CALLS)).hasUsed(50).isBlocked();
    assertThat(twoMeters.usage(tenant, AI_TOKENS)).hasUsed(0).isNotBlocked();
    assertThat(twoMeters.check(tenant, AI_TOKENS, 1_000)).isAllowed();
  }

  @Test
  void canProceedChecksTheFirstDeclaredMeter() {
    QuotaGuard twoMeters = quota(tokensAndDailyCalls()).guard();
    use(twoMeters, tenant, AI_CALLS, 50);

    assertThat(twoMeters.canProceed(tenant)).as("calls exhausted, tokens left").isTrue();

    use(twoMeters, tenant, AI_TOKENS, 100_000);
    assertThat(twoMeters.canProceed(tenant)).as("tokens exhausted").isFalse();
  }

  @Test
  void unlimitedMeterNeverBlocks() {
    Quota twoMeters = quota(tokensAndDailyCalls());
    twoMeters.admin().setPlan(tenant, Plan.of(ENTERPRISE), OPERATOR, REASON);
    use(twoMeters.guard(), tenant, AI_CALLS, 1_000_000);

    assertThat(twoMeters.guard().usage(tenant, AI_CALLS)).hasLimit(TierCatalogue.UNLIMITED).hasUsed(1_000_000)
        .isNotBlocked();
    assertThat(twoMeters.guard().check(tenant, AI_CALLS, 1_000_000_000_000L)).isAllowed();
    assertThat(twoMeters.guard().tryConsume(tenant, AI_CALLS, 5_000_000, UsageKey.of("bulk"))).isConsumed();
  }

  @Test
  void usageOfOneTenantDoesNotCountForAnother() {
    TenantId other = newTenant("neighbour");
    use(guard, tenant, 100_000);

    assertThat(guard.usage(other)).hasUsed(0).isNotBlocked();
    assertThat(guard.canProceed(other)).isTrue();
  }
}

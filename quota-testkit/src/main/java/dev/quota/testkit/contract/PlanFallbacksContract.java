package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.Tier.FREE;
import static dev.quota.Tier.PRO;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Decision.Reason;
import dev.quota.Plan;
import dev.quota.PlanFallback;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.TierCatalogue;
import dev.quota.UsageKey;
import dev.quota.UsageReport.TierSource;
import dev.quota.period.PeriodPolicy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tenants without a usable plan: the guard and the report always agree about them.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.PlanFallbacks}.
 */
public abstract class PlanFallbacksContract extends ContractFixture {
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected PlanFallbacksContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    tenant = newTenant("fallback");
  }

  /** Puts the tenant on the {@code legacy} tier through a catalogue that still has it. */
  private void planOnARetiredTier() {
    TierCatalogue withLegacy = TierCatalogue.builder()
        .meter(AI_TOKENS, PeriodPolicy.calendarMonth())
        .tier(FREE, Map.of(AI_TOKENS, 100_000L))
        .tier(LEGACY, Map.of(AI_TOKENS, 500_000L))
        .defaultTier(FREE)
        .build();
    quota(withLegacy).admin().setPlan(tenant, Plan.of(LEGACY), OPERATOR, REASON);
  }

  @Test
  void tenantWithoutPlanGetsTheDefaultTierInTheGuard() {
    QuotaGuard guard = quota().guard();

    assertThat(guard.check(tenant, AI_TOKENS, 100_000)).isAllowed();
    assertThat(guard.check(tenant, AI_TOKENS, 100_001)).isDenied().hasReason(Reason.INSUFFICIENT_BALANCE);
  }

  @Test
  void tenantWithoutPlanGetsTheDefaultTierInTheReport() {
    QuotaGuard guard = quota().guard();

    assertThat(guard.usage(tenant)).hasNoPlannedTier().hasEffectiveTier(FREE)
        .hasTierSource(TierSource.DEFAULT_WITHOUT_PLAN).hasLimit(100_000);
  }

  @Test
  void rejectedTenantWithoutPlanIsDeniedWithNoPlan() {
    QuotaGuard guard = quota(rejectingCatalogue(PlanFallback.REJECT, PlanFallback.USE_DEFAULT_TIER)).guard();

    assertThat(guard.canProceed(tenant)).isFalse();
    assertThat(guard.check(tenant, AI_TOKENS, 1)).isDenied().hasReason(Reason.NO_PLAN);
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 1, UsageKey.of("first"))).isDenied().decision()
        .hasReason(Reason.NO_PLAN);
    assertThat(guard.reserve(tenant, AI_TOKENS, 1, Duration.ofMinutes(1)).granted()).isFalse();
  }

  @Test
  void rejectedTenantWithoutPlanHasLimitZeroInTheReport() {
    QuotaGuard guard = quota(rejectingCatalogue(PlanFallback.REJECT, PlanFallback.USE_DEFAULT_TIER)).guard();

    assertThat(guard.usage(tenant)).hasNoPlannedTier().hasNoEffectiveTier()
        .hasTierSource(TierSource.REJECTED_WITHOUT_PLAN).hasLimit(0).hasRemaining(0).isBlocked();
  }

  @Test
  void rejectedTenantsUsageIsStillRecorded() {
    QuotaGuard guard = quota(rejectingCatalogue(PlanFallback.REJECT, PlanFallback.USE_DEFAULT_TIER)).guard();

    use(guard, tenant, 1_500);

    assertThat(guard.usage(tenant)).hasUsed(1_500).hasLimit(0);
  }

  @Test
  void rejectedTenantIsServedOnceItHasAPlan() {
    Quota quota = quota(rejectingCatalogue(PlanFallback.REJECT, PlanFallback.USE_DEFAULT_TIER));

    quota.admin().setPlan(tenant, Plan.of(PRO), OPERATOR, REASON);

    assertThat(quota.guard().canProceed(tenant)).isTrue();
    assertThat(quota.guard().usage(tenant)).hasTierSource(TierSource.PLAN).hasLimit(1_000_000);
  }

  @Test
  void unknownTierFallsBackToTheDefaultTier() {
    planOnARetiredTier();
    QuotaGuard guard = quota().guard();

    assertThat(guard.usage(tenant)).hasPlannedTier(LEGACY).hasEffectiveTier(FREE)
        .hasTierSource(TierSource.DEFAULT_FOR_UNKNOWN_TIER).hasLimit(100_000);
    assertThat(guard.check(tenant, AI_TOKENS, 100_000)).isAllowed();
    assertThat(guard.check(tenant, AI_TOKENS, 100_001)).isDenied().hasReason(Reason.INSUFFICIENT_BALANCE);
  }

  @Test
  void unknownTierIsDeniedWhenSuchTenantsAreRejected() {
    planOnARetiredTier();
    QuotaGuard guard = quota(rejectingCatalogue(PlanFallback.USE_DEFAULT_TIER, PlanFallback.REJECT)).guard();

    assertThat(guard.canProceed(tenant)).isFalse();
    assertThat(guard.check(tenant, AI_TOKENS, 1)).isDenied().hasReason(Reason.UNKNOWN_TIER);
    assertThat(guard.usage(tenant)).hasPlannedTier(LEGACY).hasNoEffectiveTier()
        .hasTierSource(TierSource.REJECTED_UNKNOWN_TIER).hasLimit(0).isBlocked();
  }
}

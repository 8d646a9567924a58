package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.Decision.Reason;
import dev.quota.EnforcementMode;
import dev.quota.PlanFallback;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link EnforcementMode#SHADOW}: decisions computed and reported, nothing blocked.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.ShadowMode}.
 */
public abstract class ShadowModeContract extends ContractFixture {
  private AlertRecorder alerts;
  private Quota quota;
  private QuotaGuard guard;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected ShadowModeContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    alerts = new AlertRecorder(testId());
    quota = alerts.deliveringFrom(quotaBuilder().mode(EnforcementMode.SHADOW).alertListener(alerts)
        .dispatchManually().build());
    guard = quota.guard();
    tenant = newTenant("shadow");
  }

  @Test
  void shadowModeLetsABlockedTenantThrough() {
    use(guard, tenant, 100_000);

    assertThat(guard.canProceed(tenant)).isTrue();
    assertThat(guard.check(tenant, AI_TOKENS, 1)).isAllowed().isShadowed().hasReason(Reason.INSUFFICIENT_BALANCE);
  }

  @Test
  void shadowedDecisionCarriesTheRealStanding() {
    use(guard, tenant, 100_000);

    Decision decision = guard.check(tenant, AI_TOKENS, 1);

    assertThat(decision).hasRemaining(0).report().hasUsed(100_000).isBlocked();
  }

  @Test
  void shadowedConsumeIsStillRecorded() {
    use(guard, tenant, 100_000);

    ConsumeResult result = guard.tryConsume(tenant, AI_TOKENS, 5_000, UsageKey.of("over"));

    assertThat(result).isConsumed().isAllowed().decision().isShadowed().hasReason(Reason.INSUFFICIENT_BALANCE);
    assertThat(guard.usage(tenant)).hasUsed(105_000);
    assertThat(quota.admin().verify(tenant).consistent()).isTrue();
  }

  @Test
  void shadowModeStillFiresAlerts() {
    use(guard, tenant, 79_000);

    guard.tryConsume(tenant, AI_TOKENS, 30_000, UsageKey.of("over"));

    assertThat(alerts.thresholds()).containsExactly(80, 90, 100);
  }

  @Test
  void reportStillShowsTheTenantBlocked() {
    use(guard, tenant, 100_000);

    assertThat(guard.usage(tenant)).isBlocked().hasRemaining(0);
  }

  @Test
  void decisionsWithinTheBalanceAreNotShadowed() {
    assertThat(guard.check(tenant, AI_TOKENS, 10)).isAllowed().isNotShadowed().hasReason(Reason.WITHIN_BALANCE);
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 10, UsageKey.of("fine"))).isConsumed().decision().isNotShadowed();
  }

  @Test
  void shadowModeGrantsReservationsBeyondTheBalance() {
    use(guard, tenant, 100_000);

    ReserveResult result = guard.reserve(tenant, AI_TOKENS, 5_000, Duration.ofMinutes(5));

    assertThat(result.granted()).isTrue();
    assertThat(result.decision()).isAllowed().isShadowed();
    assertThat(guard.usage(tenant)).hasReserved(5_000);
  }

  @Test
  void shadowedDecisionKeepsARejectionsReason() {
    QuotaGuard rejecting = quotaBuilder().mode(EnforcementMode.SHADOW)
        .catalogue(rejectingCatalogue(PlanFallback.REJECT, PlanFallback.REJECT)).build().guard();

    assertThat(rejecting.check(tenant, AI_TOKENS, 1)).isAllowed().isShadowed().hasReason(Reason.NO_PLAN);
  }
}

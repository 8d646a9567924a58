package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static dev.quota.testkit.contract.QuotaStoreContract.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.Decision.Reason;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.Bypass;
import dev.quota.admin.QuotaAdmin;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link QuotaAdmin#bypass}: no blocking for one tenant for a while; usage still recorded.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.Bypasses}.
 */
public abstract class BypassesContract extends ContractFixture {
  private Quota quota;
  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;
  private AlertRecorder alerts;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected BypassesContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    alerts = new AlertRecorder(testId());
    quota = alerts.deliveringFrom(quotaBuilder().alertListener(alerts).dispatchManually().build());
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("bypass");
  }

  @Test
  void bypassLetsEverythingThroughWithReasonBypassed() {
    use(guard, tenant, 100_000);
    Instant until = START.plus(Duration.ofDays(1));

    admin.bypass(tenant, until, OPERATOR, REASON);

    assertThat(guard.canProceed(tenant)).isTrue();
    assertThat(guard.check(tenant, AI_TOKENS, 5_000_000)).isAllowed().hasReason(Reason.BYPASSED).isNotShadowed();
    assertThat(guard.usage(tenant)).isBypassed().isNotBlocked().hasRemaining(0);
    assertThat(guard.usage(tenant).bypassedUntil()).contains(until);
  }

  @Test
  void bypassedConsumeIsStillRecorded() {
    use(guard, tenant, 100_000);
    admin.bypass(tenant, START.plus(Duration.ofDays(1)), OPERATOR, REASON);

    ConsumeResult result = guard.tryConsume(tenant, AI_TOKENS, 50_000, UsageKey.of("over"));

    assertThat(result).isConsumed().decision().isAllowed().hasReason(Reason.BYPASSED);
    assertThat(guard.usage(tenant)).hasUsed(150_000);
    assertThat(admin.verify(tenant).consistent()).isTrue();
  }

  @Test
  void bypassedReservationIsGranted() {
    use(guard, tenant, 100_000);
    admin.bypass(tenant, START.plus(Duration.ofDays(1)), OPERATOR, REASON);

    ReserveResult result = guard.reserve(tenant, AI_TOKENS, 50_000, Duration.ofMinutes(5));

    assertThat(result.granted()).isTrue();
    assertThat(result.decision()).hasReason(Reason.BYPASSED);
    assertThat(guard.usage(tenant)).hasReserved(50_000);
  }

  @Test
  void bypassedUsageStillFiresAlerts() {
    admin.acceptingNewTenants().bypass(tenant, START.plus(Duration.ofDays(1)), OPERATOR, REASON);

    guard.tryConsume(tenant, AI_TOKENS, 120_000, UsageKey.of("big"));

    assertThat(alerts.thresholds()).containsExactly(80, 90, 100);
  }

  @Test
  void bypassExpiresByItself() {
    use(guard, tenant, 100_000);
    Instant until = START.plus(Duration.ofDays(1));
    admin.bypass(tenant, until, OPERATOR, REASON);

    clock().set(until);

    assertThat(guard.canProceed(tenant)).isFalse();
    assertThat(guard.usage(tenant)).isNotBypassed().isBlocked();
    assertThat(guard.check(tenant, AI_TOKENS, 1)).isDenied().hasReason(Reason.INSUFFICIENT_BALANCE);
  }

  @Test
  void bypassIsAudited() {
    Bypass bypass = admin.acceptingNewTenants().bypass(tenant, START.plus(Duration.ofDays(1)), OPERATOR, REASON);

    assertThat(auditOf(admin, tenant)).singleElement().satisfies(entry -> {
      assertThat(entry.operation()).isEqualTo(AdminOperation.BYPASS);
      assertThat(entry.actor()).isEqualTo(OPERATOR);
      assertThat(entry.reason()).isEqualTo(REASON);
      assertThat(entry.details()).containsEntry("entitlement", bypass.id().toString());
    });
  }

  @Test
  void bypassUntilThePastIsRejectedAndWritesNothing() {
    assertRejected("until", () -> admin.bypass(tenant, START, OPERATOR, REASON));

    assertThat(admin.entitlements(tenant)).isEmpty();
    assertThat(auditOf(admin, tenant)).isEmpty();
  }

  @Test
  void bypassBeyondTheMaximumDurationIsRejectedAndWritesNothing() {
    Instant tooLate = START.plus(Quota.Builder.DEFAULT_MAX_ENTITLEMENT_DURATION).plusSeconds(1);

    assertRejected("until", () -> admin.bypass(tenant, tooLate, OPERATOR, REASON));

    assertThat(admin.entitlements(tenant)).isEmpty();
    assertThat(auditOf(admin, tenant)).isEmpty();
  }
}

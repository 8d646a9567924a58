package dev.quota.testkit.contract;

import static dev.quota.Tier.ENTERPRISE;
import static dev.quota.Tier.FREE;
import static dev.quota.Tier.PRO;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static dev.quota.testkit.contract.QuotaStoreContract.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageReport.TierSource;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.Verification;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link QuotaAdmin#setPlan}: the tenant's subscription, effective at once.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.SetPlan}.
 */
public abstract class SetPlanContract extends ContractFixture {
  private Quota quota;
  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected SetPlanContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    quota = quota();
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("plan");
  }

  @Test
  void setPlanChangesTheTierAtOnce() {
    admin.setPlan(tenant, Plan.of(PRO), OPERATOR, REASON);

    assertThat(guard.usage(tenant)).hasPlannedTier(PRO).hasEffectiveTier(PRO).hasTierSource(TierSource.PLAN)
        .hasLimit(1_000_000);
  }

  @Test
  void setPlanIsAudited() {
    admin.setPlan(tenant, Plan.of(PRO), OPERATOR, "upgraded by sales");
    clock().advance(Duration.ofMinutes(1));

    AuditEntry entry = admin.setPlan(tenant, Plan.of(ENTERPRISE, 15), OPERATOR, "contract signed");

    assertThat(auditOf(admin, tenant)).hasSize(2).first().isEqualTo(entry);
    assertThat(entry.operation()).isEqualTo(AdminOperation.SET_PLAN);
    assertThat(entry.tenant()).isEqualTo(tenant);
    assertThat(entry.actor()).isEqualTo(OPERATOR);
    assertThat(entry.reason()).isEqualTo("contract signed");
    assertThat(entry.at()).isEqualTo(START.plus(Duration.ofMinutes(1)));
    assertThat(entry.details()).containsEntry("previousTier", "pro").containsEntry("tier", "enterprise")
        .containsEntry("billingDay", "15");
  }

  @Test
  void downgradeMidPeriodMeasuresThisPeriodsUsageAgainstTheNewLimit() {
    admin.setPlan(tenant, Plan.of(PRO), OPERATOR, REASON);
    use(guard, tenant, 500_000);

    admin.setPlan(tenant, Plan.of(FREE), OPERATOR, "downgraded");

    assertThat(guard.usage(tenant)).hasEffectiveTier(FREE).hasLimit(100_000).hasUsed(500_000).hasRemaining(0)
        .isBlocked();
    assertThat(guard.canProceed(tenant)).isFalse();
  }

  @Test
  void upgradeMidPeriodUnblocksAtOnce() {
    use(guard, tenant, 100_000);

    admin.setPlan(tenant, Plan.of(PRO), OPERATOR, REASON);

    assertThat(guard.usage(tenant)).hasUsed(100_000).hasRemaining(900_000).isNotBlocked();
  }

  @Test
  void billingDayChangeKeepsEveryEntryInExactlyOneCounter() {
    clock().set("2026-11-10T10:00:00Z");
    use(guard, tenant, 10_000);
    clock().set(START);
    use(guard, tenant, 20_000);

    admin.setPlan(tenant, Plan.of(FREE, 20), OPERATOR, REASON);

    // The new period starts on November 20: only the usage since then counts in it.
    assertThat(guard.usage(tenant)).hasPeriod(period("2026-11-20T00:00:00Z", "2026-12-20T00:00:00Z"))
        .hasUsed(20_000);
    Verification verification = admin.verify(tenant);
    assertThat(verification.consistent()).as("%s", verification).isTrue();
    assertThat(verification.checks().stream().mapToLong(CounterCheck::counterUsed).sum())
        .as("every entry counted once: %s", verification).isEqualTo(30_000);
  }

  @Test
  void unknownTierIsRejectedAndWritesNothing() {
    assertRejected("tier", () -> admin.setPlan(tenant, Plan.of(Tier.of("platinum")), OPERATOR, REASON));

    assertThat(guard.usage(tenant)).hasNoPlannedTier().hasTierSource(TierSource.DEFAULT_WITHOUT_PLAN);
    assertThat(auditOf(admin, tenant)).isEmpty();
  }
}

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
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.TierOverride;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link QuotaAdmin#overrideTier}: another tier for a while, reverting by itself.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.OverrideTier}.
 */
public abstract class OverrideTierContract extends ContractFixture {
  private Quota quota;
  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected OverrideTierContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    quota = quota();
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("override");
    admin.setPlan(tenant, Plan.of(FREE), OPERATOR, REASON);
  }

  @Test
  void overrideUpgradesTheTierWhileActive() {
    use(guard, tenant, 100_000);

    admin.overrideTier(tenant, PRO, START.plus(Duration.ofDays(3)), OPERATOR, REASON);

    assertThat(guard.usage(tenant)).hasPlannedTier(FREE).hasEffectiveTier(PRO).hasTierSource(TierSource.OVERRIDE)
        .hasLimit(1_000_000).hasRemaining(900_000).isNotBlocked();
    assertThat(guard.canProceed(tenant)).isTrue();
  }

  @Test
  void overrideRevertsByItselfWhenTheClockPassesUntil() {
    use(guard, tenant, 100_000);
    Instant until = START.plus(Duration.ofDays(3));
    admin.overrideTier(tenant, PRO, until, OPERATOR, REASON);

    clock().set(until.minusMillis(1));
    assertThat(guard.usage(tenant)).hasEffectiveTier(PRO);
    clock().set(until);
    assertThat(guard.usage(tenant)).hasEffectiveTier(FREE).hasTierSource(TierSource.PLAN).hasLimit(100_000)
        .isBlocked();
  }

  @Test
  void mostGenerousActiveOverrideWins() {
    Instant enterpriseUntil = START.plus(Duration.ofDays(1));
    Instant proUntil = START.plus(Duration.ofDays(2));
    // The less generous override is made last, so "the latest wins" would fail here.
    admin.overrideTier(tenant, ENTERPRISE, enterpriseUntil, OPERATOR, REASON);
    admin.overrideTier(tenant, PRO, proUntil, OPERATOR, REASON);

    assertThat(guard.usage(tenant)).hasEffectiveTier(ENTERPRISE).hasLimit(10_000_000);
    clock().set(enterpriseUntil);
    assertThat(guard.usage(tenant)).hasEffectiveTier(PRO).hasLimit(1_000_000);
    clock().set(proUntil);
    assertThat(guard.usage(tenant)).hasEffectiveTier(FREE).hasTierSource(TierSource.PLAN);
  }

  @Test
  void overrideIsAudited() {
    TierOverride override = admin.overrideTier(tenant, PRO, START.plus(Duration.ofDays(3)), OPERATOR, REASON);

    // Filtered rather than taken first: the plan set in setUp was audited at the same instant.
    assertThat(auditOf(admin, tenant)).filteredOn(e -> e.operation() == AdminOperation.OVERRIDE_TIER)
        .singleElement().satisfies(entry -> {
      assertThat(entry.actor()).isEqualTo(OPERATOR);
      assertThat(entry.reason()).isEqualTo(REASON);
      assertThat(entry.details()).containsEntry("entitlement", override.id().toString()).containsEntry("tier", "pro");
    });
  }

  @Test
  void overrideToAnUnknownTierIsRejectedAndWritesNothing() {
    int auditBefore = auditOf(admin, tenant).size();

    assertRejected("tier", () -> admin.overrideTier(tenant, Tier.of("platinum"), START.plus(Duration.ofDays(3)),
        OPERATOR, REASON));

    assertThat(admin.entitlements(tenant)).isEmpty();
    assertThat(auditOf(admin, tenant)).hasSize(auditBefore);
  }

  @Test
  void overrideUntilThePastIsRejectedAndWritesNothing() {
    int auditBefore = auditOf(admin, tenant).size();

    assertRejected("until", () -> admin.overrideTier(tenant, PRO, START.minusSeconds(1), OPERATOR, REASON));

    assertThat(admin.entitlements(tenant)).isEmpty();
    assertThat(auditOf(admin, tenant)).hasSize(auditBefore);
  }

  @Test
  void overrideBeyondTheMaximumDurationIsRejectedAndWritesNothing() {
    int auditBefore = auditOf(admin, tenant).size();
    QuotaAdmin strict = quotaBuilder().maxEntitlementDuration(Duration.ofDays(7)).build().admin();

    assertRejected("until", () -> strict.overrideTier(tenant, PRO, START.plus(Duration.ofDays(8)), OPERATOR, REASON));

    assertThat(admin.entitlements(tenant)).isEmpty();
    assertThat(auditOf(admin, tenant)).hasSize(auditBefore);
  }
}

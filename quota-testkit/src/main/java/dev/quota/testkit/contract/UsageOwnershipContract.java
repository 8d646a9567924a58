package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.Tier.ENTERPRISE;
import static dev.quota.Tier.FREE;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.RecordResult;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.Grant;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.Verification;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Usage belongs to the tenant: once recorded, no unblocking operation erases or rewrites it; only the
 * balance around it changes.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.UsageOwnership}.
 */
public abstract class UsageOwnershipContract extends ContractFixture {
  private Quota quota;
  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected UsageOwnershipContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    quota = quota();
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("owner");
  }

  @Test
  void usageWithAttributesSurvivesEveryUnblockingChange() {
    guard.record(UsageEvent.of(tenant, AI_TOKENS, 100_000, UsageKey.of("session-1"))
        .withAttributes(Map.of("endpoint", "/v1/chat/completions", "model", "large-2")));
    Verification before = admin.verify(tenant);

    admin.resetUsage(tenant, OPERATOR, REASON);
    Grant grant = admin.grantCredit(tenant, AI_TOKENS, 5_000, DECEMBER_START, OPERATOR, REASON);
    admin.overrideTier(tenant, ENTERPRISE, DECEMBER_START, OPERATOR, REASON);
    admin.bypass(tenant, DECEMBER_START, OPERATOR, REASON);
    admin.revoke(grant.id(), OPERATOR, REASON);
    admin.setPlan(tenant, Plan.of(FREE), OPERATOR, REASON);

    assertThat(admin.verify(tenant)).isEqualTo(before);
    assertThat(before.checks()).containsExactly(new CounterCheck(AI_TOKENS, NOVEMBER, 100_000, 100_000));
    assertThat(guard.usage(tenant)).hasUsed(100_000);
  }

  @Test
  void recordingIsNeverRefusedEvenBeyondTheLimit() {
    use(guard, tenant, 100_000);

    RecordResult result = use(guard, tenant, 5_000);

    assertThat(result.duplicate()).isFalse();
    assertThat(result.usedInPeriod()).isEqualTo(105_000);
    assertThat(guard.usage(tenant)).hasUsed(105_000);
  }
}

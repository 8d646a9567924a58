package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static dev.quota.testkit.contract.QuotaStoreContract.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.Grant;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.ResetResult;
import dev.quota.admin.Verification;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link QuotaAdmin#resetUsage}: unblocks by granting the period's usage back, deleting nothing.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.ResetUsage}.
 */
public abstract class ResetUsageContract extends ContractFixture {
  private Quota quota;
  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected ResetUsageContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    quota = quota();
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("reset");
  }

  @Test
  void resetUnblocksWithoutDeletingUsage() {
    use(guard, tenant, 100_000);
    assertThat(guard.canProceed(tenant)).isFalse();

    admin.resetUsage(tenant, OPERATOR, REASON);

    assertThat(guard.canProceed(tenant)).isTrue();
    assertThat(guard.usage(tenant)).hasUsed(100_000).hasGranted(100_000).hasRemaining(100_000).isNotBlocked();
  }

  @Test
  void resetLeavesTheLedgerAsItWas() {
    use(guard, tenant, 100_000);
    Verification before = admin.verify(tenant);

    admin.resetUsage(tenant, OPERATOR, REASON);

    assertThat(admin.verify(tenant)).isEqualTo(before);
    assertThat(before.checks()).containsExactly(new CounterCheck(AI_TOKENS, NOVEMBER, 100_000, 100_000));
  }

  @Test
  void resetGrantEndsWithThePeriod() {
    use(guard, tenant, 100_000);

    ResetResult result = admin.resetUsage(tenant, OPERATOR, REASON);

    assertThat(result.grants()).singleElement().satisfies(grant -> {
      assertThat(grant.kind()).isEqualTo(Grant.Kind.RESET);
      assertThat(grant.meter()).isEqualTo(AI_TOKENS);
      assertThat(grant.amount()).isEqualTo(100_000);
      assertThat(grant.validFrom()).isEqualTo(START);
      assertThat(grant.validUntil()).isEqualTo(DECEMBER_START);
    });
    clock().set(DECEMBER_START);
    assertThat(guard.usage(tenant)).hasGranted(0).hasUsed(0);
  }

  @Test
  void secondResetInAPeriodCancelsOnlyTheUsageSinceTheFirst() {
    use(guard, tenant, 100_000);
    admin.resetUsage(tenant, OPERATOR, REASON);
    use(guard, tenant, 30_000);

    ResetResult second = admin.resetUsage(tenant, OPERATOR, REASON);

    assertThat(second.grants()).extracting(Grant::amount).containsExactly(30_000L);
    assertThat(guard.usage(tenant)).hasUsed(130_000).hasGranted(130_000).hasRemaining(100_000);
  }

  @Test
  void resetRightAfterAResetGrantsNothingMore() {
    use(guard, tenant, 100_000);
    admin.resetUsage(tenant, OPERATOR, REASON);

    ResetResult second = admin.resetUsage(tenant, OPERATOR, REASON);

    assertThat(second.grants()).isEmpty();
    assertThat(guard.usage(tenant)).hasGranted(100_000).hasRemaining(100_000);
  }

  @Test
  void resetAfterARevokedResetCancelsTheUsageAgain() {
    use(guard, tenant, 100_000);
    Grant first = admin.resetUsage(tenant, OPERATOR, REASON).grants().get(0);
    admin.revoke(first.id(), OPERATOR, "reset by mistake");
    assertThat(guard.canProceed(tenant)).isFalse();

    ResetResult again = admin.resetUsage(tenant, OPERATOR, REASON);

    assertThat(again.grants()).extracting(Grant::amount).containsExactly(100_000L);
    assertThat(guard.canProceed(tenant)).isTrue();
  }

  @Test
  void resetOfATenantWithoutUsageGrantsNothingButIsAudited() {
    ResetResult result = admin.acceptingNewTenants().resetUsage(tenant, OPERATOR, REASON);

    assertThat(result.grants()).isEmpty();
    assertThat(auditOf(admin, tenant)).containsExactly(result.audit());
    assertThat(guard.usage(tenant)).hasGranted(0);
  }

  @Test
  void resetOfOneMeterLeavesOtherMetersAlone() {
    Quota twoMeters = quota(tokensAndDailyCalls());
    use(twoMeters.guard(), tenant, AI_TOKENS, 100_000);
    use(twoMeters.guard(), tenant, AI_CALLS, 50);

    twoMeters.admin().resetUsage(tenant, AI_CALLS, OPERATOR, REASON);

    assertThat(twoMeters.guard().usage(tenant, AI_CALLS)).hasGranted(50).isNotBlocked();
    assertThat(twoMeters.guard().usage(tenant, AI_TOKENS)).hasGranted(0).isBlocked();
  }

  @Test
  void resetOfEveryMeterCancelsEachMetersUsageUntilItsOwnPeriodEnds() {
    Quota twoMeters = quota(tokensAndDailyCalls());
    use(twoMeters.guard(), tenant, AI_TOKENS, 100_000);
    use(twoMeters.guard(), tenant, AI_CALLS, 50);

    ResetResult result = twoMeters.admin().resetUsage(tenant, OPERATOR, REASON);

    assertThat(result.grants()).extracting(Grant::meter, Grant::amount, Grant::validUntil).containsExactlyInAnyOrder(
        tuple(AI_TOKENS, 100_000L, DECEMBER_START),
        tuple(AI_CALLS, 50L, Instant.parse("2026-11-26T00:00:00Z")));
    assertThat(twoMeters.guard().usage(tenant, AI_TOKENS)).isNotBlocked();
    assertThat(twoMeters.guard().usage(tenant, AI_CALLS)).isNotBlocked();
  }

  @Test
  void resetIsAudited() {
    use(guard, tenant, 100_000);

    ResetResult result = admin.resetUsage(tenant, OPERATOR, REASON);

    assertThat(auditOf(admin, tenant)).singleElement().satisfies(entry -> {
      assertThat(entry).isEqualTo(result.audit());
      assertThat(entry.operation()).isEqualTo(AdminOperation.RESET_USAGE);
      assertThat(entry.tenant()).isEqualTo(tenant);
      assertThat(entry.actor()).isEqualTo(OPERATOR);
      assertThat(entry.reason()).isEqualTo(REASON);
      assertThat(entry.at()).isEqualTo(START);
    });
  }
}

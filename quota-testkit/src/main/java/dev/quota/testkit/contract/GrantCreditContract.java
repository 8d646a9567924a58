package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static dev.quota.testkit.contract.QuotaStoreContract.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.Grant;
import dev.quota.admin.QuotaAdmin;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link QuotaAdmin#raisePeriodCeiling}: extra units per period until an expiry (formerly {@code grantCredit}).
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.GrantCredit}.
 */
public abstract class GrantCreditContract extends ContractFixture {
  private Quota quota;
  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected GrantCreditContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    quota = quota();
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("grant");
  }

  @Test
  void grantGivesPartialRelief() {
    use(guard, tenant, 100_000);

    admin.raisePeriodCeiling(tenant, AI_TOKENS, 20_000, DECEMBER_START, OPERATOR, REASON);

    assertThat(guard.usage(tenant)).hasUsed(100_000).hasGranted(20_000).hasRemaining(20_000);
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 20_000, UsageKey.of("relief"))).isConsumed();
    assertThat(guard.usage(tenant)).hasUsed(120_000).isBlocked();
  }

  @Test
  void grantReturnsWhatWasMade() {
    Instant until = START.plus(Duration.ofDays(3));

    Grant grant = admin.acceptingNewTenants().raisePeriodCeiling(tenant, AI_TOKENS, 20_000, until, OPERATOR, REASON);

    assertThat(grant.kind()).isEqualTo(Grant.Kind.CREDIT);
    assertThat(grant.tenant()).isEqualTo(tenant);
    assertThat(grant.meter()).isEqualTo(AI_TOKENS);
    assertThat(grant.amount()).isEqualTo(20_000);
    assertThat(grant.validFrom()).isEqualTo(START);
    assertThat(grant.validUntil()).isEqualTo(until);
    assertThat(grant.createdBy()).isEqualTo(OPERATOR);
    assertThat(grant.reason()).isEqualTo(REASON);
    assertThat(grant.revocation()).isEmpty();
    assertThat(admin.entitlements(tenant)).containsExactly(grant);
  }

  @Test
  @SuppressWarnings("deprecation") // the former name is what this test is about
  void formerNameGrantCreditStillRaisesThePeriodCeiling() {
    use(guard, tenant, 100_000);

    Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, DECEMBER_START, OPERATOR, REASON);

    assertThat(grant.kind()).isEqualTo(Grant.Kind.CREDIT);
    assertThat(guard.usage(tenant)).hasGranted(20_000).hasRemaining(20_000);
  }

  @Test
  void grantStopsCountingAtItsExpiry() {
    use(guard, tenant, 100_000);
    Instant until = START.plus(Duration.ofDays(2));
    admin.raisePeriodCeiling(tenant, AI_TOKENS, 20_000, until, OPERATOR, REASON);

    clock().set(until.minusMillis(1));
    assertThat(guard.usage(tenant)).hasGranted(20_000);
    clock().set(until);
    assertThat(guard.usage(tenant)).hasGranted(0).isBlocked();
  }

  @Test
  void grantOnOneMeterDoesNotRaiseAnother() {
    Quota twoMeters = quota(tokensAndDailyCalls());

    twoMeters.admin().acceptingNewTenants().raisePeriodCeiling(tenant, AI_CALLS, 10, DECEMBER_START, OPERATOR, REASON);

    assertThat(twoMeters.guard().usage(tenant, AI_CALLS)).hasGranted(10).hasRemaining(60);
    assertThat(twoMeters.guard().usage(tenant, AI_TOKENS)).hasGranted(0).hasRemaining(100_000);
  }

  @Test
  void grantIsAudited() {
    Grant grant = admin.acceptingNewTenants().raisePeriodCeiling(tenant, AI_TOKENS, 20_000, DECEMBER_START, OPERATOR, REASON);

    assertThat(auditOf(admin, tenant)).singleElement().satisfies(entry -> {
      assertThat(entry.operation()).isEqualTo(AdminOperation.GRANT_CREDIT);
      assertThat(entry.tenant()).isEqualTo(tenant);
      assertThat(entry.actor()).isEqualTo(OPERATOR);
      assertThat(entry.reason()).isEqualTo(REASON);
      assertThat(entry.details()).containsEntry("entitlement", grant.id().toString()).containsEntry("amount", "20000");
    });
  }

  @ParameterizedTest(name = "expiry {0} s from now")
  @ValueSource(longs = {0, -1, -86_400})
  void expiryNotInTheFutureIsRejectedAndWritesNothing(long secondsFromNow) {
    assertRejected("expires at", () -> admin.raisePeriodCeiling(tenant, AI_TOKENS, 20_000,
        START.plusSeconds(secondsFromNow), OPERATOR, REASON));

    assertThat(admin.entitlements(tenant)).isEmpty();
    assertThat(auditOf(admin, tenant)).isEmpty();
  }

  @Test
  void expiryBeyondTheMaximumDurationIsRejectedAndWritesNothing() {
    Instant tooLate = START.plus(Quota.Builder.DEFAULT_MAX_ENTITLEMENT_DURATION).plusMillis(1);

    assertRejected("expires at", () -> admin.raisePeriodCeiling(tenant, AI_TOKENS, 20_000, tooLate, OPERATOR, REASON));

    assertThat(admin.entitlements(tenant)).isEmpty();
    assertThat(auditOf(admin, tenant)).isEmpty();
  }

  @Test
  void expiryAtExactlyTheMaximumDurationIsAccepted() {
    Instant latest = START.plus(Quota.Builder.DEFAULT_MAX_ENTITLEMENT_DURATION);

    Grant grant = admin.acceptingNewTenants().raisePeriodCeiling(tenant, AI_TOKENS, 20_000, latest, OPERATOR, REASON);

    assertThat(grant.validUntil()).isEqualTo(latest);
  }

  @Test
  void grantOfNothingIsRejectedAndWritesNothing() {
    assertRejected("amount", () -> admin.raisePeriodCeiling(tenant, AI_TOKENS, 0, DECEMBER_START, OPERATOR, REASON));

    assertThat(admin.entitlements(tenant)).isEmpty();
    assertThat(auditOf(admin, tenant)).isEmpty();
  }
}

package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
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
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.LimitOverride;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.TenantStatus;
import dev.quota.admin.UsageQuery;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link QuotaAdmin#overrideLimit}: one tenant's own limit on one meter, higher or lower than its tier's, open-ended
 * or expiring, revocable, shown in the usage report with its source.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.LimitOverrides}.
 */
public abstract class LimitOverrideContract extends ContractFixture {
  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected LimitOverrideContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    Quota quota = quota();
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("limit");
    admin.setPlan(tenant, Plan.of(Tier.FREE), OPERATOR, REASON); // FREE: 100,000 tokens a month
  }

  @Test
  void higherLimitRaisesTheCeilingAndTheReportNamesItsSource() {
    LimitOverride negotiated = admin.overrideLimit(tenant, AI_TOKENS, 250_000, OPERATOR, "contract 2026-17");

    UsageReport report = guard.usage(tenant);
    assertThat(report).hasLimit(250_000).hasRemaining(250_000).hasEffectiveTier(Tier.FREE);
    assertThat(report.limitOverride()).contains(negotiated);
    assertThat(negotiated.openEnded()).isTrue();
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 200_000, UsageKey.of("big"))).isConsumed();
  }

  @Test
  void lowerLimitBlocksAtOnceLikeADowngrade() {
    use(guard, tenant, 30_000);

    admin.overrideLimit(tenant, AI_TOKENS, 20_000, START.plus(Duration.ofDays(1)), OPERATOR, "abuse SEC-9");

    assertThat(guard.usage(tenant)).hasUsed(30_000).hasLimit(20_000).hasRemaining(0).isBlocked();
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 1, UsageKey.of("more"))).isDenied();
    assertThat(guard.canProceed(tenant)).isFalse();
  }

  @Test
  void expiringOverrideEndsByItself() {
    Instant until = START.plus(Duration.ofDays(2));
    admin.overrideLimit(tenant, AI_TOKENS, 10, until, OPERATOR, REASON);

    clock().set(until.minusMillis(1));
    assertThat(guard.usage(tenant)).hasLimit(10);
    clock().set(until);
    UsageReport report = guard.usage(tenant);
    assertThat(report).hasLimit(100_000);
    assertThat(report.limitOverride()).isEmpty();
  }

  @Test
  void revokingRestoresTheTiersLimit() {
    LimitOverride throttle = admin.overrideLimit(tenant, AI_TOKENS, 0, OPERATOR, REASON);
    assertThat(guard.usage(tenant)).hasLimit(0).isBlocked();

    admin.revoke(throttle.id(), OPERATOR, "resolved");

    assertThat(guard.usage(tenant)).hasLimit(100_000).hasRemaining(100_000);
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 1, UsageKey.of("after"))).isConsumed();
  }

  @Test
  void newestOverrideApplies() {
    admin.overrideLimit(tenant, AI_TOKENS, 500_000, OPERATOR, "contract");
    clock().advance(Duration.ofMinutes(1));
    LimitOverride throttle = admin.overrideLimit(tenant, AI_TOKENS, 5_000, OPERATOR, "abuse");

    UsageReport report = guard.usage(tenant);
    assertThat(report).hasLimit(5_000);
    assertThat(report.limitOverride()).contains(throttle);
  }

  @Test
  void raisesOfThePeriodAddToTheTenantsLimit() {
    admin.overrideLimit(tenant, AI_TOKENS, 200_000, OPERATOR, REASON);

    admin.raisePeriodCeiling(tenant, AI_TOKENS, 50_000, DECEMBER_START, OPERATOR, REASON);

    assertThat(guard.usage(tenant)).hasLimit(200_000).hasGranted(50_000).hasRemaining(250_000);
  }

  @Test
  void overrideOfOneMeterLeavesAnotherAlone() {
    Quota twoMeters = quota(tokensAndDailyCalls());

    twoMeters.admin().overrideLimit(tenant, AI_CALLS, 5, OPERATOR, REASON);

    assertThat(twoMeters.guard().usage(tenant, AI_CALLS)).hasLimit(5);
    assertThat(twoMeters.guard().usage(tenant, AI_TOKENS)).hasLimit(100_000);
    assertThat(twoMeters.guard().usage(tenant, AI_TOKENS).limitOverride()).isEmpty();
  }

  @Test
  void listingUsesTheTenantsOwnLimit() {
    TenantId other = newTenant("limit");
    admin.setPlan(other, Plan.of(Tier.FREE), OPERATOR, REASON);
    use(guard, tenant, 10_000);
    use(guard, other, 20_000);
    admin.overrideLimit(tenant, AI_TOKENS, 10_000, OPERATOR, REASON); // 100 % used: blocked, first

    Page<UsageReport> page = admin.listUsage(UsageQuery.all().tenantPrefix("limit-" + testId() + "-"),
        PageRequest.first(10));
    Page<UsageReport> blocked = admin.listUsage(UsageQuery.all().tenantPrefix("limit-" + testId() + "-")
        .statuses(TenantStatus.BLOCKED), PageRequest.first(10));

    assertThat(page.items()).extracting(UsageReport::tenant).containsExactly(tenant, other);
    assertThat(page.items().get(0)).hasLimit(10_000).isBlocked();
    assertThat(blocked.items()).extracting(UsageReport::tenant).containsExactly(tenant);
  }

  @Test
  void overrideIsAuditedWithActorAndReason() {
    LimitOverride override = admin.overrideLimit(tenant, AI_TOKENS, 7, START.plus(Duration.ofDays(3)), OPERATOR,
        "SEC-9: throttle");

    assertThat(auditOf(admin, tenant).get(0)).satisfies(entry -> {
      assertThat(entry.operation()).isEqualTo(AdminOperation.OVERRIDE_LIMIT);
      assertThat(entry.actor()).isEqualTo(OPERATOR);
      assertThat(entry.reason()).isEqualTo("SEC-9: throttle");
      assertThat(entry.details()).containsEntry("entitlement", override.id().toString())
          .containsEntry("meter", AI_TOKENS.name()).containsEntry("limit", "7");
    });
    assertThat(admin.entitlements(tenant)).contains(override);
  }

  @Test
  void negativeLimitIsRejectedAndWritesNothing() {
    int auditBefore = auditOf(admin, tenant).size();

    assertRejected("limit", () -> admin.overrideLimit(tenant, AI_TOKENS, -1, OPERATOR, REASON));

    assertThat(admin.entitlements(tenant)).isEmpty();
    assertThat(auditOf(admin, tenant)).hasSize(auditBefore);
  }

  @Test
  void expiryNotInTheFutureIsRejectedAndWritesNothing() {
    assertRejected("until", () -> admin.overrideLimit(tenant, AI_TOKENS, 5, START, OPERATOR, REASON));

    assertThat(admin.entitlements(tenant)).isEmpty();
  }

  @Test
  void unknownTenantIsRejectedAndWritesNothing() {
    TenantId unknown = newTenant("nobody");

    assertRejected("tenant", () -> admin.overrideLimit(unknown, AI_TOKENS, 5, OPERATOR, REASON));

    assertThat(admin.entitlements(unknown)).isEmpty();
  }
}

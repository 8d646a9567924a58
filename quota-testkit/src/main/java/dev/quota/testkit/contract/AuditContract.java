package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.Tier.PRO;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PurgeConfirmation;
import dev.quota.admin.QuotaAdmin;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit log: one entry per admin change, with actor, reason, operation and tenant, newest first.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.Audit}.
 */
public abstract class AuditContract extends ContractFixture {
  private Quota quota;
  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected AuditContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    quota = quota();
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("audited");
  }

  @Test
  void everyAdminChangeWritesExactlyOneAuditEntry() {
    use(guard, tenant, 100_000);
    List<Runnable> changes = List.of(
        () -> admin.resetUsage(tenant, OPERATOR, "1 reset"),
        () -> admin.grantCredit(tenant, AI_TOKENS, 1_000, DECEMBER_START, OPERATOR, "2 grant"),
        () -> admin.overrideTier(tenant, PRO, DECEMBER_START, OPERATOR, "3 override"),
        () -> admin.bypass(tenant, DECEMBER_START, OPERATOR, "4 bypass"),
        () -> admin.revoke(admin.entitlements(tenant).get(0).id(), OPERATOR, "5 revoke"),
        () -> admin.setPlan(tenant, Plan.of(PRO), OPERATOR, "6 plan"),
        () -> admin.purgeUsage(tenant, START, new PurgeConfirmation(tenant.value()), OPERATOR, "7 purge"));

    for (int i = 0; i < changes.size(); i++) {
      clock().advance(Duration.ofMinutes(1));
      changes.get(i).run();
      assertThat(auditOf(admin, tenant)).as("audit entries after change %s", i + 1).hasSize(i + 1);
    }

    List<AuditEntry> audit = auditOf(admin, tenant);
    assertThat(audit).extracting(AuditEntry::operation).containsExactly(AdminOperation.PURGE_USAGE,
        AdminOperation.SET_PLAN, AdminOperation.REVOKE, AdminOperation.BYPASS, AdminOperation.OVERRIDE_TIER,
        AdminOperation.GRANT_CREDIT, AdminOperation.RESET_USAGE);
    assertThat(audit).extracting(AuditEntry::reason)
        .containsExactly("7 purge", "6 plan", "5 revoke", "4 bypass", "3 override", "2 grant", "1 reset");
    assertThat(audit).allSatisfy(entry -> {
      assertThat(entry.tenant()).isEqualTo(tenant);
      assertThat(entry.actor()).isEqualTo(OPERATOR);
    });
    assertThat(audit.get(0).at()).isEqualTo(START.plus(Duration.ofMinutes(7)));
  }

  @Test
  void auditIsNewestFirstAndPaged() {
    for (int i = 1; i <= 3; i++) {
      clock().set(START.plus(Duration.ofMinutes(i)));
      admin.acceptingNewTenants().grantCredit(tenant, AI_TOKENS, i, DECEMBER_START, OPERATOR, "grant " + i);
    }

    Page<AuditEntry> first = admin.audit(tenant, PageRequest.first(2));
    Page<AuditEntry> second = admin.audit(tenant, first.request().next());

    assertThat(first.items()).extracting(AuditEntry::reason).containsExactly("grant 3", "grant 2");
    assertThat(first.hasMore()).isTrue();
    assertThat(second.items()).extracting(AuditEntry::reason).containsExactly("grant 1");
    assertThat(second.hasMore()).isFalse();
  }

  @Test
  void auditOfOneTenantLeavesOutOthers() {
    TenantId other = newTenant("other");
    admin.acceptingNewTenants().grantCredit(tenant, AI_TOKENS, 1_000, DECEMBER_START, OPERATOR, "for the tenant");
    admin.acceptingNewTenants().grantCredit(other, AI_TOKENS, 1_000, DECEMBER_START, OPERATOR, "for the other");

    assertThat(auditOf(admin, tenant)).extracting(AuditEntry::reason).containsExactly("for the tenant");
    assertThat(auditOf(admin, other)).extracting(AuditEntry::reason).containsExactly("for the other");
  }

  @Test
  void usageIsNotAnAdminChange() {
    use(guard, tenant, 1_000);
    guard.tryConsume(tenant, AI_TOKENS, 1_000, UsageKey.of("consumed"));
    guard.reserve(tenant, AI_TOKENS, 1_000, Duration.ofMinutes(1)).reservation().release();

    assertThat(auditOf(admin, tenant)).isEmpty();
  }
}

package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.Tier.FREE;
import static dev.quota.Tier.PRO;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static dev.quota.testkit.contract.QuotaStoreContract.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Bypass;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.EntitlementStateException;
import dev.quota.admin.Grant;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.TierOverride;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link QuotaAdmin#revoke}: ends a grant, override or bypass now, keeping it as history.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.Revoke}.
 */
public abstract class RevokeContract extends ContractFixture {
  private Quota quota;
  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected RevokeContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    quota = quota();
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("revoke");
    use(guard, tenant, 100_000);
  }

  @Test
  void revokeEndsAGrantNow() {
    Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, DECEMBER_START, OPERATOR, REASON);
    clock().advance(Duration.ofHours(1));

    Entitlement revoked = admin.revoke(grant.id(), OPERATOR, "granted to the wrong tenant");

    assertThat(revoked.id()).isEqualTo(grant.id());
    assertThat(revoked.revocation()).hasValueSatisfying(r -> {
      assertThat(r.at()).isEqualTo(START.plus(Duration.ofHours(1)));
      assertThat(r.by()).isEqualTo(OPERATOR);
      assertThat(r.reason()).isEqualTo("granted to the wrong tenant");
    });
    assertThat(guard.usage(tenant)).hasGranted(0).isBlocked();
  }

  @Test
  void revokedEntitlementIsKeptAndMarkedRevoked() {
    Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, DECEMBER_START, OPERATOR, REASON);

    admin.revoke(grant.id(), OPERATOR, REASON);

    assertThat(admin.entitlements(tenant)).singleElement().satisfies(e -> {
      assertThat(e.id()).isEqualTo(grant.id());
      assertThat(e.validUntil()).isEqualTo(DECEMBER_START);
      assertThat(e.revocation()).isPresent();
      assertThat(e.isActiveAt(START)).isFalse();
    });
  }

  @Test
  void revokeEndsAnOverrideNow() {
    TierOverride override = admin.overrideTier(tenant, PRO, START.plus(Duration.ofDays(3)), OPERATOR, REASON);

    admin.revoke(override.id(), OPERATOR, REASON);

    assertThat(guard.usage(tenant)).hasEffectiveTier(FREE).isBlocked();
  }

  @Test
  void revokeEndsABypassNow() {
    Bypass bypass = admin.bypass(tenant, START.plus(Duration.ofDays(1)), OPERATOR, REASON);

    admin.revoke(bypass.id(), OPERATOR, REASON);

    assertThat(guard.usage(tenant)).isNotBypassed().isBlocked();
    assertThat(guard.canProceed(tenant)).isFalse();
  }

  @Test
  void revokeIsAudited() {
    Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, DECEMBER_START, OPERATOR, REASON);

    admin.revoke(grant.id(), OPERATOR, "no longer needed");

    assertThat(auditOf(admin, tenant)).filteredOn(e -> e.operation() == AdminOperation.REVOKE).singleElement()
        .satisfies(entry -> {
      assertThat(entry.reason()).isEqualTo("no longer needed");
      assertThat(entry.details()).containsEntry("entitlement", grant.id().toString());
    });
  }

  @Test
  void revokingTwiceIsRefusedAndWritesNothing() {
    Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, DECEMBER_START, OPERATOR, REASON);
    admin.revoke(grant.id(), OPERATOR, REASON);
    List<AuditEntry> auditBefore = auditOf(admin, tenant);

    assertThatThrownBy(() -> admin.revoke(grant.id(), OPERATOR, REASON))
        .isInstanceOf(EntitlementStateException.class);

    assertThat(auditOf(admin, tenant)).isEqualTo(auditBefore);
    assertThat(admin.entitlements(tenant)).singleElement()
        .satisfies(e -> assertThat(e.revocation()).map(r -> r.at()).contains(START));
  }

  @Test
  void revokingAnUnknownIdIsRefused() {
    Page<AuditEntry> newestBefore = admin.audit(PageRequest.first(1));

    assertThatThrownBy(() -> admin.revoke(EntitlementId.random(), OPERATOR, REASON))
        .isInstanceOf(EntitlementStateException.class);

    assertThat(admin.audit(PageRequest.first(1))).isEqualTo(newestBefore);
  }

  @Test
  void revokingAnExpiredEntitlementIsRefused() {
    Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, START.plus(Duration.ofDays(1)), OPERATOR, REASON);
    clock().advance(Duration.ofDays(2));

    assertThatThrownBy(() -> admin.revoke(grant.id(), OPERATOR, REASON))
        .isInstanceOf(EntitlementStateException.class);
    assertThat(admin.entitlements(tenant)).singleElement().satisfies(e -> assertThat(e.revocation()).isEmpty());
  }

  @Test
  void entitlementsAreListedNewestFirst() {
    Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, DECEMBER_START, OPERATOR, REASON);
    clock().advance(Duration.ofMinutes(1));
    TierOverride override = admin.overrideTier(tenant, PRO, START.plus(Duration.ofDays(3)), OPERATOR, REASON);
    clock().advance(Duration.ofMinutes(1));
    Bypass bypass = admin.bypass(tenant, START.plus(Duration.ofDays(1)), OPERATOR, REASON);

    assertThat(admin.entitlements(tenant)).containsExactly(bypass, override, grant);
  }
}

package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.Tier.ENTERPRISE;
import static dev.quota.Tier.PRO;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static dev.quota.testkit.contract.QuotaStoreContract.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.UsageReport;
import dev.quota.admin.AccessDeniedException;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Entitlement;
import dev.quota.admin.Grant;
import dev.quota.admin.PurgeConfirmation;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.Verification;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@link dev.quota.admin.AdminAuthorizer}: a refusal throws and changes nothing.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.Authorization}.
 */
public abstract class AuthorizationContract extends ContractFixture {
  private TenantId tenant;
  private QuotaAdmin open;
  private Grant grant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected AuthorizationContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    tenant = newTenant("authorized");
    Quota permissive = quota();
    open = permissive.admin();
    use(permissive.guard(), tenant, 100_000);
    grant = open.grantCredit(tenant, AI_TOKENS, 5_000, DECEMBER_START, OPERATOR, REASON);
  }

  private void attempt(QuotaAdmin admin, AdminOperation operation) {
    // a switch expression, so that a new operation does not compile until it is attempted here
    Object done = switch (operation) {
      case RESET_USAGE -> admin.resetUsage(tenant, OPERATOR, REASON);
      case GRANT_CREDIT -> admin.grantCredit(tenant, AI_TOKENS, 1_000, DECEMBER_START, OPERATOR, REASON);
      case OVERRIDE_TIER -> admin.overrideTier(tenant, PRO, DECEMBER_START, OPERATOR, REASON);
      case BYPASS -> admin.bypass(tenant, DECEMBER_START, OPERATOR, REASON);
      case REVOKE -> admin.revoke(grant.id(), OPERATOR, REASON);
      case SET_PLAN -> admin.setPlan(tenant, Plan.of(ENTERPRISE), OPERATOR, REASON);
      case PURGE_USAGE -> admin.purgeUsage(tenant, START, new PurgeConfirmation(tenant.value()), OPERATOR, REASON);
      case OVERRIDE_LIMIT -> admin.overrideLimit(tenant, AI_TOKENS, 1_000, OPERATOR, REASON);
      case GRANT_ONE_TIME_CREDIT -> admin.grantOneTimeCredit(tenant, AI_TOKENS, 1_000, DECEMBER_START,
          DECEMBER_START.plus(java.time.Duration.ofDays(30)), OPERATOR, REASON);
      case SET_PARENT -> admin.setParent(tenant, newTenant("authorized-parent"), OPERATOR, REASON);
      case ROLLOVER -> throw new IllegalArgumentException("a rollover is made by quota itself, not asked for");
    };
    assertThat(done).isNotNull();
  }

  @ParameterizedTest
  // ROLLOVER is no admin call: quota makes it itself, unasked (RolloverContract)
  @EnumSource(value = AdminOperation.class, mode = EnumSource.Mode.EXCLUDE, names = "ROLLOVER")
  void refusedChangeThrowsAccessDeniedAndWritesNothing(AdminOperation refused) {
    Quota guarded = quotaBuilder().authorizer((actor, operation, t) -> operation != refused).build();
    UsageReport reportBefore = guarded.guard().usage(tenant);
    List<AuditEntry> auditBefore = auditOf(open, tenant);
    List<Entitlement> entitlementsBefore = open.entitlements(tenant);
    Verification ledgerBefore = open.verify(tenant);

    assertThatThrownBy(() -> attempt(guarded.admin(), refused))
        .isInstanceOfSatisfying(AccessDeniedException.class, e -> {
          assertThat(e.operation()).isEqualTo(refused);
          assertThat(e.actor()).isEqualTo(OPERATOR);
          assertThat(e.tenant()).isEqualTo(tenant);
        });

    assertThat(guarded.guard().usage(tenant)).isEqualTo(reportBefore);
    assertThat(auditOf(open, tenant)).isEqualTo(auditBefore);
    assertThat(open.entitlements(tenant)).isEqualTo(entitlementsBefore);
    assertThat(open.verify(tenant)).isEqualTo(ledgerBefore);
  }

  @ParameterizedTest
  // ROLLOVER is no admin call: quota makes it itself, unasked (RolloverContract)
  @EnumSource(value = AdminOperation.class, mode = EnumSource.Mode.EXCLUDE, names = "ROLLOVER")
  void permittedChangeGoesThrough(AdminOperation permitted) {
    Quota guarded = quotaBuilder().authorizer((actor, operation, t) -> operation == permitted).build();
    int auditBefore = auditOf(open, tenant).size();
    // Later than the set-up's entries, so that "newest first" puts this change's entry first.
    clock().advance(Duration.ofMinutes(1));

    attempt(guarded.admin(), permitted);

    assertThat(auditOf(open, tenant)).hasSize(auditBefore + 1).first()
        .satisfies(entry -> assertThat(entry.operation()).isEqualTo(permitted));
  }

  @Test
  void authorizerIsAskedAboutTheActorTheOperationAndTheTenant() {
    List<String> asked = Collections.synchronizedList(new ArrayList<>());
    QuotaAdmin admin = quotaBuilder().authorizer((actor, operation, t) -> {
      asked.add(actor.id() + " " + operation + " " + t.value());
      return true;
    }).build().admin();

    admin.bypass(tenant, DECEMBER_START, Actor.of("support-bot"), REASON);

    assertThat(asked).containsExactly("support-bot BYPASS " + tenant.value());
  }
}

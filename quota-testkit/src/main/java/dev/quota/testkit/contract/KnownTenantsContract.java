package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static dev.quota.testkit.contract.QuotaStoreContract.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.InvalidRequestException;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageKey;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PurgeConfirmation;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.TenantLookup;
import dev.quota.spi.AdminStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which tenants a store knows ({@link AdminStore#knowsTenant}, {@link AdminStore#knownTenantsLike}) and what
 * {@link QuotaAdmin} makes of it: changes to an unknown tenant are refused with the similar known ids and write
 * nothing, unless made through {@link QuotaAdmin#acceptingNewTenants()}; a plan creates a tenant.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.KnownTenants}.
 */
public abstract class KnownTenantsContract extends ContractFixture {
  private Quota quota;
  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected KnownTenantsContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    quota = quota();
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("known");
  }

  /** The same id with one character more: a typo of it. */
  private static TenantId typoOf(TenantId tenant) {
    return TenantId.of(tenant.value() + "x");
  }

  // --- what makes a tenant known ---------------------------------------------------------------------------

  @Test
  void aTenantNothingWasWrittenForIsUnknown() {
    assertThat(store().knowsTenant(tenant)).isFalse();
    assertThat(admin.lookUp(tenant).known()).isFalse();
  }

  @Test
  void readingATenantLeavesItUnknown() {
    guard.canProceed(tenant);
    guard.usage(tenant);
    admin.entitlements(tenant);
    admin.verify(tenant);
    admin.previewPurge(tenant, START.minus(Duration.ofDays(1)));

    assertThat(store().knowsTenant(tenant)).isFalse();
  }

  @Test
  void aConsumeRefusedForLackOfBalanceLeavesATenantWithoutUsageUnknown() {
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 100_001, UsageKey.random()).decision().allowed()).isFalse();

    assertThat(store().knowsTenant(tenant)).isFalse();
  }

  @Test
  void aPlanMakesATenantKnown() {
    admin.setPlan(tenant, Plan.of(Tier.PRO), OPERATOR, REASON);

    assertThat(store().knowsTenant(tenant)).isTrue();
    assertThat(admin.lookUp(tenant)).isEqualTo(new TenantLookup(tenant, true, List.of()));
  }

  @Test
  void recordedUsageMakesATenantKnown() {
    use(guard, tenant, 1);

    assertThat(store().knowsTenant(tenant)).isTrue();
  }

  @Test
  void aReservationMakesATenantKnown() {
    assertThat(guard.reserve(tenant, AI_TOKENS, 100, Duration.ofMinutes(1)).granted()).isTrue();

    assertThat(store().knowsTenant(tenant)).isTrue();
  }

  @Test
  void anEntitlementMakesATenantKnownAndStaysAfterItEnds() {
    admin.acceptingNewTenants().bypass(tenant, START.plus(Duration.ofHours(1)), OPERATOR, REASON);
    clock().advance(Duration.ofHours(2));

    assertThat(store().knowsTenant(tenant)).isTrue();
  }

  @Test
  void aTenantWhoseUsageWasPurgedStaysKnownByItsAuditHistory() {
    use(guard, tenant, 500);
    admin.purgeUsage(tenant, START, new PurgeConfirmation(tenant.value()), OPERATOR, REASON);

    assertThat(guard.usage(tenant).used()).isZero();
    assertThat(store().knowsTenant(tenant)).isTrue();
  }

  // --- changes to unknown tenants --------------------------------------------------------------------------

  static Stream<Arguments> changes() {
    Instant tomorrow = START.plus(Duration.ofDays(1));
    return Stream.of(
        change("resetUsage", (admin, t) -> admin.resetUsage(t, OPERATOR, REASON)),
        change("resetUsage on one meter", (admin, t) -> admin.resetUsage(t, AI_TOKENS, OPERATOR, REASON)),
        change("grantCredit", (admin, t) -> admin.grantCredit(t, AI_TOKENS, 50_000, tomorrow, OPERATOR, REASON)),
        change("overrideTier", (admin, t) -> admin.overrideTier(t, Tier.ENTERPRISE, tomorrow, OPERATOR, REASON)),
        change("bypass", (admin, t) -> admin.bypass(t, tomorrow, OPERATOR, REASON)),
        change("purgeUsage", (admin, t) -> admin.purgeUsage(t, START.minus(Duration.ofDays(1)),
            new PurgeConfirmation(t.value()), OPERATOR, REASON)));
  }

  private static Arguments change(String name, BiConsumer<QuotaAdmin, TenantId> call) {
    return Arguments.of(name, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changes")
  void aChangeToAnUnknownTenantIsRefusedNamingTheTenantAndWritesNothing(String name,
      BiConsumer<QuotaAdmin, TenantId> change) {
    use(guard, tenant, 100_000); // the tenant meant, blocked
    TenantId typo = typoOf(tenant);
    Page<AuditEntry> newestBefore = admin.audit(PageRequest.first(1));

    assertThatThrownBy(() -> change.accept(admin, typo))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("tenant");
          assertThat(e.getMessage()).startsWith("tenant '" + typo + "' is unknown: it has no plan, usage, "
              + "entitlements or audit history; did you mean '" + tenant + "'");
        });

    assertThat(store().knowsTenant(typo)).isFalse();
    assertThat(admin.entitlements(typo)).isEmpty();
    assertThat(admin.audit(PageRequest.first(1))).as("the audit log").isEqualTo(newestBefore);
    assertThat(guard.usage(tenant).blocked()).as("the tenant meant is still blocked").isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changes")
  void theSameChangeThroughAnAdminAcceptingNewTenantsIsMadeAndAudited(String name,
      BiConsumer<QuotaAdmin, TenantId> change) {
    change.accept(admin.acceptingNewTenants(), tenant);

    assertThat(auditOf(admin, tenant)).hasSize(1);
    assertThat(store().knowsTenant(tenant)).isTrue();
  }

  @Test
  void aPlanForANewTenantNeedsNoOptIn() {
    admin.setPlan(tenant, Plan.of(Tier.PRO), OPERATOR, REASON);

    assertThat(guard.usage(tenant).limit()).isEqualTo(1_000_000);
    assertThat(admin.grantCredit(tenant, AI_TOKENS, 10, START.plus(Duration.ofDays(1)), OPERATOR, REASON).amount())
        .isEqualTo(10);
  }

  // --- similar known tenants -------------------------------------------------------------------------------

  @Test
  void theKnownTenantsLikeAnUnknownIdAreClosestFirstAndOnlyKnownOnes() {
    String base = tenant.value();
    TenantId planned = TenantId.of(base + "a");    // known by its plan, one edit from the typo
    TenantId used = TenantId.of(base + "ab");      // known by its usage, two edits
    TenantId neverUsed = TenantId.of(base + "b");  // one edit, but only read: unknown
    admin.setPlan(planned, Plan.of(Tier.FREE), OPERATOR, REASON);
    use(guard, used, 1);
    guard.usage(neverUsed);
    TenantId typo = TenantId.of(base);

    assertThat(store().knownTenantsLike(typo, 5)).containsExactly(planned, used);
    assertThat(store().knownTenantsLike(typo, 1)).containsExactly(planned);
    assertThat(admin.lookUp(typo)).isEqualTo(new TenantLookup(typo, false, List.of(planned, used)));
  }

  @Test
  void anIdDifferingOnlyInCaseIsSuggested() {
    use(guard, tenant, 1);
    TenantId shouted = TenantId.of(tenant.value().toUpperCase(Locale.ROOT));

    assertThat(admin.lookUp(shouted).similar()).first().isEqualTo(tenant);
  }

  @Test
  void anUnknownIdLikeNoKnownOneHasNothingToSuggest() {
    TenantId unlike = TenantId.of("zz" + tenant.value().replace('-', 'q') + "zzzz");

    assertThat(admin.lookUp(unlike).similar()).isEmpty();
    assertThat(admin.lookUp(unlike).didYouMean()).isEmpty();
  }
}

package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.PlanFallback;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import dev.quota.UsageReport.TierSource;
import dev.quota.admin.Actor;
import dev.quota.admin.Bypass;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.admin.Revocation;
import dev.quota.admin.TierOverride;
import dev.quota.period.PeriodPolicy;
import dev.quota.spi.Counter;
import dev.quota.spi.TenantState;
import dev.quota.support.LogCapture;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The balance policy, from hand-made tenant states: no store involved.
 *
 * <p>The tier rule these tests pin down: the effective tier is the most generous active tier override if
 * there is one, else the plan's tier (else the default tier, else none). An active override wins even when
 * it names a less generous tier than the plan: an override is an explicit operator decision for a while,
 * so a temporary downgrade (say, to contain abuse) is honoured until it ends or is revoked.
 */
class EvaluatorTest {
  private static final TenantId TENANT = TenantId.of("acme");
  private static final Meter TOKENS = Meter.AI_TOKENS;
  private static final Meter CALLS = Meter.of("ai-calls");
  private static final Instant NOW = Instant.parse("2027-01-15T12:00:00Z");
  private static final Period JANUARY = new Period(Instant.parse("2027-01-01T00:00:00Z"),
      Instant.parse("2027-02-01T00:00:00Z"));
  private static final Actor OPERATOR = Actor.of("ops@example.com");
  private static final Tier UNDECLARED = Tier.of("legacy-gold");

  private static TierCatalogue.Builder catalogueBuilder() {
    return TierCatalogue.builder()
        .meter(TOKENS, PeriodPolicy.calendarMonth())
        .meter(CALLS, PeriodPolicy.calendarDay(ZoneOffset.UTC))
        .tier(Tier.FREE, Map.of(TOKENS, 100_000L, CALLS, 50L))
        .tier(Tier.PRO, Map.of(TOKENS, 1_000_000L, CALLS, 1_000L))
        .tier(Tier.ENTERPRISE, Map.of(TOKENS, 10_000_000L, CALLS, TierCatalogue.UNLIMITED))
        .defaultTier(Tier.FREE);
  }

  private final Evaluator evaluator = new Evaluator(catalogueBuilder().build());
  private LogCapture logs;
  private final Evaluator rejecting = new Evaluator(catalogueBuilder()
      .whenNoPlan(PlanFallback.REJECT).whenUnknownTier(PlanFallback.REJECT).build());

  private static TenantState state(Optional<Plan> plan, List<Entitlement> entitlements, Counter... counters) {
    return new TenantState(plan, entitlements, 7, List.of(counters));
  }

  private static TenantState onPlan(Tier tier, Entitlement... entitlements) {
    return state(Optional.of(Plan.of(tier)), List.of(entitlements));
  }

  private static TierOverride override(Tier tier, Instant from, Instant until) {
    return new TierOverride(EntitlementId.random(), TENANT, tier, from, until, OPERATOR, "trial", Optional.empty());
  }

  private static TierOverride activeOverride(Tier tier) {
    return override(tier, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1)));
  }

  private static Grant grant(Meter meter, long amount, Instant from, Instant until) {
    return new Grant(EntitlementId.random(), TENANT, Grant.Kind.CREDIT, meter, amount, from, until, OPERATOR, "credit",
        Optional.empty());
  }

  private static Grant activeGrant(Meter meter, long amount) {
    return grant(meter, amount, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1)));
  }

  private static Bypass bypass(Instant from, Instant until) {
    return new Bypass(EntitlementId.random(), TENANT, from, until, OPERATOR, "incident", Optional.empty());
  }

  private static Revocation revocationAt(Instant at) {
    return new Revocation(at, OPERATOR, "revoked");
  }

  @BeforeEach
  void captureLogs() {
    // Unknown tiers are warned about; keep those expected warnings out of the build output.
    logs = LogCapture.start();
  }

  @AfterEach
  void stopCapturing() {
    logs.close();
  }

  private UsageReport evaluate(TenantState state) {
    return evaluator.evaluate(TENANT, TOKENS, state, NOW);
  }

  // --- effective tier -------------------------------------------------------------------------------------

  @Test
  void planTierIsTheEffectiveTier() {
    UsageReport report = evaluate(onPlan(Tier.PRO));

    assertThat(report.effectiveTier()).contains(Tier.PRO);
    assertThat(report.plannedTier()).contains(Tier.PRO);
    assertThat(report.tierSource()).isEqualTo(TierSource.PLAN);
    assertThat(report.limit()).isEqualTo(1_000_000);
  }

  @Test
  void tenantWithoutAPlanGetsTheDefaultTier() {
    UsageReport report = evaluate(state(Optional.empty(), List.of()));

    assertThat(report.effectiveTier()).contains(Tier.FREE);
    assertThat(report.plannedTier()).isEmpty();
    assertThat(report.tierSource()).isEqualTo(TierSource.DEFAULT_WITHOUT_PLAN);
    assertThat(report.limit()).isEqualTo(100_000);
  }

  @Test
  void tenantWithAnUnknownTierGetsTheDefaultTierAndKeepsItsPlannedTier() {
    UsageReport report = evaluate(onPlan(UNDECLARED));

    assertThat(report.effectiveTier()).contains(Tier.FREE);
    assertThat(report.plannedTier()).contains(UNDECLARED);
    assertThat(report.tierSource()).isEqualTo(TierSource.DEFAULT_FOR_UNKNOWN_TIER);
    assertThat(report.limit()).isEqualTo(100_000);
  }

  @Test
  void tenantWithoutAPlanIsRejectedWithALimitOfZero() {
    UsageReport report = rejecting.evaluate(TENANT, TOKENS, state(Optional.empty(), List.of()), NOW);

    assertThat(report.effectiveTier()).isEmpty();
    assertThat(report.tierSource()).isEqualTo(TierSource.REJECTED_WITHOUT_PLAN);
    assertThat(report.limit()).isZero();
    assertThat(report.blocked()).isTrue();
  }

  @Test
  void tenantWithAnUnknownTierIsRejectedWithALimitOfZero() {
    UsageReport report = rejecting.evaluate(TENANT, TOKENS, onPlan(UNDECLARED), NOW);

    assertThat(report.effectiveTier()).isEmpty();
    assertThat(report.plannedTier()).contains(UNDECLARED);
    assertThat(report.tierSource()).isEqualTo(TierSource.REJECTED_UNKNOWN_TIER);
    assertThat(report.limit()).isZero();
  }

  @Test
  void grantStillRaisesTheCeilingOfARejectedTenant() {
    UsageReport report = rejecting.evaluate(TENANT, TOKENS,
        state(Optional.empty(), List.of(activeGrant(TOKENS, 500))), NOW);

    assertThat(report.ceiling()).isEqualTo(500);
    assertThat(report.tierSource()).isEqualTo(TierSource.REJECTED_WITHOUT_PLAN);
  }

  @Test
  void activeOverrideGivesARejectedTenantItsTier() {
    UsageReport report = rejecting.evaluate(TENANT, TOKENS,
        state(Optional.empty(), List.of(activeOverride(Tier.PRO))), NOW);

    assertThat(report.effectiveTier()).contains(Tier.PRO);
    assertThat(report.tierSource()).isEqualTo(TierSource.OVERRIDE);
    assertThat(report.limit()).isEqualTo(1_000_000);
  }

  // --- overrides -----------------------------------------------------------------------------------------

  @Test
  void activeOverrideReplacesThePlanTier() {
    UsageReport report = evaluate(onPlan(Tier.FREE, activeOverride(Tier.ENTERPRISE)));

    assertThat(report.effectiveTier()).contains(Tier.ENTERPRISE);
    assertThat(report.plannedTier()).contains(Tier.FREE);
    assertThat(report.tierSource()).isEqualTo(TierSource.OVERRIDE);
    assertThat(report.limit()).isEqualTo(10_000_000);
  }

  @Test
  void mostGenerousOfSeveralActiveOverridesWinsWhateverTheirOrder() {
    assertThat(evaluate(onPlan(Tier.FREE, activeOverride(Tier.ENTERPRISE), activeOverride(Tier.PRO)))
        .effectiveTier()).contains(Tier.ENTERPRISE);
    assertThat(evaluate(onPlan(Tier.FREE, activeOverride(Tier.PRO), activeOverride(Tier.ENTERPRISE)))
        .effectiveTier()).contains(Tier.ENTERPRISE);
  }

  @Test
  void overrideToALessGenerousTierThanThePlanStillApplies() {
    UsageReport report = evaluate(onPlan(Tier.ENTERPRISE, activeOverride(Tier.FREE)));

    assertThat(report.effectiveTier()).contains(Tier.FREE);
    assertThat(report.tierSource()).isEqualTo(TierSource.OVERRIDE);
    assertThat(report.limit()).isEqualTo(100_000);
  }

  @Test
  void overrideAppliesToATenantWithoutAPlan() {
    UsageReport report = evaluate(state(Optional.empty(), List.of(activeOverride(Tier.PRO))));

    assertThat(report.effectiveTier()).contains(Tier.PRO);
    assertThat(report.tierSource()).isEqualTo(TierSource.OVERRIDE);
  }

  @Test
  void overrideToATierTheCatalogueNoLongerDeclaresIsIgnored() {
    TierOverride stale = activeOverride(UNDECLARED);

    UsageReport report = evaluate(onPlan(Tier.PRO, stale));

    assertThat(report.effectiveTier()).contains(Tier.PRO);
    assertThat(report.tierSource()).isEqualTo(TierSource.PLAN);
    assertThat(report.activeEntitlements()).doesNotContain(stale);
  }

  @Test
  void expiredOverrideIsIgnored() {
    assertThat(evaluate(onPlan(Tier.FREE, override(Tier.PRO, NOW.minus(Duration.ofDays(2)), NOW))).effectiveTier())
        .contains(Tier.FREE);
  }

  @Test
  void futureOverrideIsIgnored() {
    assertThat(evaluate(onPlan(Tier.FREE, override(Tier.PRO, NOW.plusNanos(1), NOW.plus(Duration.ofDays(2)))))
        .effectiveTier()).contains(Tier.FREE);
  }

  @Test
  void revokedOverrideIsIgnored() {
    TierOverride revoked = activeOverride(Tier.ENTERPRISE).revoked(revocationAt(NOW));

    assertThat(evaluate(onPlan(Tier.PRO, revoked)).effectiveTier()).contains(Tier.PRO);
  }

  @Test
  void revokedMoreGenerousOverrideLeavesTheOtherActiveOverrideInForce() {
    TierOverride revokedEnterprise = activeOverride(Tier.ENTERPRISE).revoked(revocationAt(NOW.minusSeconds(1)));

    assertThat(evaluate(onPlan(Tier.FREE, revokedEnterprise, activeOverride(Tier.PRO))).effectiveTier())
        .contains(Tier.PRO);
  }

  // --- grants ----------------------------------------------------------------------------------------------

  @Test
  void activeGrantsOnTheMeterAddUp() {
    UsageReport report = evaluate(onPlan(Tier.FREE, activeGrant(TOKENS, 5_000), activeGrant(TOKENS, 2_000)));

    assertThat(report.granted()).isEqualTo(7_000);
    assertThat(report.ceiling()).isEqualTo(107_000);
  }

  @Test
  void grantOnAnotherMeterDoesNotCount() {
    Grant callsGrant = activeGrant(CALLS, 5_000);

    UsageReport report = evaluate(onPlan(Tier.FREE, callsGrant));

    assertThat(report.granted()).isZero();
    assertThat(report.activeEntitlements()).doesNotContain(callsGrant);
    assertThat(evaluator.evaluate(TENANT, CALLS, onPlan(Tier.FREE, callsGrant), NOW).granted()).isEqualTo(5_000);
  }

  @Test
  void grantsSaturateInsteadOfOverflowing() {
    UsageReport report = evaluate(onPlan(Tier.FREE, activeGrant(TOKENS, Long.MAX_VALUE / 2 + 1),
        activeGrant(TOKENS, Long.MAX_VALUE / 2 + 1)));

    assertThat(report.granted()).isEqualTo(Long.MAX_VALUE);
    assertThat(report.ceiling()).isEqualTo(TierCatalogue.UNLIMITED);
  }

  @Test
  void expiredGrantIsIgnored() {
    assertThat(evaluate(onPlan(Tier.FREE, grant(TOKENS, 5_000, NOW.minus(Duration.ofDays(1)), NOW))).granted())
        .isZero();
  }

  @Test
  void futureGrantIsIgnored() {
    assertThat(evaluate(onPlan(Tier.FREE, grant(TOKENS, 5_000, NOW.plusSeconds(1), NOW.plus(Duration.ofDays(1)))))
        .granted()).isZero();
  }

  @Test
  void revokedGrantIsIgnored() {
    assertThat(evaluate(onPlan(Tier.FREE, activeGrant(TOKENS, 5_000).revoked(revocationAt(NOW)))).granted()).isZero();
  }

  @Test
  void grantStartingNowCounts() {
    assertThat(evaluate(onPlan(Tier.FREE, grant(TOKENS, 5_000, NOW, NOW.plusSeconds(1)))).granted()).isEqualTo(5_000);
  }

  // --- bypasses --------------------------------------------------------------------------------------------

  @Test
  void activeBypassIsReportedWithItsEnd() {
    Instant end = NOW.plus(Duration.ofHours(4));

    UsageReport report = evaluate(onPlan(Tier.FREE, bypass(NOW.minusSeconds(60), end)));

    assertThat(report.bypassedUntil()).contains(end);
    assertThat(report.blocked()).isFalse();
  }

  @Test
  void bypassEndIsTheLatestEndOfTheActiveBypasses() {
    Instant later = NOW.plus(Duration.ofHours(8));

    UsageReport report = evaluate(onPlan(Tier.FREE,
        bypass(NOW.minusSeconds(60), NOW.plus(Duration.ofHours(2))),
        bypass(NOW.minusSeconds(30), later),
        bypass(NOW.minusSeconds(10), NOW.plus(Duration.ofHours(4)))));

    assertThat(report.bypassedUntil()).contains(later);
  }

  @Test
  void futureBypassWithALaterEndDoesNotExtendTheActiveOne() {
    Instant activeEnd = NOW.plus(Duration.ofHours(2));

    UsageReport report = evaluate(onPlan(Tier.FREE,
        bypass(NOW.minusSeconds(60), activeEnd),
        bypass(NOW.plus(Duration.ofHours(3)), NOW.plus(Duration.ofDays(3)))));

    assertThat(report.bypassedUntil()).contains(activeEnd);
  }

  @Test
  void expiredBypassIsIgnored() {
    assertThat(evaluate(onPlan(Tier.FREE, bypass(NOW.minus(Duration.ofHours(2)), NOW))).bypassedUntil()).isEmpty();
  }

  @Test
  void revokedBypassIsIgnored() {
    Bypass revoked = bypass(NOW.minusSeconds(60), NOW.plus(Duration.ofHours(2))).revoked(revocationAt(NOW));

    assertThat(evaluate(onPlan(Tier.FREE, revoked)).bypassed()).isFalse();
  }

  @Test
  void onlyActiveEntitlementsAreListed() {
    Grant active = activeGrant(TOKENS, 1);
    Bypass activeBypass = bypass(NOW.minusSeconds(1), NOW.plusSeconds(1));
    TierOverride activeTier = activeOverride(Tier.PRO);
    Grant expired = grant(TOKENS, 1, NOW.minusSeconds(10), NOW);
    Bypass future = bypass(NOW.plusSeconds(1), NOW.plusSeconds(2));

    UsageReport report = evaluate(onPlan(Tier.FREE, active, expired, activeBypass, future, activeTier));

    assertThat(report.activeEntitlements()).containsExactly(active, activeBypass, activeTier);
  }

  // --- periods and counters ----------------------------------------------------------------------------------

  @Test
  void periodIsTheCataloguePeriodWithoutABillingDay() {
    assertThat(evaluate(onPlan(Tier.PRO)).period()).isEqualTo(JANUARY);
  }

  @Test
  void periodFollowsThePlansBillingDay() {
    UsageReport report = evaluate(state(Optional.of(Plan.of(Tier.PRO, 20)), List.of()));

    assertThat(report.period()).isEqualTo(new Period(Instant.parse("2026-12-20T00:00:00Z"),
        Instant.parse("2027-01-20T00:00:00Z")));
    assertThat(report.resetsAt()).isEqualTo(Instant.parse("2027-01-20T00:00:00Z"));
  }

  @Test
  void billingDayDoesNotMoveADailyMeter() {
    UsageReport report = evaluator.evaluate(TENANT, CALLS, state(Optional.of(Plan.of(Tier.PRO, 20)), List.of()), NOW);

    assertThat(report.period()).isEqualTo(new Period(Instant.parse("2027-01-15T00:00:00Z"),
        Instant.parse("2027-01-16T00:00:00Z")));
  }

  @Test
  void periodOfAgreesWithTheReport() {
    TenantState state = state(Optional.of(Plan.of(Tier.PRO, 31)), List.of());

    assertThat(evaluator.periodOf(state, TOKENS, NOW)).isEqualTo(evaluate(state).period());
  }

  @Test
  void counterOfTheCurrentPeriodGivesUsedAndReserved() {
    UsageReport report = evaluate(state(Optional.of(Plan.of(Tier.FREE)), List.of(), new Counter(JANUARY, 60_000, 4_000)));

    assertThat(report.used()).isEqualTo(60_000);
    assertThat(report.reserved()).isEqualTo(4_000);
    assertThat(report.remaining()).isEqualTo(36_000);
  }

  @Test
  void counterIsChosenByExactPeriodWhenTwoArePresent() {
    // Right after a billing-day change the store returns the old calendar-month counter and the new one.
    Period billing = new Period(Instant.parse("2027-01-10T00:00:00Z"), Instant.parse("2027-02-10T00:00:00Z"));
    TenantState state = state(Optional.of(Plan.of(Tier.FREE, 10)), List.of(),
        new Counter(JANUARY, 90_000, 0), new Counter(billing, 1_500, 200));

    UsageReport report = evaluate(state);

    assertThat(report.period()).isEqualTo(billing);
    assertThat(report.used()).isEqualTo(1_500);
    assertThat(report.reserved()).isEqualTo(200);
  }

  @Test
  void counterOfAnotherPeriodIsNotUsed() {
    Period december = new Period(Instant.parse("2026-12-01T00:00:00Z"), JANUARY.start());

    UsageReport report = evaluate(state(Optional.of(Plan.of(Tier.FREE)), List.of(), new Counter(december, 99_000, 0)));

    assertThat(report.used()).isZero();
    assertThat(report.period()).isEqualTo(JANUARY);
  }

  @Test
  void reportDescribesTheTenantMeterAndInstant() {
    UsageReport report = evaluate(onPlan(Tier.PRO));

    assertThat(report.tenant()).isEqualTo(TENANT);
    assertThat(report.meter()).isEqualTo(TOKENS);
    assertThat(report.asOf()).isEqualTo(NOW);
  }

  // --- withCounter --------------------------------------------------------------------------------------------

  @Test
  void withCounterReplacesUsedAndReservedOfTheSamePeriod() {
    UsageReport before = evaluate(onPlan(Tier.FREE));

    UsageReport after = Evaluator.withCounter(before, new Counter(JANUARY, 10, 5));

    assertThat(after.used()).isEqualTo(10);
    assertThat(after.reserved()).isEqualTo(5);
    assertThat(after.limit()).isEqualTo(before.limit());
  }

  @Test
  void withCounterOfAnotherPeriodKeepsTheReport() {
    UsageReport before = evaluate(onPlan(Tier.FREE));
    Period february = new Period(JANUARY.end(), Instant.parse("2027-03-01T00:00:00Z"));

    assertThat(Evaluator.withCounter(before, new Counter(february, 10, 5))).isSameAs(before);
  }

  // --- warnings -------------------------------------------------------------------------------------------------

  @Test
  void unknownPlanTierIsWarnedOncePerTier() {
    evaluate(onPlan(UNDECLARED));
    evaluate(onPlan(UNDECLARED));
    evaluator.evaluate(TenantId.of("globex"), TOKENS, onPlan(UNDECLARED), NOW);
    evaluate(onPlan(Tier.of("legacy-silver")));

    assertThat(logs.messages(Evaluator.class.getName(), Level.WARN)).hasSize(2)
        .first().asString().contains("acme").contains("legacy-gold").contains("USE_DEFAULT_TIER");
  }

  @Test
  void overrideToAnUnknownTierIsWarnedAsIgnored() {
    evaluate(onPlan(Tier.PRO, activeOverride(UNDECLARED)));

    assertThat(logs.messages(Evaluator.class.getName(), Level.WARN)).singleElement().asString()
        .contains("acme").contains("legacy-gold").contains("override").contains("ignor")
        .doesNotContain("USE_DEFAULT_TIER");
  }
}

package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.period.PeriodPolicy;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TierCatalogueTest {
  private static final Meter CALLS = Meter.of("ai-calls");
  private static final Tier TEAM = Tier.of("team");

  private static TierCatalogue.Builder oneMeter() {
    return TierCatalogue.builder().meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth());
  }

  // --- defaults() ------------------------------------------------------------------------------------

  @Test
  void defaultsLimitFreeTo100kTokens() {
    assertThat(TierCatalogue.defaults().limit(Tier.FREE, Meter.AI_TOKENS)).isEqualTo(100_000);
  }

  @Test
  void defaultsLimitProTo1MTokens() {
    assertThat(TierCatalogue.defaults().limit(Tier.PRO, Meter.AI_TOKENS)).isEqualTo(1_000_000);
  }

  @Test
  void defaultsLimitEnterpriseTo10MTokens() {
    assertThat(TierCatalogue.defaults().limit(Tier.ENTERPRISE, Meter.AI_TOKENS)).isEqualTo(10_000_000);
  }

  @Test
  void defaultsDeclareTiersFromFreeToEnterprise() {
    assertThat(TierCatalogue.defaults().tiers()).containsExactly(Tier.FREE, Tier.PRO, Tier.ENTERPRISE);
  }

  @Test
  void defaultsMeterAiTokensInUtcCalendarMonths() {
    assertThat(TierCatalogue.defaults().meters()).containsExactly(
        Map.entry(Meter.AI_TOKENS, PeriodPolicy.calendarMonth(ZoneOffset.UTC)));
    assertThat(TierCatalogue.defaults().defaultMeter()).isEqualTo(Meter.AI_TOKENS);
  }

  @Test
  void defaultsTreatTenantsWithoutAPlanOrWithAnUnknownTierAsFree() {
    TierCatalogue defaults = TierCatalogue.defaults();

    assertThat(defaults.defaultTier()).isEqualTo(Tier.FREE);
    assertThat(defaults.whenNoPlan()).isEqualTo(PlanFallback.USE_DEFAULT_TIER);
    assertThat(defaults.whenUnknownTier()).isEqualTo(PlanFallback.USE_DEFAULT_TIER);
  }

  @Test
  void defaultsEqualTheSameCatalogueBuiltByHand() {
    TierCatalogue byHand = oneMeter()
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 100_000L))
        .tier(Tier.PRO, Map.of(Meter.AI_TOKENS, 1_000_000L))
        .tier(Tier.ENTERPRISE, Map.of(Meter.AI_TOKENS, 10_000_000L))
        .defaultTier(Tier.FREE)
        .build();

    assertThat(byHand).isEqualTo(TierCatalogue.defaults()).hasSameHashCodeAs(TierCatalogue.defaults());
  }

  @Test
  void cataloguesDeclaringTiersInAnotherOrderAreNotEqual() {
    // The declaration order is the generosity order: reversing it changes which override wins.
    TierCatalogue freeThenPro = oneMeter().tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 1L))
        .tier(Tier.PRO, Map.of(Meter.AI_TOKENS, 2L)).defaultTier(Tier.FREE).build();
    TierCatalogue proThenFree = oneMeter().tier(Tier.PRO, Map.of(Meter.AI_TOKENS, 2L))
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 1L)).defaultTier(Tier.FREE).build();

    assertThat(freeThenPro.compareGenerosity(Tier.FREE, Tier.PRO))
        .isNotEqualTo(proThenFree.compareGenerosity(Tier.FREE, Tier.PRO));
    assertThat(freeThenPro).isNotEqualTo(proThenFree);
  }

  @Test
  void cataloguesDeclaringMetersInAnotherOrderAreNotEqual() {
    // The first meter declared is the default meter, the one canProceed checks.
    TierCatalogue tokensFirst = TierCatalogue.builder()
        .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth()).meter(CALLS, PeriodPolicy.calendarMonth())
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 1L, CALLS, 1L)).defaultTier(Tier.FREE).build();
    TierCatalogue callsFirst = TierCatalogue.builder()
        .meter(CALLS, PeriodPolicy.calendarMonth()).meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 1L, CALLS, 1L)).defaultTier(Tier.FREE).build();

    assertThat(tokensFirst.defaultMeter()).isNotEqualTo(callsFirst.defaultMeter());
    assertThat(tokensFirst).isNotEqualTo(callsFirst);
  }

  // --- builder validation ---------------------------------------------------------------------------------

  @Test
  void catalogueWithoutMetersIsRejected() {
    assertThatThrownBy(() -> TierCatalogue.builder().tier(Tier.FREE, Map.of()).defaultTier(Tier.FREE).build())
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("meters");
          assertThat(e.rule()).isEqualTo("must declare at least one meter");
        });
  }

  @Test
  void catalogueWithoutTiersIsRejected() {
    assertThatThrownBy(() -> oneMeter().build())
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("tiers");
          assertThat(e.rule()).isEqualTo("must declare at least one tier");
        });
  }

  @Test
  void tierMissingALimitForADeclaredMeterIsRejected() {
    assertThatThrownBy(() -> oneMeter().meter(CALLS, PeriodPolicy.calendarDay(ZoneOffset.UTC))
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 100L)).defaultTier(Tier.FREE).build())
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("limits of tier free");
          assertThat(e.rule()).contains("must include meter 'ai-calls'").contains("UNLIMITED");
        });
  }

  @Test
  void tierNamingAnUndeclaredMeterIsRejected() {
    assertThatThrownBy(() -> oneMeter().tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 100L, CALLS, 5L))
        .defaultTier(Tier.FREE).build())
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("limits of tier free");
          assertThat(e.rule()).contains("undeclared meter 'ai-calls'");
        });
  }

  @Test
  void meterMayBeDeclaredAfterTheTiersThatLimitIt() {
    TierCatalogue catalogue = TierCatalogue.builder()
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 100L))
        .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
        .defaultTier(Tier.FREE)
        .build();

    assertThat(catalogue.limit(Tier.FREE, Meter.AI_TOKENS)).isEqualTo(100);
  }

  @Test
  void negativeLimitIsRejectedAtOnce() {
    assertThatThrownBy(() -> oneMeter().tier(Tier.FREE, Map.of(Meter.AI_TOKENS, -1L)))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("limit of tier free on ai-tokens");
          assertThat(e.rule()).isEqualTo("must not be negative, was -1");
        });
  }

  @Test
  void nullLimitIsRejected() {
    Map<Meter, Long> limits = new HashMap<>();
    limits.put(Meter.AI_TOKENS, null);

    assertThatThrownBy(() -> oneMeter().tier(Tier.FREE, limits))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("limit of tier free on ai-tokens");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void zeroLimitIsAccepted() {
    TierCatalogue catalogue = oneMeter().tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 0L)).defaultTier(Tier.FREE).build();

    assertThat(catalogue.limit(Tier.FREE, Meter.AI_TOKENS)).isZero();
  }

  @Test
  void unlimitedIsAccepted() {
    TierCatalogue catalogue = oneMeter().tier(Tier.FREE, Map.of(Meter.AI_TOKENS, TierCatalogue.UNLIMITED))
        .defaultTier(Tier.FREE).build();

    assertThat(catalogue.limit(Tier.FREE, Meter.AI_TOKENS)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void duplicateTierIsRejected() {
    TierCatalogue.Builder builder = oneMeter().tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 1L));

    assertThatThrownBy(() -> builder.tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 2L)))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("tier");
          assertThat(e.rule()).isEqualTo("was already declared: 'free'");
        });
  }

  @Test
  void duplicateMeterIsRejected() {
    assertThatThrownBy(() -> oneMeter().meter(Meter.AI_TOKENS, PeriodPolicy.calendarDay(ZoneOffset.UTC)))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("meter");
          assertThat(e.rule()).isEqualTo("was already declared: 'ai-tokens'");
        });
  }

  @Test
  void missingDefaultTierIsRejectedWhileAFallbackUsesIt() {
    assertThatThrownBy(() -> oneMeter().tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 1L)).build())
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("default tier");
          assertThat(e.rule()).isEqualTo("must be set while a fallback is USE_DEFAULT_TIER");
        });
  }

  @Test
  void missingDefaultTierIsRejectedWhenOnlyUnknownTiersFallBackToIt() {
    assertThatThrownBy(() -> oneMeter().tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 1L))
        .whenNoPlan(PlanFallback.REJECT).build())
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("default tier");
          assertThat(e.rule()).isEqualTo("must be set while a fallback is USE_DEFAULT_TIER");
        });
  }

  @Test
  void undeclaredDefaultTierIsRejected() {
    assertThatThrownBy(() -> oneMeter().tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 1L)).defaultTier(Tier.PRO).build())
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("default tier");
          assertThat(e.rule()).isEqualTo("must be one of the declared tiers [free], was 'pro'");
        });
  }

  @Test
  void catalogueThatRejectsEveryFallbackNeedsNoDefaultTier() {
    TierCatalogue catalogue = oneMeter().tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 1L))
        .whenNoPlan(PlanFallback.REJECT)
        .whenUnknownTier(PlanFallback.REJECT)
        .build();

    assertThat(catalogue.defaultTier()).isNull();
    assertThat(catalogue.whenNoPlan()).isEqualTo(PlanFallback.REJECT);
  }

  @Test
  void limitsAreCopiedSoLaterChangesToTheCallersMapDoNotLeakIn() {
    Map<Meter, Long> limits = new LinkedHashMap<>(Map.of(Meter.AI_TOKENS, 100L));
    TierCatalogue catalogue = oneMeter().tier(Tier.FREE, limits).defaultTier(Tier.FREE).build();

    limits.put(Meter.AI_TOKENS, 999L);

    assertThat(catalogue.limit(Tier.FREE, Meter.AI_TOKENS)).isEqualTo(100);
  }

  @Test
  void catalogueDoesNotChangeWhenItsBuilderIsReused() {
    TierCatalogue.Builder builder = oneMeter().tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 1L)).defaultTier(Tier.FREE);
    TierCatalogue first = builder.build();

    builder.tier(Tier.PRO, Map.of(Meter.AI_TOKENS, 2L));

    assertThat(first.tiers()).containsExactly(Tier.FREE);
  }

  @Test
  void firstDeclaredMeterIsTheDefaultMeter() {
    TierCatalogue catalogue = TierCatalogue.builder()
        .meter(CALLS, PeriodPolicy.calendarDay(ZoneOffset.UTC))
        .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
        .tier(Tier.FREE, Map.of(CALLS, 50L, Meter.AI_TOKENS, 100L))
        .defaultTier(Tier.FREE)
        .build();

    assertThat(catalogue.defaultMeter()).isEqualTo(CALLS);
  }

  // --- generosity -------------------------------------------------------------------------------------

  @Test
  void generosityFollowsDeclarationOrderNotLimits() {
    // "team" is declared last, so it is the most generous, although its limit is lower than pro's.
    TierCatalogue catalogue = oneMeter()
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 100L))
        .tier(Tier.PRO, Map.of(Meter.AI_TOKENS, 10_000L))
        .tier(TEAM, Map.of(Meter.AI_TOKENS, 5_000L))
        .defaultTier(Tier.FREE)
        .build();

    assertThat(catalogue.compareGenerosity(Tier.FREE, Tier.PRO)).isNegative();
    assertThat(catalogue.compareGenerosity(TEAM, Tier.PRO)).isPositive();
    assertThat(catalogue.compareGenerosity(Tier.PRO, Tier.PRO)).isZero();
  }

  @Test
  void comparingAnUndeclaredTierIsRejected() {
    assertThatThrownBy(() -> TierCatalogue.defaults().compareGenerosity(Tier.FREE, TEAM))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("other");
          assertThat(e.rule()).startsWith("must be one of the catalogue's tiers [free, pro, enterprise], was 'team'");
        });
  }

  // --- lookups ------------------------------------------------------------------------------------------

  @Test
  void requireMeterNamesTheDeclaredMetersAndTheUnknownOne() {
    assertThatThrownBy(() -> TierCatalogue.defaults().requireMeter(CALLS))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("meter");
          assertThat(e.getMessage()).isEqualTo("meter must be one of the catalogue's meters [ai-tokens], was 'ai-calls'");
        });
  }

  @Test
  void requireTierNamesTheDeclaredTiersAndTheUnknownOne() {
    assertThatThrownBy(() -> TierCatalogue.defaults().requireTier(TEAM))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("tier");
          assertThat(e.getMessage()).isEqualTo("tier must be one of the catalogue's tiers [free, pro, enterprise], was 'team'");
        });
  }

  @Test
  void requireMeterRejectsNull() {
    assertThatThrownBy(() -> TierCatalogue.defaults().requireMeter(null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("meter");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void declaredTierAndMeterPassTheirChecks() {
    assertThat(TierCatalogue.defaults().requireTier(Tier.PRO)).isEqualTo(Tier.PRO);
    assertThat(TierCatalogue.defaults().requireMeter(Meter.AI_TOKENS)).isEqualTo(Meter.AI_TOKENS);
  }

  @Test
  void limitOfAnUndeclaredMeterIsRejected() {
    assertThatThrownBy(() -> TierCatalogue.defaults().limit(Tier.FREE, CALLS))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("meter");
          assertThat(e.rule()).isEqualTo("must be one of the catalogue's meters [ai-tokens], was 'ai-calls'");
        });
  }

  @Test
  void periodPolicyOfAnUndeclaredMeterIsRejected() {
    assertThatThrownBy(() -> TierCatalogue.defaults().periodPolicy(CALLS))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("meter");
          assertThat(e.rule()).isEqualTo("must be one of the catalogue's meters [ai-tokens], was 'ai-calls'");
        });
  }

  @Test
  void containsTellsDeclaredFromUndeclared() {
    assertThat(TierCatalogue.defaults().contains(Tier.PRO)).isTrue();
    assertThat(TierCatalogue.defaults().contains(TEAM)).isFalse();
    assertThat(TierCatalogue.defaults().contains(Meter.AI_TOKENS)).isTrue();
    assertThat(TierCatalogue.defaults().contains(CALLS)).isFalse();
  }

  @Test
  void tiersAndMetersCannotBeModifiedThroughTheirViews() {
    TierCatalogue catalogue = TierCatalogue.defaults();

    assertThatThrownBy(() -> catalogue.tiers().add(TEAM)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> catalogue.meters().put(CALLS, PeriodPolicy.calendarMonth()))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  // --- short windows ---------------------------------------------------------------------------------

  private static TierCatalogue.Builder withTiers() {
    return oneMeter().tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 100_000L))
        .tier(Tier.PRO, Map.of(Meter.AI_TOKENS, 1_000_000L)).defaultTier(Tier.FREE);
  }

  @Test
  void windowLimitsAreListedLongestFirstPerTierAndMeter() {
    TierCatalogue catalogue = withTiers()
        .limit(Tier.PRO, Meter.AI_TOKENS, Window.MINUTE, 60_000)
        .limit(Tier.PRO, Meter.AI_TOKENS, Window.DAY, 500_000)
        .limit(Tier.FREE, Meter.AI_TOKENS, Window.HOUR, 10_000)
        .build();

    assertThat(catalogue.windowLimits(Tier.PRO, Meter.AI_TOKENS))
        .containsExactly(Map.entry(Window.DAY, 500_000L), Map.entry(Window.MINUTE, 60_000L));
    assertThat(catalogue.windowLimits(Tier.FREE, Meter.AI_TOKENS)).containsExactly(Map.entry(Window.HOUR, 10_000L));
    assertThat(catalogue.windows(Meter.AI_TOKENS)).containsExactly(Window.DAY, Window.HOUR, Window.MINUTE);
    assertThat(catalogue.hasWindows(Meter.AI_TOKENS)).isTrue();
  }

  @Test
  void aMeterWithoutWindowsHasNone() {
    TierCatalogue catalogue = withTiers().build();

    assertThat(catalogue.windowLimits(Tier.PRO, Meter.AI_TOKENS)).isEmpty();
    assertThat(catalogue.windows(Meter.AI_TOKENS)).isEmpty();
    assertThat(catalogue.hasWindows(Meter.AI_TOKENS)).isFalse();
    assertThat(TierCatalogue.defaults().hasWindows(Meter.AI_TOKENS)).isFalse();
  }

  @Test
  void windowAccessorsRefuseUndeclaredTiersAndMeters() {
    TierCatalogue catalogue = withTiers().build();

    assertThatThrownBy(() -> catalogue.windowLimits(TEAM, Meter.AI_TOKENS))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("tier"));
    assertThatThrownBy(() -> catalogue.windows(CALLS))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("meter"));
  }

  @Test
  void thePeriodIsNotAShortWindow() {
    assertThatThrownBy(() -> withTiers().limit(Tier.PRO, Meter.AI_TOKENS, Window.PERIOD, 10))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("window");
          assertThat(e.getMessage()).contains("tier(...)");
        });
  }

  @Test
  void aWindowLimitMustNotBeNegative() {
    assertThatThrownBy(() -> withTiers().limit(Tier.PRO, Meter.AI_TOKENS, Window.MINUTE, -1))
        .isInstanceOfSatisfying(InvalidRequestException.class,
            e -> assertThat(e.field()).isEqualTo("limit of tier pro on ai-tokens per MINUTE"));
  }

  @Test
  void aWindowLimitNeedsADeclaredTierAndMeter() {
    assertThatThrownBy(() -> withTiers().limit(TEAM, Meter.AI_TOKENS, Window.MINUTE, 1))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("tier"));
    assertThatThrownBy(() -> withTiers().limit(Tier.PRO, CALLS, Window.MINUTE, 1))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("meter"));
  }

  @Test
  void aWindowCannotBeSetTwice() {
    TierCatalogue.Builder builder = withTiers().limit(Tier.PRO, Meter.AI_TOKENS, Window.MINUTE, 1);

    assertThatThrownBy(() -> builder.limit(Tier.PRO, Meter.AI_TOKENS, Window.MINUTE, 2))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("limit of tier pro on ai-tokens per MINUTE");
          assertThat(e.getMessage()).contains("two limits of the same length");
        });
  }

  @Test
  void aShorterWindowMustNotAllowMoreThanALongerOne() {
    TierCatalogue.Builder builder = withTiers()
        .limit(Tier.PRO, Meter.AI_TOKENS, Window.HOUR, 100_000)
        .limit(Tier.PRO, Meter.AI_TOKENS, Window.MINUTE, 200_000);

    assertThatThrownBy(builder::build)
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("limit of tier pro on ai-tokens per MINUTE");
          assertThat(e.getMessage()).contains("HOUR limit 100000");
        });
  }

  @Test
  void aWindowMustNotAllowMoreThanThePeriod() {
    TierCatalogue.Builder builder = withTiers().limit(Tier.FREE, Meter.AI_TOKENS, Window.DAY, 100_001);

    assertThatThrownBy(builder::build)
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("limit of tier free on ai-tokens per DAY");
          assertThat(e.getMessage()).contains("PERIOD limit 100000");
        });
  }

  @Test
  void windowLimitsTakePartInEqualityAndToString() {
    TierCatalogue plain = withTiers().build();
    TierCatalogue windowed = withTiers().limit(Tier.PRO, Meter.AI_TOKENS, Window.MINUTE, 60_000).build();
    TierCatalogue same = withTiers().limit(Tier.PRO, Meter.AI_TOKENS, Window.MINUTE, 60_000).build();

    assertThat(windowed).isNotEqualTo(plain).isEqualTo(same).hasSameHashCodeAs(same);
    assertThat(windowed.toString()).contains("windowLimits={pro={ai-tokens={MINUTE=60000}}}");
  }
}

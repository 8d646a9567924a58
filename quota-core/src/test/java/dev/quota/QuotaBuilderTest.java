package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.quota.Decision.Reason;
import dev.quota.admin.Actor;
import dev.quota.alert.ThresholdAlert;
import dev.quota.period.PeriodPolicy;
import dev.quota.support.LogCapture;
import dev.quota.support.MutableClock;
import dev.quota.support.SimpleStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class QuotaBuilderTest {
  private static final TenantId TENANT = TenantId.of("acme");
  private static final Actor OPERATOR = Actor.of("ops@example.com");

  private final SimpleStore store = new SimpleStore();
  private final MutableClock clock = MutableClock.at("2027-01-15T12:00:00Z");

  private Quota.Builder builder() {
    return Quota.builder().store(store).clock(clock);
  }

  private static void assertRejected(Runnable call, String field, String rule) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(InvalidRequestException.class, e -> {
      assertThat(e.field()).isEqualTo(field);
      assertThat(e.rule()).isEqualTo(rule);
    });
  }

  // --- required parts ---------------------------------------------------------------------------------

  @Test
  void buildingWithoutAStoreIsRejected() {
    assertRejected(() -> Quota.builder().build(), "store", "must be set");
  }

  static Stream<Arguments> nullSetters() {
    return Stream.of(
        Arguments.of("store", (Consumer<Quota.Builder>) b -> b.store(null)),
        Arguments.of("catalogue", (Consumer<Quota.Builder>) b -> b.catalogue(null)),
        Arguments.of("clock", (Consumer<Quota.Builder>) b -> b.clock(null)),
        Arguments.of("mode", (Consumer<Quota.Builder>) b -> b.mode(null)),
        Arguments.of("failure policy", (Consumer<Quota.Builder>) b -> b.failurePolicy(null)),
        Arguments.of("alert thresholds", (Consumer<Quota.Builder>) b -> b.alertThresholds((int[]) null)),
        Arguments.of("alert listener", (Consumer<Quota.Builder>) b -> b.alertListener(null)),
        Arguments.of("notification channel", (Consumer<Quota.Builder>) b -> b.notificationChannel(null)),
        Arguments.of("dispatcher settings", (Consumer<Quota.Builder>) b -> b.dispatcher(null)),
        Arguments.of("authorizer", (Consumer<Quota.Builder>) b -> b.authorizer(null)),
        Arguments.of("max reservation ttl", (Consumer<Quota.Builder>) b -> b.maxReservationTtl(null)),
        Arguments.of("max entitlement duration", (Consumer<Quota.Builder>) b -> b.maxEntitlementDuration(null)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nullSetters")
  void everySetterRejectsNullNamingWhatItSets(String field, Consumer<Quota.Builder> setter) {
    assertRejected(() -> setter.accept(Quota.builder()), field, "must not be null");
  }

  // --- documented defaults ------------------------------------------------------------------------------

  @Test
  void defaultModeIsEnforce() {
    assertThat(Quota.builder().store(store).build().mode()).isEqualTo(EnforcementMode.ENFORCE);
  }

  @Test
  void defaultCatalogueIsTheDefaultsCatalogue() {
    assertThat(Quota.builder().store(store).build().catalogue()).isSameAs(TierCatalogue.defaults());
  }

  @Test
  void defaultClockIsTheUtcSystemClock() {
    assertThat(Quota.builder().store(store).build().clock()).isEqualTo(Clock.systemUTC());
  }

  @Test
  void defaultFailurePolicyDenies() {
    Quota quota = builder().build();
    store.failing(true);

    try (LogCapture logs = LogCapture.start()) {
      Decision decision = quota.guard().check(TENANT, Meter.AI_TOKENS, 1);

      assertThat(decision.allowed()).isFalse();
      assertThat(decision.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
      assertThat(logs.messages("dev.quota.internal.Outage", Level.WARN)).singleElement().asString().contains("DENY");
    }
  }

  @Test
  void defaultAlertThresholdsAre80And90And100Percent() {
    List<ThresholdAlert> alerts = new ArrayList<>();
    Quota quota = builder().alertListener(alerts::add).dispatchManually().build();
    QuotaGuard guard = quota.guard();

    // The default tier, free, allows 100,000 tokens a month.
    guard.tryConsume(TENANT, Meter.AI_TOKENS, 79_999, UsageKey.of("k1"));
    guard.tryConsume(TENANT, Meter.AI_TOKENS, 1, UsageKey.of("k2"));
    guard.tryConsume(TENANT, Meter.AI_TOKENS, 10_000, UsageKey.of("k3"));
    guard.tryConsume(TENANT, Meter.AI_TOKENS, 10_000, UsageKey.of("k4"));
    quota.dispatcher().orElseThrow().runOnce();

    assertThat(alerts).extracting(ThresholdAlert::thresholdPercent).containsExactly(80, 90, 100);
  }

  @Test
  void defaultAuthorizerPermitsEveryActor() {
    Quota quota = builder().build();

    quota.admin().acceptingNewTenants().bypass(TENANT, clock.instant().plus(Duration.ofHours(1)),
        Actor.of("anyone at all"), "incident 7");

    assertThat(store.auditLog()).singleElement().satisfies(e -> assertThat(e.actor()).isEqualTo(Actor.of("anyone at all")));
  }

  @Test
  void defaultLongestReservationIsOneHour() {
    QuotaGuard guard = builder().build().guard();

    assertThat(guard.reserve(TENANT, Meter.AI_TOKENS, 10, Duration.ofHours(1)).granted()).isTrue();
    assertRejected(() -> guard.reserve(TENANT, Meter.AI_TOKENS, 10, Duration.ofHours(1).plusNanos(1)),
        "ttl", "must be at most PT1H, was PT1H0.000000001S");
    assertThat(Quota.Builder.DEFAULT_MAX_RESERVATION_TTL).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void defaultLongestEntitlementIs90Days() {
    Quota quota = builder().build();
    Instant now = clock.instant();

    assertThat(quota.admin().acceptingNewTenants().grantCredit(TENANT, Meter.AI_TOKENS, 1,
        now.plus(Duration.ofDays(90)), OPERATOR, "r").validUntil()).isEqualTo(now.plus(Duration.ofDays(90)));
    assertThatThrownBy(() -> quota.admin().grantCredit(TENANT, Meter.AI_TOKENS, 1,
        now.plus(Duration.ofDays(90)).plusSeconds(1), OPERATOR, "r"))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("expires at");
          assertThat(e.rule()).startsWith("must be at most 90 days from now");
        });
    assertThat(Quota.Builder.DEFAULT_MAX_ENTITLEMENT_DURATION).isEqualTo(Duration.ofDays(90));
  }

  // --- configured values are used -----------------------------------------------------------------------

  @Test
  void configuredModeCatalogueAndClockAreUsed() {
    TierCatalogue catalogue = TierCatalogue.builder().meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 5L)).defaultTier(Tier.FREE).build();

    Quota quota = builder().mode(EnforcementMode.SHADOW).catalogue(catalogue).build();

    assertThat(quota.mode()).isEqualTo(EnforcementMode.SHADOW);
    assertThat(quota.catalogue()).isSameAs(catalogue);
    assertThat(quota.clock()).isSameAs(clock);
  }

  // --- alert thresholds ---------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(ints = {0, -5, 1001})
  void alertThresholdOutside1To1000PercentIsRejected(int percent) {
    assertRejected(() -> Quota.builder().alertThresholds(50, percent), "alert thresholds",
        "must be between 1 and 1000 percent, was " + percent);
  }

  @Test
  void repeatedAlertThresholdIsRejected() {
    assertRejected(() -> Quota.builder().alertThresholds(90, 50, 90), "alert thresholds",
        "must not repeat, 90 was given twice");
  }

  @Test
  void alertThresholdsAtTheBoundsAreAccepted() {
    List<ThresholdAlert> alerts = new ArrayList<>();
    Quota quota = builder().alertThresholds(1000, 1).alertListener(alerts::add).dispatchManually().build();
    QuotaGuard guard = quota.guard();

    guard.record(UsageEvent.of(TENANT, Meter.AI_TOKENS, 1_000, UsageKey.of("k1")));
    guard.record(UsageEvent.of(TENANT, Meter.AI_TOKENS, 999_000, UsageKey.of("k2")));
    quota.dispatcher().orElseThrow().runOnce();

    assertThat(alerts).extracting(ThresholdAlert::thresholdPercent).containsExactly(1, 1000);
  }

  @Test
  void alertThresholdsFireInAscendingOrderWhateverOrderTheyWereGivenIn() {
    QuotaGuard guard = builder().alertThresholds(100, 50, 75).build().guard();

    guard.record(UsageEvent.of(TENANT, Meter.AI_TOKENS, 100_000, UsageKey.of("k1")));

    assertThat(store.alertMarks()).containsExactly(50, 75, 100);
  }

  @Test
  void noAlertThresholdsDisableAlerts() {
    List<ThresholdAlert> alerts = new ArrayList<>();
    Quota quota = builder().alertThresholds().alertListener(alerts::add).dispatchManually().build();

    quota.guard().record(UsageEvent.of(TENANT, Meter.AI_TOKENS, 500_000, UsageKey.of("k1")));
    quota.dispatcher().orElseThrow().runOnce();

    assertThat(alerts).isEmpty();
    assertThat(store.alertMarks()).isEmpty();
  }

  @Test
  void laterAlertThresholdsReplaceEarlierOnes() {
    QuotaGuard guard = builder().alertThresholds(10).alertThresholds(20).build().guard();

    guard.record(UsageEvent.of(TENANT, Meter.AI_TOKENS, 100_000, UsageKey.of("k1")));

    assertThat(store.alertMarks()).containsExactly(20);
  }

  // --- durations ----------------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(longs = {0, -1})
  void reservationTtlThatIsNotPositiveIsRejected(long seconds) {
    assertRejected(() -> Quota.builder().maxReservationTtl(Duration.ofSeconds(seconds)), "max reservation ttl",
        "must be positive, was " + Duration.ofSeconds(seconds));
  }

  @Test
  void reservationTtlAboveOneDayIsRejected() {
    assertRejected(() -> Quota.builder().maxReservationTtl(Duration.ofDays(1).plusNanos(1)), "max reservation ttl",
        "must be at most PT24H, was PT24H0.000000001S");
  }

  @Test
  void reservationTtlOfOneDayIsAcceptedAndApplied() {
    QuotaGuard guard = builder().maxReservationTtl(Duration.ofDays(1)).build().guard();

    assertThat(guard.reserve(TENANT, Meter.AI_TOKENS, 10, Duration.ofDays(1)).reservation().expiresAt())
        .isEqualTo(clock.instant().plus(Duration.ofDays(1)));
  }

  @Test
  void shorterReservationTtlIsApplied() {
    QuotaGuard guard = builder().maxReservationTtl(Duration.ofMinutes(5)).build().guard();

    assertRejected(() -> guard.reserve(TENANT, Meter.AI_TOKENS, 10, Duration.ofMinutes(6)), "ttl",
        "must be at most PT5M, was PT6M");
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1})
  void entitlementDurationThatIsNotPositiveIsRejected(long seconds) {
    assertRejected(() -> Quota.builder().maxEntitlementDuration(Duration.ofSeconds(seconds)),
        "max entitlement duration", "must be positive, was " + Duration.ofSeconds(seconds));
  }

  @Test
  void entitlementDurationAbove3660DaysIsRejected() {
    assertRejected(() -> Quota.builder().maxEntitlementDuration(Duration.ofDays(3660).plusSeconds(1)),
        "max entitlement duration", "must be at most PT87840H, was PT87840H1S");
  }

  @Test
  void entitlementDurationOf3660DaysIsAcceptedAndApplied() {
    Quota quota = builder().maxEntitlementDuration(Duration.ofDays(3660)).build();
    Instant until = clock.instant().plus(Duration.ofDays(3660));

    assertThat(quota.admin().acceptingNewTenants().bypass(TENANT, until, OPERATOR, "long contract").validUntil())
        .isEqualTo(until);
  }

  @Test
  void shorterEntitlementDurationIsApplied() {
    Quota quota = builder().maxEntitlementDuration(Duration.ofDays(7)).build();

    assertThatThrownBy(() -> quota.admin().overrideTier(TENANT, Tier.PRO, clock.instant().plus(Duration.ofDays(8)),
        OPERATOR, "trial"))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("until");
          assertThat(e.rule()).startsWith("must be at most 7 days from now");
        });
  }
}

package dev.quota.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.quota.Decision;
import dev.quota.EnforcementMode;
import dev.quota.FailurePolicy;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageKey;
import dev.quota.Window;
import dev.quota.admin.AccessDeniedException;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminAuthorizer;
import dev.quota.admin.QuotaAdmin;
import dev.quota.alert.QuotaAlertListener;
import dev.quota.alert.ThresholdAlert;
import dev.quota.micrometer.QuotaMetrics;
import dev.quota.spi.QuotaStore;
import dev.quota.spring.boot.QuotaThresholdCrossedEvent;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class QuotaAutoConfigurationTest {
  private static final TenantId ACME = TenantId.of("acme");

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(QuotaAutoConfiguration.class, QuotaMetricsAutoConfiguration.class))
      .withUserConfiguration(InMemoryStore.class);

  @Configuration(proxyBeanMethods = false)
  static class InMemoryStore {
    @Bean
    QuotaStore quotaStore() {
      return new InMemoryQuotaStore();
    }
  }

  // --- beans and backing off ------------------------------------------------------------------------------

  @Test
  void buildsTheGuardAndTheAdminOverTheApplicationsStore() {
    runner.run(context -> {
      assertThat(context).hasSingleBean(Quota.class).hasSingleBean(QuotaGuard.class).hasSingleBean(QuotaAdmin.class);
      assertThat(context.getBean(QuotaGuard.class)).isSameAs(context.getBean(Quota.class).guard());
      assertThat(context.getBean(QuotaAdmin.class)).isSameAs(context.getBean(Quota.class).admin());
      assertThat(context.getBean(QuotaGuard.class).canProceed(ACME)).isTrue();
    });
  }

  @Test
  void closingTheContextClosesTheStoreOnceThoughTheQuotaIsClosedToo() {
    AtomicInteger closes = new AtomicInteger();
    QuotaStore inMemory = new InMemoryQuotaStore();
    QuotaStore closeable = (QuotaStore) Proxy.newProxyInstance(QuotaStore.class.getClassLoader(),
        new Class<?>[] {QuotaStore.class, AutoCloseable.class}, (proxy, method, args) -> {
          if (method.getName().equals("close") && method.getParameterCount() == 0) {
            closes.incrementAndGet();
            return null;
          }
          try {
            return method.invoke(inMemory, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });

    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(QuotaAutoConfiguration.class))
        .withBean(QuotaStore.class, () -> closeable)
        .run(context -> assertThat(context.getBean(QuotaGuard.class).canProceed(ACME)).isTrue());

    assertThat(closes).hasValue(1);
  }

  @Test
  void withoutPropertiesTheCatalogueIsQuotasDefault() {
    runner.run(context -> assertThat(context.getBean(TierCatalogue.class)).isEqualTo(TierCatalogue.defaults()));
  }

  @Test
  void theApplicationsGuardWins() {
    QuotaGuard own = Quota.builder().store(new InMemoryQuotaStore()).build().guard();
    runner.withBean("ownGuard", QuotaGuard.class, () -> own)
        .run(context -> assertThat(context.getBean(QuotaGuard.class)).isSameAs(own));
  }

  @Test
  void theApplicationsAdminWins() {
    QuotaAdmin own = Quota.builder().store(new InMemoryQuotaStore()).build().admin();
    runner.withBean("ownAdmin", QuotaAdmin.class, () -> own)
        .run(context -> assertThat(context.getBean(QuotaAdmin.class)).isSameAs(own));
  }

  @Test
  void theApplicationsQuotaWinsAndItsGuardIsTheOneInjected() {
    Quota own = Quota.builder().store(new InMemoryQuotaStore()).mode(EnforcementMode.SHADOW).build();
    runner.withBean("ownQuota", Quota.class, () -> own).run(context -> {
      assertThat(context).getBean(Quota.class).isSameAs(own);
      assertThat(context.getBean(QuotaGuard.class)).isSameAs(own.guard());
    });
  }

  @Test
  void theApplicationsCatalogueWinsOverTheProperties() {
    TierCatalogue own = TierCatalogue.builder()
        .meter(Meter.of("images"), dev.quota.period.PeriodPolicy.calendarMonth())
        .tier(Tier.of("basic"), java.util.Map.of(Meter.of("images"), 10L))
        .defaultTier(Tier.of("basic"))
        .build();
    runner.withBean(TierCatalogue.class, () -> own)
        .withPropertyValues("quota.default-tier=gold")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(Quota.class).catalogue()).isSameAs(own);
        });
  }

  @Test
  void withoutAStoreStartUpFailsNamingTheMissingBean() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(QuotaAutoConfiguration.class))
        .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining(QuotaStore.class.getName()));
  }

  // --- properties ---------------------------------------------------------------------------------------

  @Test
  void tiersMetersAndPeriodsBindIntoTheCatalogue() {
    runner.withPropertyValues(
            "quota.tiers[0].name=starter", "quota.tiers[0].limits.ai-tokens=5000", "quota.tiers[0].limits.ai-calls=10",
            "quota.tiers[1].name=scale", "quota.tiers[1].limits.ai-tokens=900000", "quota.tiers[1].limits.ai-calls=500",
            "quota.default-tier=starter", "quota.meters.ai-calls.period=day",
            "quota.period.zone=Europe/Berlin", "quota.period.billing-day=15")
        .run(context -> {
          TierCatalogue catalogue = context.getBean(TierCatalogue.class);
          Meter calls = Meter.of("ai-calls");
          assertThat(catalogue.tiers()).containsExactly(Tier.of("starter"), Tier.of("scale"));
          assertThat(catalogue.defaultMeter()).isEqualTo(Meter.AI_TOKENS);
          assertThat(catalogue.defaultTier()).isEqualTo(Tier.of("starter"));
          assertThat(catalogue.limit(Tier.of("scale"), calls)).isEqualTo(500);
          Instant now = Instant.parse("2026-03-20T10:00:00Z");
          assertThat(catalogue.periodPolicy(Meter.AI_TOKENS).periodAt(now)).isEqualTo(new Period(
              Instant.parse("2026-03-14T23:00:00Z"), Instant.parse("2026-04-14T22:00:00Z")));
          assertThat(catalogue.periodPolicy(calls).periodAt(now)).isEqualTo(new Period(
              Instant.parse("2026-03-19T23:00:00Z"), Instant.parse("2026-03-20T23:00:00Z")));
        });
  }

  @Test
  void rolloverBindsIntoTheCatalogueAndIsOffByDefault() {
    runner.withPropertyValues(
            "quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=100000",
            "quota.tiers[1].name=pro", "quota.tiers[1].limits.ai-tokens=1000000",
            "quota.tiers[1].rollover.ai-tokens=50%")
        .run(context -> {
          TierCatalogue catalogue = context.getBean(TierCatalogue.class);
          assertThat(catalogue.rolloverPercent(Tier.PRO, Meter.AI_TOKENS)).isEqualTo(50);
          assertThat(catalogue.rolloverPercent(Tier.FREE, Meter.AI_TOKENS)).as("off unless set").isZero();
        });
    runner.run(context -> assertThat(context.getBean(TierCatalogue.class).hasRollover(Meter.AI_TOKENS)).isFalse());
  }

  @Test
  void aRolloverCapOutsideOneToAHundredPercentFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=100",
        "quota.tiers[0].rollover.ai-tokens=150%"), "quota.tiers[0].rollover[ai-tokens]",
        "cap must be from 1 to 100 percent of the limit, was 150");
  }

  @Test
  void aRolloverCapThatIsNoPercentageFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=100",
        "quota.tiers[0].rollover.ai-tokens=half"), "quota.tiers[0].rollover[ai-tokens]",
        "must be a share of the limit in whole percent from 1% to 100%");
  }

  @Test
  void aRolloverOnAnUnknownMeterFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=100",
        "quota.tiers[0].rollover.images=50%"), "quota.tiers[0].rollover[images]", "must name a meter");
  }

  @Test
  void windowsBindIntoTheCatalogueAndTheGuardDeniesABurstInTheMinute() {
    TestClock clock = TestClock.at("2026-03-10T12:00:30Z");
    runner.withBean(Clock.class, () -> clock)
        .withPropertyValues(
            "quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=100000",
            "quota.tiers[0].windows.ai-tokens.minute=600",
            "quota.tiers[0].windows.ai-tokens.hour=6000", "quota.tiers[0].windows.ai-tokens.day=50000",
            "quota.tiers[1].name=pro", "quota.tiers[1].limits.ai-tokens=1000000",
            "quota.tiers[1].windows.ai-tokens.MINUTE=60000")
        .run(context -> {
          TierCatalogue catalogue = context.getBean(TierCatalogue.class);
          assertThat(catalogue.windowLimits(Tier.FREE, Meter.AI_TOKENS)).containsExactly(
              java.util.Map.entry(Window.DAY, 50_000L), java.util.Map.entry(Window.HOUR, 6_000L),
              java.util.Map.entry(Window.MINUTE, 600L));
          assertThat(catalogue.windowLimits(Tier.PRO, Meter.AI_TOKENS)).containsExactly(
              java.util.Map.entry(Window.MINUTE, 60_000L));
          QuotaGuard guard = context.getBean(QuotaGuard.class);
          assertThat(guard.tryConsume(ACME, Meter.AI_TOKENS, 600, UsageKey.of("burst-1")).allowed()).isTrue();

          Decision denied = guard.tryConsume(ACME, Meter.AI_TOKENS, 1, UsageKey.of("burst-2")).decision();

          assertThat(denied.allowed()).isFalse();
          assertThat(denied.window()).isEqualTo(Window.MINUTE);
        });
  }

  @Test
  void withoutWindowsTheCatalogueHasNone() {
    runner.run(context -> assertThat(context.getBean(TierCatalogue.class).hasWindows(Meter.AI_TOKENS)).isFalse());
  }

  @Test
  void aWindowThatIsNoWindowFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=100",
        "quota.tiers[0].windows.ai-tokens.second=5"), "quota.tiers[0].windows[ai-tokens].second",
        "must name a window: minute, hour or day, was 'second'");
  }

  @Test
  void aPeriodWindowFailsPointingToTheLimitPerPeriod() {
    assertInvalid(runner.withPropertyValues("quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=100",
        "quota.tiers[0].windows.ai-tokens.period=50"), "quota.tiers[0].windows[ai-tokens].period",
        "must name a short window: minute, hour or day; the limit per period is quota.tiers[0].limits[ai-tokens]");
  }

  @Test
  void aWindowOnAnUnknownMeterFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=100",
        "quota.tiers[0].windows.images.minute=5"), "quota.tiers[0].windows[images]",
        "must name a meter of the tiers' limits [ai-tokens]");
  }

  @Test
  void aWindowLimitThatIsNoNumberFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=100",
        "quota.tiers[0].windows.ai-tokens.minute=lots"), "quota.tiers[0].windows[ai-tokens].minute",
        "must be a whole number of the meter's units per minute");
  }

  @Test
  void aNegativeWindowLimitFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=100",
        "quota.tiers[0].windows.ai-tokens.minute=-1"), "quota.tiers[0].windows[ai-tokens].minute",
        "must not be negative");
  }

  @Test
  void aShorterWindowAllowingMoreThanALongerOneFailsNamingTheShorter() {
    assertInvalid(runner.withPropertyValues("quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=100000",
            "quota.tiers[0].windows.ai-tokens.minute=5000", "quota.tiers[0].windows.ai-tokens.hour=1000"),
        "quota.tiers[0].windows[ai-tokens].minute", "must not allow more than the HOUR limit 1000, was 5000");
  }

  @Test
  void aWindowAllowingMoreThanThePeriodFailsNamingTheWindow() {
    assertInvalid(runner.withPropertyValues("quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=100",
            "quota.tiers[0].windows.ai-tokens.day=500"),
        "quota.tiers[0].windows[ai-tokens].day", "must not allow more than the PERIOD limit 100, was 500");
  }

  @Test
  void aMetersEventBoundBindsIntoTheCatalogueAndTheGuardRefusesALargerEvent() {
    runner.withPropertyValues("quota.meters.ai-tokens.max-event-amount=50000")
        .run(context -> {
          TierCatalogue catalogue = context.getBean(TierCatalogue.class);
          assertThat(catalogue.maxEventAmount(Meter.AI_TOKENS)).isEqualTo(50_000);
          QuotaGuard guard = context.getBean(QuotaGuard.class);
          assertThatThrownBy(() -> guard.tryConsume(ACME, Meter.AI_TOKENS, 50_001, UsageKey.of("too-big")))
              .isInstanceOf(dev.quota.InvalidRequestException.class);
          assertThat(guard.tryConsume(ACME, Meter.AI_TOKENS, 50_000, UsageKey.of("fits")).allowed()).isTrue();
        });
  }

  @Test
  void withoutAnEventBoundTheCatalogueKeepsItsDefault() {
    runner.run(context -> assertThat(context.getBean(TierCatalogue.class).maxEventAmount(Meter.AI_TOKENS))
        .isEqualTo(TierCatalogue.DEFAULT_MAX_EVENT_AMOUNT));
  }

  @Test
  void anEventBoundOutOfRangeFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.meters.ai-tokens.max-event-amount=0"),
        "quota.meters.ai-tokens.max-event-amount", "must be from 1 to");
  }

  @Test
  void theHistoryZoneIsThePeriodZoneUnlessSetOnItsOwn() {
    runner.withPropertyValues("quota.period.zone=Europe/Berlin")
        .run(context -> assertThat(context.getBean(TierCatalogue.class).zone())
            .isEqualTo(java.time.ZoneId.of("Europe/Berlin")));
    runner.withPropertyValues("quota.period.zone=Europe/Berlin", "quota.history-zone=America/New_York")
        .run(context -> assertThat(context.getBean(TierCatalogue.class).zone())
            .isEqualTo(java.time.ZoneId.of("America/New_York")));
    runner.run(context -> assertThat(context.getBean(TierCatalogue.class).zone()).isEqualTo(java.time.ZoneOffset.UTC));
  }

  @Test
  void anUnknownHistoryZoneFailsNamingTheProperty() {
    runner.withPropertyValues("quota.history-zone=Mars/Olympus").run(context -> {
      assertThat(context).hasFailed();
      assertThat(findCause(context.getStartupFailure(), BindException.class).getMessage())
          .contains("quota.history-zone");
    });
  }

  @Test
  void modeFailurePolicyAndFallbacksBind() {
    runner.withPropertyValues("quota.mode=shadow", "quota.when-no-plan=reject",
            "quota.failure.policy=last-known-state", "quota.failure.max-age=30s")
        .run(context -> {
          Quota quota = context.getBean(Quota.class);
          assertThat(quota.mode()).isEqualTo(EnforcementMode.SHADOW);
          assertThat(quota.catalogue().whenNoPlan()).isEqualTo(dev.quota.PlanFallback.REJECT);
          assertThat(context.getBean(QuotaProperties.class).getFailure().getMaxAge()).isEqualTo(Duration.ofSeconds(30));
          assertThat(context.getBean(QuotaProperties.class).getFailure().getPolicy())
              .isEqualTo(FailurePolicy.Kind.LAST_KNOWN_STATE);
        });
  }

  @Test
  void aBillingDayOutsideTheMonthFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.period.billing-day=32"), "quota.period.billing-day",
        "billing day must be between 1 and 31");
  }

  @Test
  void aDefaultTierThatIsNotATierFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.default-tier=gold"), "quota.default-tier",
        "must be one of the tiers [free, pro, enterprise]");
  }

  @Test
  void aNegativeLimitFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=-5"),
        "quota.tiers[0].limits[ai-tokens]", "must be 0 or more");
  }

  @Test
  void aTierWithoutALimitOnAMeterFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues(
            "quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=100",
            "quota.tiers[1].name=pro", "quota.tiers[1].limits.ai-tokens=1000", "quota.tiers[1].limits.ai-calls=10"),
        "quota.tiers[0].limits[ai-calls]", "every tier needs a limit on every meter");
  }

  @Test
  void anInvalidTierNameFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.tiers[0].name=gold plan", "quota.tiers[0].limits.ai-tokens=1",
        "quota.default-tier=gold plan"), "quota.tiers[0].name",
        "tier must consist of ASCII letters, digits");
  }

  @Test
  void aRepeatedTierFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=1",
        "quota.tiers[1].name=free", "quota.tiers[1].limits.ai-tokens=2"), "quota.tiers[1].name", "must not repeat");
  }

  @Test
  void anAlertThresholdOutOfRangeFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.alerts.thresholds=0,90"), "quota.alerts.thresholds",
        "alert thresholds must be between 1 and 1000 percent, was 0");
  }

  @Test
  void aZeroMaximumAgeOfTheLastKnownStateFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.failure.policy=last-known-state", "quota.failure.max-age=0s"),
        "quota.failure.max-age", "must be positive");
  }

  @Test
  void aReservationTtlAboveOneDayFailsNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.max-reservation-ttl=2d"), "quota.max-reservation-ttl",
        "max reservation ttl");
  }

  @Test
  void fixedPeriodsWithoutALengthFailNamingTheProperty() {
    assertInvalid(runner.withPropertyValues("quota.meters.ai-tokens.period=fixed"), "quota.meters.ai-tokens.length",
        "must be set for fixed periods");
  }

  @Test
  void severalMetersWithoutAiTokensNeedADefaultMeter() {
    assertInvalid(runner.withPropertyValues("quota.tiers[0].name=free", "quota.tiers[0].limits.images=5",
        "quota.tiers[0].limits.calls=5"), "quota.default-meter", "must be set when the tiers name several meters");
  }

  @Test
  void anUnknownModeFailsNamingTheProperty() {
    runner.withPropertyValues("quota.mode=strict").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).hasRootCauseInstanceOf(IllegalArgumentException.class);
      BindException bind = findCause(context.getStartupFailure(), BindException.class);
      assertThat(bind.getProperty().getName().toString()).isEqualTo("quota.mode");
    });
  }

  // --- alerts, authorizer, clock --------------------------------------------------------------------------

  @Test
  void thresholdAlertsArePublishedAsEventsAndReachListenerBeans() {
    List<QuotaThresholdCrossedEvent> events = new CopyOnWriteArrayList<>();
    List<ThresholdAlert> heard = new CopyOnWriteArrayList<>();
    runner.withBean("eventCollector", ApplicationListener.class,
            () -> (ApplicationListener<QuotaThresholdCrossedEvent>) events::add)
        .withBean("alertCollector", QuotaAlertListener.class, () -> heard::add)
        .run(context -> {
          QuotaGuard guard = context.getBean(QuotaGuard.class);

          guard.tryConsume(ACME, Meter.AI_TOKENS, 85_000, UsageKey.of("session-1"));

          // delivered from the outbox on the dispatcher's thread, which polls every second
          await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(heard).hasSize(1));
          assertThat(events).singleElement().satisfies(event -> {
            assertThat(event.getAlert().tenant()).isEqualTo(ACME);
            assertThat(event.getAlert().thresholdPercent()).isEqualTo(80);
          });
          assertThat(heard).singleElement().isEqualTo(events.get(0).getAlert());
        });
  }

  @Test
  void theApplicationsAuthorizerDecidesAdminChanges() {
    runner.withBean(AdminAuthorizer.class, () -> (actor, operation, tenant) -> actor.id().equals("ops"))
        .run(context -> {
          QuotaAdmin admin = context.getBean(QuotaAdmin.class);
          assertThatThrownBy(() -> admin.resetUsage(ACME, Actor.of("intern"), "unblock"))
              .isInstanceOf(AccessDeniedException.class);
          assertThat(admin.acceptingNewTenants().resetUsage(ACME, Actor.of("ops"), "unblock")).isNotNull();
        });
  }

  @Test
  void theApplicationsClockIsTheQuotasClock() {
    TestClock clock = TestClock.at("2026-02-28T23:59:59Z");
    runner.withBean(Clock.class, () -> clock).run(context -> {
      assertThat(context.getBean(Quota.class).clock()).isSameAs(clock);
      assertThat(context.getBean(QuotaGuard.class).usage(ACME).resetsAt()).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
    });
  }

  // --- metrics --------------------------------------------------------------------------------------------

  @Test
  void withAMeterRegistryDecisionsAndStoreCallsAreMetered() {
    runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
      assertThat(context).hasSingleBean(QuotaMetrics.class);
      MeterRegistry registry = context.getBean(MeterRegistry.class);

      context.getBean(QuotaGuard.class).tryConsume(ACME, Meter.AI_TOKENS, 10, UsageKey.of("k1"));

      assertThat(registry.get(QuotaMetrics.DECISIONS).tags("operation", "try_consume", "outcome", "allowed")
          .counter().count()).isEqualTo(1);
      assertThat(registry.get(QuotaMetrics.STORE_CALLS).tags("operation", "consume").timer().count()).isEqualTo(1);
    });
  }

  @Test
  void withoutAMeterRegistryThereAreNoMetrics() {
    runner.run(context -> assertThat(context).doesNotHaveBean(QuotaMetrics.class));
  }

  @Test
  void metricsCanBeTurnedOff() {
    runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("quota.metrics.enabled=false")
        .run(context -> {
          assertThat(context).doesNotHaveBean(QuotaMetrics.class);
          context.getBean(QuotaGuard.class).canProceed(ACME);
          assertThat(context.getBean(MeterRegistry.class).find(QuotaMetrics.DECISIONS).counter()).isNull();
        });
  }

  // --- helpers --------------------------------------------------------------------------------------------

  private static void assertInvalid(ApplicationContextRunner runner, String property, String reason) {
    runner.run((AssertableApplicationContext context) -> {
      assertThat(context).hasFailed();
      InvalidConfigurationPropertyValueException invalid =
          findCause(context.getStartupFailure(), InvalidConfigurationPropertyValueException.class);
      assertThat(invalid.getName()).isEqualTo(property);
      assertThat(invalid.getMessage()).contains(property).contains(reason);
    });
  }

  private static <T extends Throwable> T findCause(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " among the causes of " + failure, failure);
  }
}

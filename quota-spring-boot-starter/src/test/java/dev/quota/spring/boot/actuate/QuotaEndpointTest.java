package dev.quota.spring.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.UsageReportView;
import dev.quota.spi.QuotaStore;
import dev.quota.spring.boot.actuate.QuotaEndpoint.LevelView;
import dev.quota.spring.boot.actuate.QuotaEndpoint.TenantUsage;
import dev.quota.spring.boot.autoconfigure.QuotaAutoConfiguration;
import dev.quota.spring.boot.autoconfigure.QuotaEndpointAutoConfiguration;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class QuotaEndpointTest {
  private static final TenantId ACME = TenantId.of("acme");
  private final TestClock clock = TestClock.at("2026-03-10T12:00:00Z");

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(QuotaAutoConfiguration.class, QuotaEndpointAutoConfiguration.class))
      .withBean(QuotaStore.class, InMemoryQuotaStore::new)
      .withBean(Clock.class, () -> clock);

  @Test
  void theEndpointIsThereOnlyWhenExposed() {
    runner.run(context -> assertThat(context).doesNotHaveBean(QuotaEndpoint.class));
    runner.withPropertyValues("management.endpoints.web.exposure.include=quota")
        .run(context -> assertThat(context).hasSingleBean(QuotaEndpoint.class));
  }

  @Test
  void reportsOneTenantsUsageOnEveryMeterDefaultMeterFirst() {
    runner.withPropertyValues("management.endpoints.web.exposure.include=quota",
            "quota.tiers[0].name=free", "quota.tiers[0].limits.ai-calls=50", "quota.tiers[0].limits.ai-tokens=100000",
            "quota.meters.ai-calls.period=day")
        .run(context -> {
          QuotaAdmin admin = context.getBean(QuotaAdmin.class);
          QuotaGuard guard = context.getBean(QuotaGuard.class);
          admin.setPlan(ACME, Plan.of(Tier.FREE), Actor.of("billing"), "signed up");
          guard.tryConsume(ACME, Meter.AI_TOKENS, 25_000, UsageKey.of("s1"));
          admin.grantCredit(ACME, Meter.AI_TOKENS, 5_000, clock.instant().plus(Duration.ofDays(2)), Actor.of("ops"),
              "goodwill");

          TenantUsage usage = context.getBean(QuotaEndpoint.class).usage(new String[] {"acme"});

          assertThat(usage.tenant()).isEqualTo("acme");
          assertThat(usage.meters()).extracting(UsageReportView::meter).containsExactly("ai-tokens", "ai-calls");
          UsageReportView tokens = usage.meters().get(0);
          assertThat(tokens.plannedTier()).isEqualTo("free");
          assertThat(tokens.effectiveTier()).isEqualTo("free");
          assertThat(tokens.tierSource()).isEqualTo("PLAN");
          assertThat(tokens.limit()).isEqualTo(100_000L);
          assertThat(tokens.granted()).isEqualTo(5_000);
          assertThat(tokens.used()).isEqualTo(25_000);
          assertThat(tokens.remaining()).isEqualTo(80_000L);
          assertThat(tokens.blocked()).isFalse();
          assertThat(tokens.periodStart()).isEqualTo("2026-03-01T00:00:00Z");
          assertThat(tokens.resetsAt()).isEqualTo("2026-04-01T00:00:00Z");
          assertThat(tokens.asOf()).isEqualTo("2026-03-10T12:00:00Z");
          assertThat(tokens.activeEntitlements()).singleElement().satisfies(grant -> {
            assertThat(grant.kind()).isEqualTo("credit");
            assertThat(grant.amount()).isEqualTo(5_000L);
            assertThat(grant.createdBy()).isEqualTo("ops");
            assertThat(grant.reason()).isEqualTo("goodwill");
          });
          assertThat(usage.meters().get(1).resetsAt()).isEqualTo("2026-03-11T00:00:00Z");
        });
  }

  @Test
  void showsTheParentAndEveryWindowAndAncestorCounterOfTheTenantsPath() {
    TenantId org = TenantId.of("acme-org");
    runner.withPropertyValues("management.endpoints.web.exposure.include=quota",
            "quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=100000",
            "quota.tiers[0].windows.ai-tokens.minute=1000",
            "quota.tiers[1].name=pro", "quota.tiers[1].limits.ai-tokens=1000000")
        .run(context -> {
          QuotaAdmin admin = context.getBean(QuotaAdmin.class).acceptingNewTenants();
          admin.setPlan(org, Plan.of(Tier.PRO), Actor.of("billing"), "org plan");
          admin.setPlan(ACME, Plan.of(Tier.FREE), Actor.of("billing"), "seat");
          admin.setParent(ACME, org, Actor.of("ops"), "member of the org");
          context.getBean(QuotaGuard.class).tryConsume(ACME, Meter.AI_TOKENS, 400, UsageKey.of("s1"));

          TenantUsage usage = context.getBean(QuotaEndpoint.class).usage(new String[] {"acme"});

          assertThat(usage.parent()).isEqualTo("acme-org");
          assertThat(usage.meters()).singleElement().satisfies(own -> assertThat(own.used()).isEqualTo(400));
          assertThat(usage.levels()).extracting(LevelView::level, LevelView::levelsUp, LevelView::window)
              .containsExactly(tuple("acme", 0, "minute"), tuple("acme-org", 1, "period"),
                  tuple("acme-org", 1, "minute"));
          LevelView minute = usage.levels().get(0);
          assertThat(minute.report().limit()).isEqualTo(1_000L);
          assertThat(minute.report().remaining()).isEqualTo(600L);
          assertThat(minute.report().periodStart()).isEqualTo("2026-03-10T12:00:00Z");
          assertThat(minute.report().resetsAt()).isEqualTo("2026-03-10T12:01:00Z");
          LevelView orgPeriod = usage.levels().get(1);
          assertThat(orgPeriod.report().tenant()).isEqualTo("acme-org");
          assertThat(orgPeriod.report().used()).as("the member's usage counts at the org").isEqualTo(400);
          assertThat(orgPeriod.report().limit()).isEqualTo(1_000_000L);
        });
  }

  @Test
  void aTenantWithoutParentOrWindowsHasNoOtherLevels() {
    runner.withPropertyValues("management.endpoints.web.exposure.include=quota").run(context -> {
      TenantUsage usage = context.getBean(QuotaEndpoint.class).usage(new String[] {"acme"});

      assertThat(usage.parent()).isNull();
      assertThat(usage.levels()).isEmpty();
    });
  }

  @Test
  void aTenantIdWithSlashesIsReadFromTheRemainingPath() {
    runner.withPropertyValues("management.endpoints.web.exposure.include=quota").run(context -> {
      context.getBean(QuotaGuard.class).tryConsume(TenantId.of("org/acme"), Meter.AI_TOKENS, 7, UsageKey.of("s1"));

      TenantUsage usage = context.getBean(QuotaEndpoint.class).usage(new String[] {"org", "acme"});

      assertThat(usage.tenant()).isEqualTo("org/acme");
      assertThat(usage.meters().get(0).used()).isEqualTo(7);
    });
  }

  @Test
  void aTenantIdQuotaRefusesIsABadRequest() {
    runner.withPropertyValues("management.endpoints.web.exposure.include=quota").run(context ->
        assertThatThrownBy(() -> context.getBean(QuotaEndpoint.class).usage(new String[] {" acme"}))
            .isInstanceOf(InvalidEndpointRequestException.class)
            .hasMessage("tenant id must not start or end with white space"));
  }

  @Test
  void theApplicationsEndpointWins() {
    QuotaEndpoint own = new QuotaEndpoint(null, null);
    runner.withPropertyValues("management.endpoints.web.exposure.include=quota")
        .withBean("ownEndpoint", QuotaEndpoint.class, () -> own)
        .run(context -> assertThat(context.getBean(QuotaEndpoint.class)).isSameAs(own));
  }
}

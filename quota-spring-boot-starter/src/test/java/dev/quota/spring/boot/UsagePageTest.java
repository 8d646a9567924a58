package dev.quota.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a tenant's usage page shows: its allowance and what it used since the last reset. */
class UsagePageTest {
  private static final TenantId ACME = TenantId.of("acme");
  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  private final Quota quota = Quota.builder().store(new InMemoryQuotaStore()).clock(clock).build();

  @Test
  void theJsonFieldsAreTheDocumentedOnesInTheirOrder() {
    assertThat(Arrays.stream(UsagePage.class.getRecordComponents()).map(RecordComponent::getName))
        .containsExactly("tenant", "meter", "tier", "limit", "credits", "allowance", "used", "reserved", "remaining",
            "percentUsed", "blocked", "periodStart", "resetsAt");
  }

  @Test
  void afterAnOperatorsResetTheTenantSeesNothingUsedOfItsAllowance() {
    quota.guard().record(UsageEvent.of(ACME, Meter.AI_TOKENS, 78_375, UsageKey.of("s-1")));
    quota.admin().resetUsage(ACME, Actor.of("ops"), "JIRA-123");

    UsagePage page = UsagePage.of(quota.guard().usage(ACME));

    assertThat(page).isEqualTo(new UsagePage("acme", "ai-tokens", "free", 100_000, 0, 100_000, 0, 0, 100_000, 0.0,
        false, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"));
  }

  @Test
  void usageAfterAResetCountsFromTheResetAndCreditsRaiseTheAllowance() {
    quota.guard().record(UsageEvent.of(ACME, Meter.AI_TOKENS, 100_000, UsageKey.of("s-1")));
    quota.admin().resetUsage(ACME, Actor.of("ops"), "JIRA-123");
    quota.admin().grantCredit(ACME, Meter.AI_TOKENS, 25_000, clock.instant().plus(Duration.ofDays(2)),
        Actor.of("ops"), "goodwill");
    quota.guard().record(UsageEvent.of(ACME, Meter.AI_TOKENS, 25_000, UsageKey.of("s-2")));
    quota.guard().reserve(ACME, Meter.AI_TOKENS, 5_000, Duration.ofMinutes(1));

    UsagePage page = UsagePage.of(quota.guard().usage(ACME));

    assertThat(page.limit()).isEqualTo(100_000);
    assertThat(page.credits()).isEqualTo(25_000);
    assertThat(page.allowance()).isEqualTo(125_000);
    assertThat(page.used()).isEqualTo(25_000);
    assertThat(page.reserved()).isEqualTo(5_000);
    assertThat(page.remaining()).isEqualTo(95_000);
    assertThat(page.percentUsed()).isEqualTo(20.0);
  }

  @Test
  void aTenantAtItsLimitIsBlocked() {
    quota.admin().setPlan(ACME, Plan.of(Tier.PRO), Actor.of("billing"), "signed up");
    quota.guard().record(UsageEvent.of(ACME, Meter.AI_TOKENS, 1_000_000, UsageKey.of("s-1")));

    UsagePage page = UsagePage.of(quota.guard().usage(ACME));

    assertThat(page.tier()).isEqualTo("pro");
    assertThat(page.remaining()).isZero();
    assertThat(page.percentUsed()).isEqualTo(100.0);
    assertThat(page.blocked()).isTrue();
  }

  @Test
  void anUnlimitedTierHasNoCreditsAndNoShareUsed() {
    TierCatalogue unlimited = TierCatalogue.builder()
        .meter(Meter.AI_TOKENS, dev.quota.period.PeriodPolicy.calendarMonth())
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, TierCatalogue.UNLIMITED))
        .defaultTier(Tier.FREE)
        .build();
    Quota open = Quota.builder().store(new InMemoryQuotaStore()).catalogue(unlimited).clock(clock).build();
    open.guard().record(UsageEvent.of(ACME, Meter.AI_TOKENS, 5_000, UsageKey.of("s-1")));

    UsagePage page = UsagePage.of(open.guard().usage(ACME));

    assertThat(page.limit()).isEqualTo(TierCatalogue.UNLIMITED);
    assertThat(page.credits()).isZero();
    assertThat(page.used()).isEqualTo(5_000);
    assertThat(page.percentUsed()).isZero();
  }
}

package dev.quota.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.EnforcementMode;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageKey;
import dev.quota.Window;
import dev.quota.admin.Actor;
import dev.quota.admin.QuotaAdmin;
import dev.quota.period.PeriodPolicy;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@value QuotaMetrics#DENIALS} on a two-level tree (an organisation over a member) with a one-minute window: every
 * denial is counted by the level and the window that refused it, never by tenant.
 */
class DenialMetricsTest {
  private static final TenantId ORG = TenantId.of("org-17");
  private static final TenantId MEMBER = TenantId.of("org-17-member-3");
  private static final Meter TOKENS = Meter.AI_TOKENS;
  private static final Tier SEAT = Tier.of("seat");
  private static final Tier TEAM = Tier.of("team");
  private static final Actor OPERATOR = Actor.of("operator");

  /** A seat may take 100 tokens a minute of a large period; the team 250 a period and any amount a minute. */
  private static final TierCatalogue CATALOGUE = TierCatalogue.builder()
      .meter(TOKENS, PeriodPolicy.calendarMonth())
      .tier(SEAT, Map.of(TOKENS, 100_000L))
      .tier(TEAM, Map.of(TOKENS, 250L))
      .limit(SEAT, TOKENS, Window.MINUTE, 100)
      .defaultTier(SEAT)
      .build();

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TestClock clock = TestClock.at("2026-03-10T12:00:30Z");
  private final QuotaMetrics metrics = QuotaMetrics.builder(registry).clock(clock).build();
  private final InMemoryQuotaStore store = new InMemoryQuotaStore();

  private QuotaGuard guard(EnforcementMode mode) {
    Quota quota = Quota.builder().store(metrics.timed(store)).observer(metrics.observer()).catalogue(CATALOGUE)
        .clock(clock).mode(mode).build();
    QuotaAdmin admin = quota.admin().acceptingNewTenants();
    admin.setPlan(ORG, Plan.of(TEAM), OPERATOR, "team plan");
    admin.setPlan(MEMBER, Plan.of(SEAT), OPERATOR, "seat");
    admin.setParent(MEMBER, ORG, OPERATOR, "member of org");
    return quota.guard();
  }

  private double denials(String level, String window) {
    Counter counter = registry.find(QuotaMetrics.DENIALS)
        .tags("meter", "ai-tokens", "reason", "insufficient_balance", "level", level, "window", window)
        .counter();
    return counter == null ? 0 : counter.count();
  }

  private double totalDenials() {
    return registry.find(QuotaMetrics.DENIALS).counters().stream().mapToDouble(Counter::count).sum();
  }

  @Test
  void aDenialByTheParentsPeriodIsCountedAtLevelOneInWindowPeriod() {
    QuotaGuard guard = guard(EnforcementMode.ENFORCE);
    guard.tryConsume(ORG, TOKENS, 200, UsageKey.of("org-batch"));

    ConsumeResult result = guard.tryConsume(MEMBER, TOKENS, 60, UsageKey.of("member-call"));

    assertThat(result.decision().allowed()).isFalse();
    assertThat(result.decision().levelsUp()).isEqualTo(1);
    assertThat(denials("1", "period")).isEqualTo(1);
    assertThat(totalDenials()).as("nothing else counted").isEqualTo(1);
  }

  @Test
  void aDenialByTheTenantsOwnMinuteIsCountedAtLevelZeroInWindowMinute() {
    QuotaGuard guard = guard(EnforcementMode.ENFORCE);
    guard.tryConsume(MEMBER, TOKENS, 80, UsageKey.of("call-1"));

    ConsumeResult result = guard.tryConsume(MEMBER, TOKENS, 30, UsageKey.of("call-2"));

    assertThat(result.decision().allowed()).isFalse();
    assertThat(result.decision().window()).isEqualTo(Window.MINUTE);
    assertThat(denials("0", "minute")).isEqualTo(1);
    assertThat(totalDenials()).as("nothing else counted").isEqualTo(1);
  }

  @Test
  void eachDenialIsCountedOnceBesideTheDecisionsDeniedCount() {
    QuotaGuard guard = guard(EnforcementMode.ENFORCE);
    guard.tryConsume(MEMBER, TOKENS, 80, UsageKey.of("call-1"));
    guard.tryConsume(MEMBER, TOKENS, 30, UsageKey.of("call-2"));
    guard.check(MEMBER, TOKENS, 30);

    assertThat(denials("0", "minute")).isEqualTo(2);
    double deniedDecisions = registry.find(QuotaMetrics.DECISIONS).tags("outcome", "denied").counters().stream()
        .mapToDouble(Counter::count).sum();
    assertThat(deniedDecisions).isEqualTo(2);
  }

  @Test
  void denialsThatShadowModeLetThroughAreCountedToo() {
    QuotaGuard guard = guard(EnforcementMode.SHADOW);
    guard.tryConsume(ORG, TOKENS, 200, UsageKey.of("org-batch"));

    ConsumeResult result = guard.tryConsume(MEMBER, TOKENS, 60, UsageKey.of("member-call"));

    assertThat(result.decision().allowed()).as("let through").isTrue();
    assertThat(denials("1", "period")).isEqualTo(1);
  }

  @Test
  void aFlatTenantsDenialIsCountedAtLevelZeroInWindowPeriod() {
    Quota quota = Quota.builder().store(new InMemoryQuotaStore()).observer(metrics.observer()).clock(clock).build();
    quota.guard().tryConsume(ORG, TOKENS, 100_000, UsageKey.of("all-of-it"));

    quota.guard().tryConsume(ORG, TOKENS, 1, UsageKey.of("one-more"));

    assertThat(denials("0", "period")).isEqualTo(1);
  }

  @Test
  void theDenialCounterIsTaggedByMeterReasonLevelAndWindowAndNeverByTenant() {
    QuotaGuard guard = guard(EnforcementMode.ENFORCE);
    guard.tryConsume(ORG, TOKENS, 200, UsageKey.of("org-batch"));
    guard.tryConsume(MEMBER, TOKENS, 60, UsageKey.of("member-call"));

    Counter counter = registry.get(QuotaMetrics.DENIALS).counter();

    assertThat(counter.getId().getTags()).extracting(Tag::getKey)
        .containsExactlyInAnyOrder("meter", "reason", "level", "window");
    assertThat(counter.getId().getTags()).extracting(Tag::getValue)
        .doesNotContain(ORG.value(), MEMBER.value());
    assertThat(counter.getId().getDescription()).contains("level 0 is the tenant itself");
  }
}

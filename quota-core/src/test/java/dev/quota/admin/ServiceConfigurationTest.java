package dev.quota.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.PlanFallback;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.Window;
import dev.quota.period.PeriodPolicy;
import dev.quota.period.PeriodPolicyText;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The recorded form of a service's configuration: read back to the same content, and compared setting by setting. */
class ServiceConfigurationTest {
  private static final Meter CALLS = Meter.of("ai-calls");
  private static final Meter SECONDS = Meter.of("gpu-seconds");

  private static TierCatalogue catalogue(long proTokens) {
    return TierCatalogue.builder()
        .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
        .meter(CALLS, PeriodPolicy.calendarDay(ZoneId.of("Europe/Berlin")))
        .meter(SECONDS, PeriodPolicy.fixed(Duration.ofHours(1), Instant.parse("2026-01-01T00:30:00Z")))
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 100_000L, CALLS, 50L, SECONDS, 0L))
        .tier(Tier.PRO, Map.of(Meter.AI_TOKENS, proTokens, CALLS, TierCatalogue.UNLIMITED, SECONDS, 3600L))
        .defaultTier(Tier.FREE)
        .whenUnknownTier(PlanFallback.REJECT)
        .build();
  }

  private static ServiceConfiguration configuration(long proTokens, PlanSource plans) {
    return new ServiceConfiguration("planner", "1.4.2", catalogue(proTokens), List.of(80, 100), plans,
        new TenantKey("public", "app_user", "email", "id"));
  }

  @Test
  void theTextReadsBackToTheSameConfiguration() {
    PlanSource host = new PlanSource.HostTable("public", "app_user", "id", "tier", "bigint");
    for (PlanSource plans : List.of(PlanSource.QUOTA_TABLE, host, PlanSource.HOST_LOOKUP)) {
      ServiceConfiguration written = configuration(1_000_000, plans);

      ServiceConfiguration read = ServiceConfiguration.fromText("planner", "1.4.2", written.toText());

      assertThat(read).isEqualTo(written);
      assertThat(read.catalogue()).isEqualTo(written.catalogue());
      assertThat(read.plans()).isEqualTo(plans);
      assertThat(read.tenantKey()).isEqualTo(written.tenantKey());
      assertThat(read.alertThresholds()).containsExactly(80, 100);
    }
  }

  @Test
  void theTextUsesTheWordsOfTheCatalogueFiles() {
    assertThat(configuration(1_000_000, PlanSource.QUOTA_TABLE).toText())
        .contains("meters = ai-tokens, ai-calls, gpu-seconds\n")
        .contains("meter.ai-tokens.period = calendar-month UTC\n")
        .contains("meter.ai-calls.period = calendar-day Europe/Berlin\n")
        .contains("tier.pro.ai-calls = unlimited\n")
        .contains("when-unknown-tier = reject\n")
        .contains("plans = quota\n")
        .contains("tenant-key.key-column = email\n");
  }

  @Test
  void theHistoryZoneAndEventBoundsAreRecordedWhenTheyAreNotTheDefaults() {
    TierCatalogue defaults = catalogue(1_000_000);
    assertThat(configuration(1_000_000, PlanSource.QUOTA_TABLE).toText()).doesNotContain("zone")
        .doesNotContain("max-event");

    TierCatalogue.Builder own = TierCatalogue.builder().zone(ZoneId.of("Europe/Berlin"));
    defaults.meters().forEach(own::meter);
    own.maxEventAmount(Meter.AI_TOKENS, 5_000_000);
    defaults.tiers().forEach(tier -> own.tier(tier, Map.of(Meter.AI_TOKENS, defaults.limit(tier, Meter.AI_TOKENS),
        CALLS, defaults.limit(tier, CALLS), SECONDS, defaults.limit(tier, SECONDS))));
    ServiceConfiguration written = new ServiceConfiguration("planner", "1.4.2",
        own.defaultTier(Tier.FREE).whenUnknownTier(PlanFallback.REJECT).build(), List.of(80, 100),
        PlanSource.QUOTA_TABLE, null);

    assertThat(written.toText()).contains("zone = Europe/Berlin\n").contains("meter.ai-tokens.max-event = 5000000\n");
    ServiceConfiguration read = ServiceConfiguration.fromText("planner", "1.4.2", written.toText());
    assertThat(read.catalogue().zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    assertThat(read.catalogue().maxEventAmount(Meter.AI_TOKENS)).isEqualTo(5_000_000);
    assertThat(read).isEqualTo(written);
  }

  @Test
  void differencesNameEachChangedSettingWithTheOtherValueFirst() {
    ServiceConfiguration recorded = configuration(1_000_000, PlanSource.QUOTA_TABLE);
    ServiceConfiguration given = configuration(2_000_000,
        new PlanSource.HostTable("public", "app_user", "id", "tier", "bigint"));

    assertThat(given.differencesFrom(recorded)).containsExactly(
        "tier.pro.ai-tokens: 1000000 -> 2000000",
        "plans: quota -> host-table",
        "plans.schema: (none) -> public",
        "plans.table: (none) -> app_user",
        "plans.id-column: (none) -> id",
        "plans.id-type: (none) -> bigint",
        "plans.tier-column: (none) -> tier");
    assertThat(recorded.differencesFrom(configuration(1_000_000, PlanSource.QUOTA_TABLE))).isEmpty();
  }

  @Test
  void aPeriodPolicyOfTheServicesOwnIsRecordedButCannotBeReadWithoutIt() {
    PeriodPolicy own = instant -> new Period(instant, instant.plusSeconds(1));
    TierCatalogue catalogue = TierCatalogue.builder().meter(Meter.AI_TOKENS, own)
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 10L)).defaultTier(Tier.FREE).build();
    String text = new ServiceConfiguration("planner", "1", catalogue, List.of(), PlanSource.QUOTA_TABLE, null)
        .toText();

    assertThat(text).contains("meter.ai-tokens.period = custom ").contains("alert-thresholds = none\n");
    assertThatThrownBy(() -> ServiceConfiguration.fromText("planner", "1", text))
        .isInstanceOfSatisfying(InvalidRequestException.class,
            e -> assertThat(e.field()).isEqualTo("meter.ai-tokens.period"));
  }

  @Test
  void periodPoliciesInWordsReadBackEqual() {
    for (PeriodPolicy policy : List.of(PeriodPolicy.calendarMonth(), PeriodPolicy.calendarMonth(ZoneOffset.UTC),
        PeriodPolicy.monthlyOn(31, ZoneId.of("America/New_York")), PeriodPolicy.calendarDay(ZoneOffset.UTC),
        PeriodPolicy.fixed(Duration.ofMinutes(90)))) {
      String words = PeriodPolicyText.format(policy).orElseThrow();
      assertThat(PeriodPolicyText.parse(words)).as(words).isEqualTo(policy);
    }
    assertThatThrownBy(() -> PeriodPolicyText.parse("weekly"))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("period"));
  }

  private static TierCatalogue withWindows(long proMinute) {
    TierCatalogue.Builder builder = TierCatalogue.builder();
    TierCatalogue base = catalogue(1_000_000);
    base.meters().forEach(builder::meter);
    base.tiers().forEach(tier -> builder.tier(tier, Map.of(Meter.AI_TOKENS, base.limit(tier, Meter.AI_TOKENS), CALLS,
        base.limit(tier, CALLS), SECONDS, base.limit(tier, SECONDS))));
    return builder.defaultTier(Tier.FREE).whenUnknownTier(PlanFallback.REJECT)
        .limit(Tier.PRO, Meter.AI_TOKENS, Window.MINUTE, proMinute)
        .limit(Tier.PRO, Meter.AI_TOKENS, Window.DAY, 500_000)
        .limit(Tier.PRO, CALLS, Window.HOUR, TierCatalogue.UNLIMITED)
        .build();
  }

  @Test
  void shortWindowLimitsAreRecordedAfterTheTiersPeriodLimitsAndReadBack() {
    ServiceConfiguration written = new ServiceConfiguration("planner", "1.5.0", withWindows(60_000), List.of(80),
        PlanSource.QUOTA_TABLE, null);

    String text = written.toText();
    ServiceConfiguration read = ServiceConfiguration.fromText("planner", "1.5.0", text);

    assertThat(text).contains("tier.free.gpu-seconds = 0\ntier.pro.ai-tokens = 1000000\n")
        .contains("tier.pro.gpu-seconds = 3600\ntier.pro.window.ai-tokens.day = 500000\n"
            + "tier.pro.window.ai-tokens.minute = 60000\ntier.pro.window.ai-calls.hour = unlimited\n"
            + "default-tier = free\n");
    assertThat(read).isEqualTo(written);
    assertThat(read.catalogue()).isEqualTo(written.catalogue());
    assertThat(read.catalogue().windowLimits(Tier.PRO, Meter.AI_TOKENS))
        .containsExactly(Map.entry(Window.DAY, 500_000L), Map.entry(Window.MINUTE, 60_000L));
    assertThat(read.catalogue().windows(CALLS)).containsExactly(Window.HOUR);
  }

  @Test
  void aTextWithoutWindowLinesReadsBackWithoutWindowsAndDiffersByThem() {
    ServiceConfiguration before = configuration(1_000_000, PlanSource.QUOTA_TABLE);
    ServiceConfiguration read = ServiceConfiguration.fromText("planner", "1.4.2", before.toText());
    ServiceConfiguration after = new ServiceConfiguration("planner", "1.4.2", withWindows(60_000), List.of(80, 100),
        PlanSource.QUOTA_TABLE, before.tenantKey());

    assertThat(before.toText()).doesNotContain(".window.");
    assertThat(read.catalogue().hasWindows(Meter.AI_TOKENS)).isFalse();
    assertThat(after.differencesFrom(before)).containsExactly(
        "tier.pro.window.ai-tokens.day: (none) -> 500000",
        "tier.pro.window.ai-tokens.minute: (none) -> 60000",
        "tier.pro.window.ai-calls.hour: (none) -> unlimited");
    ServiceConfiguration slower = new ServiceConfiguration("planner", "1.4.2", withWindows(30_000), List.of(80, 100),
        PlanSource.QUOTA_TABLE, before.tenantKey());
    assertThat(slower.differencesFrom(after)).containsExactly("tier.pro.window.ai-tokens.minute: 60000 -> 30000");
  }

  @Test
  void aWindowLineThatNamesNothingDeclaredOrCannotBeReadIsRefusedByItsKey() {
    String text = configuration(1_000_000, PlanSource.QUOTA_TABLE).toText();

    for (String line : List.of("tier.pro.window.ai-tokens.week = 5", "tier.gold.window.ai-tokens.minute = 5",
        "tier.pro.window.tokens.minute = 5", "tier.pro.window.ai-tokens.period = 5")) {
      String key = line.substring(0, line.indexOf(' '));
      assertThatThrownBy(() -> ServiceConfiguration.fromText("planner", "1.4.2", text + line + "\n"))
          .as(line).isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(key));
    }
    assertThatThrownBy(() -> ServiceConfiguration.fromText("planner", "1.4.2",
        text + "tier.pro.window.ai-tokens.minute = lots\n"))
        .isInstanceOfSatisfying(InvalidRequestException.class,
            e -> assertThat(e.field()).isEqualTo("tier.pro.window.ai-tokens.minute"));
  }
}

package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Meter;
import dev.quota.PlanFallback;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.Window;
import dev.quota.admin.PlanSource;
import dev.quota.admin.ServiceConfiguration;
import dev.quota.period.PeriodPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogueFileTest {
  private static final String SEED = """
      meters = ai-tokens
      meter.ai-tokens.period = calendar-month UTC
      tiers = free, pro, enterprise
      tier.free.ai-tokens = 100k
      tier.pro.ai-tokens = 1M
      tier.enterprise.ai-tokens = 10_000_000
      default-tier = free
      """;

  @Test
  void withoutAFileTheLibraryDefaultsApply() {
    CatalogueFile defaults = CatalogueFile.defaults();
    assertThat(defaults.catalogue()).isEqualTo(TierCatalogue.defaults());
    assertThat(defaults.alertThresholds()).containsExactly(80, 90, 100);
  }

  @Test
  void theSeedCatalogueWrittenAsAFileEqualsTheDefaults() {
    assertThat(CatalogueFile.parse("seed", SEED).catalogue()).isEqualTo(TierCatalogue.defaults());
  }

  @Test
  void theHistoryZoneAndAMetersBoundOnOneEventAreRead() {
    TierCatalogue catalogue = CatalogueFile.parse("zoned", SEED + """
        zone = Europe/Berlin
        meter.ai-tokens.max-event = 10M
        """).catalogue();

    assertThat(catalogue.zone()).isEqualTo(java.time.ZoneId.of("Europe/Berlin"));
    assertThat(catalogue.maxEventAmount(Meter.AI_TOKENS)).isEqualTo(10_000_000L);
    assertThat(CatalogueFile.parse("seed", SEED).catalogue().maxEventAmount(Meter.AI_TOKENS))
        .isEqualTo(TierCatalogue.DEFAULT_MAX_EVENT_AMOUNT);
  }

  @Test
  void anUnknownHistoryZoneIsRefused() {
    assertThatThrownBy(() -> CatalogueFile.parse("zoned", SEED + "zone = Mars/Olympus\n"))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.getMessage())
            .contains("zone must be a time zone such as UTC or Europe/Berlin, was 'Mars/Olympus'"));
  }

  @Test
  void severalMetersKeepTheirOrderAndPeriods() {
    CatalogueFile file = CatalogueFile.parse("two-meters", """
        meters = ai-tokens, ai-calls
        meter.ai-tokens.period = monthly-on 15 Europe/Berlin
        meter.ai-calls.period = calendar-day America/New_York
        tiers = free, pro
        tier.free.ai-tokens = 100k
        tier.free.ai-calls = 50
        tier.pro.ai-tokens = 1M
        tier.pro.ai-calls = unlimited
        default-tier = free
        when-no-plan = reject
        when-unknown-tier = default-tier
        alert-thresholds = 50, 100
        """);
    Meter calls = Meter.of("ai-calls");
    TierCatalogue expected = TierCatalogue.builder()
        .meter(Meter.AI_TOKENS, PeriodPolicy.monthlyOn(15, ZoneId.of("Europe/Berlin")))
        .meter(calls, PeriodPolicy.calendarDay(ZoneId.of("America/New_York")))
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 100_000L, calls, 50L))
        .tier(Tier.PRO, Map.of(Meter.AI_TOKENS, 1_000_000L, calls, TierCatalogue.UNLIMITED))
        .defaultTier(Tier.FREE)
        .whenNoPlan(PlanFallback.REJECT)
        .build();
    assertThat(file.catalogue()).isEqualTo(expected);
    assertThat(file.catalogue().defaultMeter()).isEqualTo(Meter.AI_TOKENS);
    assertThat(file.alertThresholds()).containsExactly(50, 100);
  }

  @Test
  void fixedPeriodsTakeShortOrIsoLengths() {
    assertThat(CatalogueFile.period("k", "fixed 1h")).isEqualTo(PeriodPolicy.fixed(Duration.ofHours(1)));
    assertThat(CatalogueFile.period("k", "fixed PT30M")).isEqualTo(PeriodPolicy.fixed(Duration.ofMinutes(30)));
    assertThat(CatalogueFile.period("k", "calendar-month")).isEqualTo(PeriodPolicy.calendarMonth(ZoneOffset.UTC));
  }

  @Test
  void aMissingLimitNamesTheKey() {
    assertThatThrownBy(() -> CatalogueFile.parse("cat.properties", SEED.replace("tier.pro.ai-tokens = 1M\n", "")))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
        .hasMessage("catalogue cat.properties: 'tier.pro.ai-tokens' is missing");
  }

  @Test
  void aTypoInAKeyIsRefusedRatherThanIgnored() {
    assertThatThrownBy(() -> CatalogueFile.parse("cat.properties", SEED + "tier.pro.ai-tokns = 2M\n"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("unknown key 'tier.pro.ai-tokns'");
  }

  @Test
  void shortWindowLimitsAreReadWithTheKeysTheServiceRecords() {
    CatalogueFile file = CatalogueFile.parse("windows", SEED + """
        tier.pro.window.ai-tokens.minute = 60k
        tier.pro.window.ai-tokens.day = 500k
        """);

    assertThat(file.catalogue().windowLimits(Tier.PRO, Meter.AI_TOKENS))
        .containsExactly(Map.entry(Window.DAY, 500_000L), Map.entry(Window.MINUTE, 60_000L));
    assertThat(new ServiceConfiguration("cli", "1", file.catalogue(), List.of(), PlanSource.QUOTA_TABLE, null)
        .toText()).contains("tier.pro.window.ai-tokens.day = 500000\ntier.pro.window.ai-tokens.minute = 60000\n");
  }

  @Test
  void aWindowLineForNoTierOrWindowIsAnUnknownKeyAndAWindowAboveThePeriodIsRefused() {
    assertThatThrownBy(() -> CatalogueFile.parse("c", SEED + "tier.pro.window.ai-tokens.week = 5\n"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("unknown key 'tier.pro.window.ai-tokens.week'")
        .hasMessageContaining("tier.TIER.window.METER.WINDOW (minute, hour or day)");
    assertThatThrownBy(() -> CatalogueFile.parse("c", SEED + "tier.free.window.ai-tokens.hour = 200k\n"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("limit of tier free on ai-tokens per HOUR");
  }

  @Test
  void anUnknownPeriodFormListsTheForms() {
    assertThatThrownBy(() -> CatalogueFile.parse("c", SEED.replace("calendar-month UTC", "monthly")))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("meter.ai-tokens.period must be calendar-month [ZONE], monthly-on DAY [ZONE]");
  }

  @Test
  void anUnknownZoneIsRefused() {
    assertThatThrownBy(() -> CatalogueFile.parse("c", SEED.replace("calendar-month UTC", "calendar-month Mars/Base")))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("meter.ai-tokens.period")
        .hasMessageContaining("Mars/Base");
  }

  @Test
  void theLibrarysOwnRulesApplyToo() {
    assertThatThrownBy(() -> CatalogueFile.parse("c", SEED.replace("default-tier = free", "default-tier = gold")))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("default tier must be one of the declared tiers");
    assertThatThrownBy(() -> CatalogueFile.parse("c", SEED + "alert-thresholds = 90, 90\n"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("alert thresholds must not repeat");
  }

  @Test
  void theDocumentedExampleFileIsAValidCatalogue() {
    CatalogueFile example = CatalogueFile.read(Path.of("catalogue.example.properties"));

    assertThat(example.catalogue().meters().keySet()).containsExactly(Meter.AI_TOKENS, Meter.of("ai-calls"));
    assertThat(example.catalogue().limit(Tier.ENTERPRISE, Meter.of("ai-calls"))).isEqualTo(TierCatalogue.UNLIMITED);
    assertThat(example.catalogue().limit(Tier.FREE, Meter.AI_TOKENS)).isEqualTo(100_000);
    assertThat(example.alertThresholds()).containsExactly(80, 90, 100);
  }

  @Test
  void aFileIsReadFromDisk(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tiers.properties");
    Files.writeString(file, SEED);
    assertThat(CatalogueFile.read(file).catalogue().tiers()).isEqualTo(List.of(Tier.FREE, Tier.PRO, Tier.ENTERPRISE));
  }

  @Test
  void aMissingFileIsBadUsageNamingIt(@TempDir Path dir) {
    Path file = dir.resolve("absent.properties");
    assertThatThrownBy(() -> CatalogueFile.read(file))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
        .hasMessageContaining("catalogue " + file + ": cannot read it");
  }
}

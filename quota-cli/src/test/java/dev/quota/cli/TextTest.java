package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.TierCatalogue;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TextTest {
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

  @Test
  void unitsHaveThousandsSeparatorsAndUnlimitedIsAWord() {
    assertThat(Text.units(1_000_000)).isEqualTo("1,000,000");
    assertThat(Text.units(TierCatalogue.UNLIMITED)).isEqualTo("unlimited");
  }

  @Test
  void aBarIsFullOnlyWhenTheQuotaIsUsedUp() {
    assertThat(Text.bar(0)).isEqualTo("[....................]");
    assertThat(Text.bar(99.9)).isEqualTo("[###################.]");
    assertThat(Text.bar(100)).isEqualTo("[####################]");
    assertThat(Text.bar(250)).isEqualTo("[####################]");
  }

  @Test
  void percentagesHaveOneDecimal() {
    assertThat(Text.percent(85.333)).isEqualTo("85.3%");
  }

  @Test
  void timesAreShownInTheOperatorsZone() {
    Instant reset = Instant.parse("2026-12-01T00:00:00Z");
    assertThat(Text.time(reset, ZoneId.of("Europe/Berlin"))).isEqualTo("2026-12-01 01:00:00 CET");
    assertThat(Text.time(reset, ZoneId.of("UTC"))).isEqualTo("2026-12-01 00:00:00 UTC");
    assertThat(Text.time(reset, ZoneId.of("America/New_York"))).isEqualTo("2026-11-30 19:00:00 EST");
  }

  @Test
  void distancesFromNowUseTheTwoLargestUnits() {
    assertThat(Text.fromNow(Instant.parse("2026-12-01T00:00:00Z"), NOW)).isEqualTo("in 5d 14h");
    assertThat(Text.fromNow(NOW.plusSeconds(2 * 3600 + 5 * 60), NOW)).isEqualTo("in 2h 5m");
    assertThat(Text.fromNow(NOW.minusSeconds(3 * 86400), NOW)).isEqualTo("3d ago");
    assertThat(Text.fromNow(NOW.plusSeconds(20), NOW)).isEqualTo("now");
  }

  @Test
  void aTimeFromNowCombinesBoth() {
    assertThat(Text.timeFromNow(NOW.plusSeconds(3600), NOW, ZoneOffset.UTC))
        .isEqualTo("2026-11-25 11:00:00 UTC (in 1h)");
  }
}

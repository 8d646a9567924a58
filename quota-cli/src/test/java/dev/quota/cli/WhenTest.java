package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Period;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class WhenTest {
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static final Period NOVEMBER =
      new Period(Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-12-01T00:00:00Z"));
  private static final Supplier<Period> NO_TENANT = () -> {
    throw new AssertionError("the period must not be asked for");
  };

  private static Instant resolve(String text, ZoneId zone) {
    return When.parse(text).resolve(NOW, zone, () -> NOVEMBER);
  }

  @Test
  void anIsoInstantIsTakenAsIs() {
    assertThat(When.parse("2026-12-01T00:00:00Z").resolve(NOW, BERLIN, NO_TENANT))
        .isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
  }

  @Test
  void anOffsetDateTimeKeepsItsOffset() {
    assertThat(resolve("2026-12-01T09:30+01:00", ZoneOffset.UTC)).isEqualTo(Instant.parse("2026-12-01T08:30:00Z"));
  }

  @Test
  void aLocalDateTimeIsReadInTheOperatorsZone() {
    assertThat(resolve("2026-12-01T09:30", BERLIN)).isEqualTo(Instant.parse("2026-12-01T08:30:00Z"));
  }

  @Test
  void aDateMeansItsMidnightInTheOperatorsZone() {
    assertThat(resolve("2026-12-01", BERLIN)).isEqualTo(Instant.parse("2026-11-30T23:00:00Z"));
    assertThat(resolve("2026-12-01", ZoneOffset.UTC)).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
  }

  @Test
  void relativeHoursAndMinutesAreAddedToNow() {
    assertThat(resolve("+12h", ZoneOffset.UTC)).isEqualTo(NOW.plusSeconds(12 * 3600));
    assertThat(resolve("+90m", ZoneOffset.UTC)).isEqualTo(NOW.plusSeconds(90 * 60));
    assertThat(resolve("+1d12h", ZoneOffset.UTC)).isEqualTo(NOW.plusSeconds(36 * 3600));
  }

  @Test
  void relativeDaysAreCalendarDaysInTheOperatorsZone() {
    // Berlin leaves summer time on 2026-10-25: two calendar days from 2026-10-24 noon are 49 hours
    Instant saturdayNoon = Instant.parse("2026-10-24T10:00:00Z");
    assertThat(When.parse("+2d").resolve(saturdayNoon, BERLIN, NO_TENANT))
        .isEqualTo(Instant.parse("2026-10-26T11:00:00Z"));
  }

  @Test
  void aMinusSignGoesBackInTime() {
    assertThat(resolve("-90d", ZoneOffset.UTC)).isEqualTo(Instant.parse("2026-08-27T10:00:00Z"));
    assertThat(resolve("-1w", ZoneOffset.UTC)).isEqualTo(Instant.parse("2026-11-18T10:00:00Z"));
  }

  @Test
  void nowIsNow() {
    assertThat(When.parse("now").resolve(NOW, BERLIN, NO_TENANT)).isEqualTo(NOW);
  }

  @Test
  void endOfPeriodIsTheTenantsResetTime() {
    assertThat(resolve("end-of-period", BERLIN)).isEqualTo(NOVEMBER.end());
    assertThat(When.parse("end-of-period").needsPeriod()).isTrue();
  }

  @Test
  void startOfPeriodIsWhereTheTenantsPeriodBegins() {
    assertThat(resolve("start-of-period", BERLIN)).isEqualTo(NOVEMBER.start());
  }

  @Test
  void formsAreCaseInsensitiveAndTrimmed() {
    assertThat(resolve(" End-Of-Period ", BERLIN)).isEqualTo(NOVEMBER.end());
    assertThat(resolve("+2D", ZoneOffset.UTC)).isEqualTo(Instant.parse("2026-11-27T10:00:00Z"));
  }

  @Test
  void aWordThatIsNoTimeIsBadUsageListingTheForms() {
    assertThatThrownBy(() -> When.parse("tomorrow"))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
        .hasMessageContaining("'tomorrow' is not a time")
        .hasMessageContaining("end-of-period");
  }

  @Test
  void aRelativeTimeWithoutUnitIsBadUsage() {
    assertThatThrownBy(() -> When.parse("+2"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("'+2' is not a relative time");
  }

  @Test
  void anUnknownUnitIsBadUsage() {
    assertThatThrownBy(() -> When.parse("+2y")).isInstanceOf(CliException.class);
  }
}

package dev.quota.period;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Period;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class CalendarMonthPolicyTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  private static Instant at(String iso) {
    return Instant.parse(iso);
  }

  private static Period period(String start, String end) {
    return new Period(at(start), at(end));
  }

  @Test
  void lastMillisecondOfJanuaryBelongsToJanuary() {
    assertThat(PeriodPolicy.calendarMonth().periodAt(at("2027-01-31T23:59:59.999Z")))
        .isEqualTo(period("2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"));
  }

  @Test
  void lastNanosecondOfJanuaryBelongsToJanuary() {
    assertThat(PeriodPolicy.calendarMonth().periodAt(at("2027-01-31T23:59:59.999999999Z")).end())
        .isEqualTo(at("2027-02-01T00:00:00Z"));
  }

  @Test
  void midnightOnTheFirstStartsTheNewMonth() {
    assertThat(PeriodPolicy.calendarMonth().periodAt(at("2027-02-01T00:00:00Z")))
        .isEqualTo(period("2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z"));
  }

  @Test
  void periodStartIsInsideThePeriodAndEndIsNot() {
    Period january = PeriodPolicy.calendarMonth().periodAt(at("2027-01-15T12:00:00Z"));

    assertThat(january.contains(january.start())).isTrue();
    assertThat(january.contains(january.end())).isFalse();
    assertThat(PeriodPolicy.calendarMonth().periodAt(january.end()).start()).isEqualTo(january.end());
  }

  @Test
  void decemberEndsAtTheFirstOfJanuaryOfTheNextYear() {
    assertThat(PeriodPolicy.calendarMonth().periodAt(at("2027-12-31T23:59:59Z")))
        .isEqualTo(period("2027-12-01T00:00:00Z", "2028-01-01T00:00:00Z"));
  }

  @Test
  void februaryOfALeapYearHas29Days() {
    Period february = PeriodPolicy.calendarMonth().periodAt(at("2028-02-29T12:00:00Z"));

    assertThat(february).isEqualTo(period("2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z"));
    assertThat(february.length()).isEqualTo(Duration.ofDays(29));
  }

  @Test
  void februaryOfACommonYearHas28Days() {
    Period february = PeriodPolicy.calendarMonth().periodAt(at("2027-02-28T23:59:59Z"));

    assertThat(february).isEqualTo(period("2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z"));
    assertThat(february.length()).isEqualTo(Duration.ofDays(28));
  }

  @Test
  void defaultCalendarMonthIsUtc() {
    assertThat(PeriodPolicy.calendarMonth()).isEqualTo(PeriodPolicy.calendarMonth(ZoneOffset.UTC));
  }

  @Test
  void monthInBerlinStartsAtLocalMidnightWhichIsTheEveningBeforeInUtc() {
    // 1 March 2027 00:00 CET (+01:00) is 28 February 23:00 UTC.
    assertThat(PeriodPolicy.calendarMonth(BERLIN).periodAt(at("2027-02-28T23:00:00Z")).start())
        .isEqualTo(at("2027-02-28T23:00:00Z"));
    assertThat(PeriodPolicy.calendarMonth(BERLIN).periodAt(at("2027-02-28T22:59:59Z")).end())
        .isEqualTo(at("2027-02-28T23:00:00Z"));
  }

  @Test
  void berlinMarchSpansTheSpringForwardAndIsOneHourShort() {
    // Clocks go forward on Sunday 28 March 2027: March starts at 00:00 CET and ends at 00:00 CEST.
    Period march = PeriodPolicy.calendarMonth(BERLIN).periodAt(at("2027-03-28T01:30:00Z"));

    assertThat(march).isEqualTo(period("2027-02-28T23:00:00Z", "2027-03-31T22:00:00Z"));
    assertThat(march.length()).isEqualTo(Duration.ofDays(31).minusHours(1));
  }

  @Test
  void berlinAprilStartsAtLocalMidnightInSummerTime() {
    assertThat(PeriodPolicy.calendarMonth(BERLIN).periodAt(at("2027-03-31T22:00:00Z")))
        .isEqualTo(period("2027-03-31T22:00:00Z", "2027-04-30T22:00:00Z"));
  }

  @Test
  void berlinOctoberSpansTheFallBackAndIsOneHourLong() {
    // Clocks go back on Sunday 31 October 2027: October starts at 00:00 CEST and ends at 00:00 CET.
    Period october = PeriodPolicy.calendarMonth(BERLIN).periodAt(at("2027-10-31T00:30:00Z"));

    assertThat(october).isEqualTo(period("2027-09-30T22:00:00Z", "2027-10-31T23:00:00Z"));
    assertThat(october.length()).isEqualTo(Duration.ofDays(31).plusHours(1));
  }

  @Test
  void berlinInstantsInTheRepeatedHourStayInOctober() {
    // 02:00-03:00 local happens twice on 31 October 2027: 00:00Z-01:00Z in CEST, 01:00Z-02:00Z in CET.
    PeriodPolicy berlin = PeriodPolicy.calendarMonth(BERLIN);

    assertThat(berlin.periodAt(at("2027-10-31T00:30:00Z")))
        .isEqualTo(berlin.periodAt(at("2027-10-31T01:30:00Z")));
  }

  @Test
  void monthWhoseFirstMidnightIsSkippedStartsAtTheFirstValidInstant() {
    // Paraguay moved clocks from 00:00 to 01:00 on 1 October 2023: October began at 01:00 -03:00.
    PeriodPolicy asuncion = PeriodPolicy.calendarMonth(ZoneId.of("America/Asuncion"));

    assertThat(asuncion.periodAt(at("2023-10-15T12:00:00Z")).start()).isEqualTo(at("2023-10-01T04:00:00Z"));
    assertThat(asuncion.periodAt(at("2023-10-01T03:59:59Z")).end()).isEqualTo(at("2023-10-01T04:00:00Z"));
  }
}

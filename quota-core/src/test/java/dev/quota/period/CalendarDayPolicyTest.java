package dev.quota.period;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.InvalidRequestException;
import dev.quota.Period;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class CalendarDayPolicyTest {
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  private static Instant at(String iso) {
    return Instant.parse(iso);
  }

  @Test
  void utcDayRunsFromMidnightToMidnight() {
    assertThat(PeriodPolicy.calendarDay(ZoneOffset.UTC).periodAt(at("2027-06-10T23:59:59.999Z")))
        .isEqualTo(new Period(at("2027-06-10T00:00:00Z"), at("2027-06-11T00:00:00Z")));
  }

  @Test
  void dayInNewYorkStartsAtLocalMidnight() {
    // 10 June 2027 00:00 EDT (-04:00) is 04:00 UTC.
    assertThat(PeriodPolicy.calendarDay(NEW_YORK).periodAt(at("2027-06-10T03:59:59Z")).start())
        .isEqualTo(at("2027-06-09T04:00:00Z"));
    assertThat(PeriodPolicy.calendarDay(NEW_YORK).periodAt(at("2027-06-10T04:00:00Z")).start())
        .isEqualTo(at("2027-06-10T04:00:00Z"));
  }

  @Test
  void springForwardDayInNewYorkIs23HoursLong() {
    // Sunday 14 March 2027: 02:00 EST becomes 03:00 EDT.
    Period day = PeriodPolicy.calendarDay(NEW_YORK).periodAt(at("2027-03-14T12:00:00Z"));

    assertThat(day).isEqualTo(new Period(at("2027-03-14T05:00:00Z"), at("2027-03-15T04:00:00Z")));
    assertThat(day.length()).isEqualTo(Duration.ofHours(23));
  }

  @Test
  void fallBackDayInNewYorkIs25HoursLong() {
    // Sunday 7 November 2027: 02:00 EDT becomes 01:00 EST.
    Period day = PeriodPolicy.calendarDay(NEW_YORK).periodAt(at("2027-11-07T12:00:00Z"));

    assertThat(day).isEqualTo(new Period(at("2027-11-07T04:00:00Z"), at("2027-11-08T05:00:00Z")));
    assertThat(day.length()).isEqualTo(Duration.ofHours(25));
  }

  @Test
  void bothPassesThroughTheRepeatedHourBelongToTheSameDay() {
    // 01:30 local happens at 05:30Z (EDT) and again at 06:30Z (EST) on 7 November 2027.
    PeriodPolicy daily = PeriodPolicy.calendarDay(NEW_YORK);

    assertThat(daily.periodAt(at("2027-11-07T05:30:00Z"))).isEqualTo(daily.periodAt(at("2027-11-07T06:30:00Z")));
  }

  @Test
  void dayWhoseMidnightIsSkippedStartsAtTheFirstValidInstant() {
    // Chile moved clocks from 00:00 to 01:00 on Sunday 3 September 2023: that day began at 01:00 -03:00.
    PeriodPolicy santiago = PeriodPolicy.calendarDay(ZoneId.of("America/Santiago"));

    Period skipped = santiago.periodAt(at("2023-09-03T12:00:00Z"));

    assertThat(skipped).isEqualTo(new Period(at("2023-09-03T04:00:00Z"), at("2023-09-04T03:00:00Z")));
    assertThat(skipped.length()).isEqualTo(Duration.ofHours(23));
    assertThat(santiago.periodAt(at("2023-09-03T03:59:59Z")).end()).isEqualTo(skipped.start());
  }

  @Test
  void dayInBerlinWhenClocksGoForwardIs23HoursLong() {
    assertThat(PeriodPolicy.calendarDay(ZoneId.of("Europe/Berlin")).periodAt(at("2027-03-28T12:00:00Z")).length())
        .isEqualTo(Duration.ofHours(23));
  }

  @Test
  void calendarDayRejectsANullZone() {
    assertThatThrownBy(() -> PeriodPolicy.calendarDay(null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("zone");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }
}

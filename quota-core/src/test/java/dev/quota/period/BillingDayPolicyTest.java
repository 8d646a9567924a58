package dev.quota.period;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.InvalidRequestException;
import dev.quota.Period;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BillingDayPolicyTest {
  private static final ZoneId UTC = ZoneOffset.UTC;

  private static Instant at(String iso) {
    return Instant.parse(iso);
  }

  private static Period period(String start, String end) {
    return new Period(at(start), at(end));
  }

  @Test
  void day31ClampsToFebruary28AndReturnsTo31InMarch() {
    PeriodPolicy policy = PeriodPolicy.monthlyOn(31, UTC);
    List<Period> periods = new ArrayList<>();
    Period p = policy.periodAt(at("2027-01-31T00:00:00Z"));
    for (int i = 0; i < 4; i++) {
      periods.add(p);
      p = policy.periodAt(p.end());
    }

    assertThat(periods).containsExactly(
        period("2027-01-31T00:00:00Z", "2027-02-28T00:00:00Z"),
        period("2027-02-28T00:00:00Z", "2027-03-31T00:00:00Z"),
        period("2027-03-31T00:00:00Z", "2027-04-30T00:00:00Z"),
        period("2027-04-30T00:00:00Z", "2027-05-31T00:00:00Z"));
  }

  @Test
  void day31ClampsToFebruary29InALeapYear() {
    assertThat(PeriodPolicy.monthlyOn(31, UTC).periodAt(at("2028-03-01T00:00:00Z")))
        .isEqualTo(period("2028-02-29T00:00:00Z", "2028-03-31T00:00:00Z"));
  }

  @Test
  void day30ClampsToFebruary29InALeapYearAndReturnsTo30InMarch() {
    assertThat(PeriodPolicy.monthlyOn(30, UTC).periodAt(at("2028-02-29T00:00:00Z")))
        .isEqualTo(period("2028-02-29T00:00:00Z", "2028-03-30T00:00:00Z"));
  }

  @Test
  void day29ClampsToFebruary28InACommonYear() {
    PeriodPolicy policy = PeriodPolicy.monthlyOn(29, UTC);

    assertThat(policy.periodAt(at("2027-02-27T23:59:59Z")))
        .isEqualTo(period("2027-01-29T00:00:00Z", "2027-02-28T00:00:00Z"));
    assertThat(policy.periodAt(at("2027-02-28T00:00:00Z")))
        .isEqualTo(period("2027-02-28T00:00:00Z", "2027-03-29T00:00:00Z"));
  }

  @Test
  void day29IsNotClampedInALeapYear() {
    assertThat(PeriodPolicy.monthlyOn(29, UTC).periodAt(at("2028-02-28T12:00:00Z")))
        .isEqualTo(period("2028-01-29T00:00:00Z", "2028-02-29T00:00:00Z"));
  }

  @Test
  void instantBeforeThisMonthsBillingDayBelongsToThePeriodThatStartedLastMonth() {
    assertThat(PeriodPolicy.monthlyOn(15, UTC).periodAt(at("2027-03-14T23:59:59.999Z")))
        .isEqualTo(period("2027-02-15T00:00:00Z", "2027-03-15T00:00:00Z"));
  }

  @Test
  void billingDayPeriodStartsAtMidnightOfTheZone() {
    assertThat(PeriodPolicy.monthlyOn(15, ZoneId.of("America/New_York")).periodAt(at("2027-01-20T00:00:00Z")))
        .isEqualTo(period("2027-01-15T05:00:00Z", "2027-02-15T05:00:00Z"));
  }

  @Test
  void billingDay1IsTheCalendarMonth() {
    PeriodPolicy day1 = PeriodPolicy.monthlyOn(1, UTC);

    assertThat(day1).isEqualTo(PeriodPolicy.calendarMonth());
    assertThat(day1.periodAt(at("2027-07-04T10:00:00Z")))
        .isEqualTo(PeriodPolicy.calendarMonth().periodAt(at("2027-07-04T10:00:00Z")));
  }

  @Test
  void withBillingDayReanchorsAMonthlyPolicyAndKeepsItsZone() {
    ZoneId berlin = ZoneId.of("Europe/Berlin");

    assertThat(PeriodPolicy.calendarMonth(berlin).withBillingDay(15)).isEqualTo(PeriodPolicy.monthlyOn(15, berlin));
  }

  @Test
  void withTheSameBillingDayReturnsTheSamePolicy() {
    PeriodPolicy calendar = PeriodPolicy.calendarMonth();

    assertThat(calendar.withBillingDay(1)).isSameAs(calendar);
  }

  @Test
  void withBillingDay1TurnsABillingDayPolicyBackIntoTheCalendarMonth() {
    assertThat(PeriodPolicy.monthlyOn(20, UTC).withBillingDay(1)).isEqualTo(PeriodPolicy.calendarMonth());
  }

  @Test
  void dailyPolicyIgnoresTheBillingDay() {
    PeriodPolicy daily = PeriodPolicy.calendarDay(UTC);

    assertThat(daily.withBillingDay(15)).isSameAs(daily);
  }

  @Test
  void fixedPolicyIgnoresTheBillingDay() {
    PeriodPolicy hourly = PeriodPolicy.fixed(Duration.ofHours(1));

    assertThat(hourly.withBillingDay(31)).isSameAs(hourly);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 32, -1, Integer.MIN_VALUE, Integer.MAX_VALUE})
  void monthlyOnRejectsADayOutside1To31(int day) {
    assertThatThrownBy(() -> PeriodPolicy.monthlyOn(day, UTC))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("billing day");
          assertThat(e.getMessage()).contains("between 1 and 31").contains(Integer.toString(day));
        });
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 32})
  void withBillingDayRejectsADayOutside1To31OnAMonthlyPolicy(int day) {
    assertThatThrownBy(() -> PeriodPolicy.calendarMonth().withBillingDay(day))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("billing day");
          assertThat(e.rule()).isEqualTo("must be between 1 and 31, was " + day);
        });
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 32})
  void withBillingDayRejectsADayOutside1To31OnANonMonthlyPolicy(int day) {
    // Even where the day is ignored, a bad day is a bad request: a plan must not pass here and fail later.
    assertThatThrownBy(() -> PeriodPolicy.fixed(Duration.ofHours(1)).withBillingDay(day))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("billing day");
          assertThat(e.rule()).isEqualTo("must be between 1 and 31, was " + day);
        });
    assertThatThrownBy(() -> PeriodPolicy.calendarDay(UTC).withBillingDay(day))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("billing day");
          assertThat(e.rule()).isEqualTo("must be between 1 and 31, was " + day);
        });
  }

  @Test
  void monthlyOnRejectsANullZone() {
    assertThatThrownBy(() -> PeriodPolicy.monthlyOn(1, null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("zone");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }
}

package dev.quota.period;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.InvalidRequestException;
import dev.quota.Period;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class FixedPolicyTest {

  private static Instant at(String iso) {
    return Instant.parse(iso);
  }

  @Test
  void hourlyPeriodsAreAlignedOnTheHour() {
    assertThat(PeriodPolicy.fixed(Duration.ofHours(1)).periodAt(at("2027-05-05T10:59:59.999999999Z")))
        .isEqualTo(new Period(at("2027-05-05T10:00:00Z"), at("2027-05-05T11:00:00Z")));
  }

  @Test
  void instantOnABoundaryStartsThePeriod() {
    assertThat(PeriodPolicy.fixed(Duration.ofHours(1)).periodAt(at("2027-05-05T11:00:00Z")).start())
        .isEqualTo(at("2027-05-05T11:00:00Z"));
  }

  @Test
  void dailyFixedPeriodsAreUtcDays() {
    assertThat(PeriodPolicy.fixed(Duration.ofDays(1)).periodAt(at("2027-05-05T23:00:00Z")))
        .isEqualTo(PeriodPolicy.calendarDay(ZoneOffset.UTC).periodAt(at("2027-05-05T23:00:00Z")));
  }

  @Test
  void instantsBeforeTheEpochFallInThePeriodThatStartsAtOrBeforeThem() {
    // Floor, not truncation towards zero: -0.5 h lies in [-1 h, 0 h).
    assertThat(PeriodPolicy.fixed(Duration.ofHours(1)).periodAt(at("1969-12-31T23:30:00Z")))
        .isEqualTo(new Period(at("1969-12-31T23:00:00Z"), at("1970-01-01T00:00:00Z")));
  }

  @Test
  void instantJustBeforeTheOriginFallsInThePeriodEndingAtTheOrigin() {
    Instant origin = at("2027-01-01T00:07:00Z");

    assertThat(PeriodPolicy.fixed(Duration.ofMinutes(10), origin).periodAt(origin.minusNanos(1)))
        .isEqualTo(new Period(at("2026-12-31T23:57:00Z"), origin));
  }

  @Test
  void periodsAreCountedFromTheOrigin() {
    PeriodPolicy policy = PeriodPolicy.fixed(Duration.ofMinutes(10), at("2027-01-01T00:07:00Z"));

    assertThat(policy.periodAt(at("2027-03-03T12:16:59Z")))
        .isEqualTo(new Period(at("2027-03-03T12:07:00Z"), at("2027-03-03T12:17:00Z")));
  }

  @Test
  void anyBoundaryServesAsOrigin() {
    Duration week = Duration.ofDays(7);
    PeriodPolicy fromMonday = PeriodPolicy.fixed(week, at("2027-01-04T00:00:00Z"));
    PeriodPolicy fromAMondayYearsLater = PeriodPolicy.fixed(week, at("2031-06-02T00:00:00Z"));

    assertThat(fromAMondayYearsLater.periodAt(at("2027-05-05T10:00:00Z")))
        .isEqualTo(fromMonday.periodAt(at("2027-05-05T10:00:00Z")))
        .isEqualTo(new Period(at("2027-05-03T00:00:00Z"), at("2027-05-10T00:00:00Z")));
  }

  @Test
  void lengthWithNanosecondsIsExact() {
    Duration length = Duration.ofSeconds(1, 1);
    Period p = PeriodPolicy.fixed(length).periodAt(at("1970-01-01T00:00:03.000000003Z"));

    assertThat(p).isEqualTo(new Period(at("1970-01-01T00:00:03.000000003Z"), at("1970-01-01T00:00:04.000000004Z")));
  }

  @Test
  void oneSecondIsTheShortestLength() {
    assertThat(PeriodPolicy.fixed(Duration.ofSeconds(1)).periodAt(at("2027-05-05T10:00:00.5Z")).length())
        .isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void lengthBelowOneSecondIsRejected() {
    assertThatThrownBy(() -> PeriodPolicy.fixed(Duration.ofMillis(999)))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("length");
          assertThat(e.getMessage()).contains("at least 1 second").contains("PT0.999S");
        });
  }

  @Test
  void zeroLengthIsRejected() {
    assertThatThrownBy(() -> PeriodPolicy.fixed(Duration.ZERO))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("length");
          assertThat(e.rule()).isEqualTo("must be at least 1 second, was PT0S");
        });
  }

  @Test
  void negativeLengthIsRejected() {
    assertThatThrownBy(() -> PeriodPolicy.fixed(Duration.ofHours(-1)))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("length");
          assertThat(e.rule()).isEqualTo("must be at least 1 second, was PT-1H");
        });
  }

  @Test
  void nullLengthIsRejected() {
    assertThatThrownBy(() -> PeriodPolicy.fixed(null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("length");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void nullOriginIsRejected() {
    assertThatThrownBy(() -> PeriodPolicy.fixed(Duration.ofHours(1), null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("origin");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void policiesWithTheSameLengthAndOriginAreEqual() {
    assertThat(PeriodPolicy.fixed(Duration.ofHours(1))).isEqualTo(PeriodPolicy.fixed(Duration.ofMinutes(60), Instant.EPOCH))
        .hasSameHashCodeAs(PeriodPolicy.fixed(Duration.ofMinutes(60), Instant.EPOCH));
  }
}

package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PeriodTest {
  private static final Instant START = Instant.parse("2027-01-01T00:00:00Z");
  private static final Instant END = Instant.parse("2027-02-01T00:00:00Z");
  private static final Period JANUARY = new Period(START, END);

  @Test
  void startIsInsideThePeriod() {
    assertThat(JANUARY.contains(START)).isTrue();
  }

  @Test
  void lastNanosecondIsInsideThePeriod() {
    assertThat(JANUARY.contains(END.minusNanos(1))).isTrue();
  }

  @Test
  void endIsOutsideThePeriod() {
    assertThat(JANUARY.contains(END)).isFalse();
  }

  @Test
  void instantBeforeTheStartIsOutsideThePeriod() {
    assertThat(JANUARY.contains(START.minusNanos(1))).isFalse();
  }

  @Test
  void lengthIsTheTimeFromStartToEnd() {
    assertThat(JANUARY.length()).isEqualTo(Duration.ofDays(31));
  }

  @Test
  void oneNanosecondPeriodIsAccepted() {
    assertThat(new Period(START, START.plusNanos(1)).length()).isEqualTo(Duration.ofNanos(1));
  }

  @Test
  void emptyPeriodIsRejected() {
    assertThatThrownBy(() -> new Period(START, START))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("end");
          assertThat(e.rule()).startsWith("must be after the start");
        });
  }

  @Test
  void endBeforeStartIsRejected() {
    assertThatThrownBy(() -> new Period(END, START))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("end");
          assertThat(e.getMessage()).contains(END.toString()).contains(START.toString());
        });
  }

  @Test
  void nullStartIsRejected() {
    assertThatThrownBy(() -> new Period(null, END))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("start");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void nullEndIsRejected() {
    assertThatThrownBy(() -> new Period(START, null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("end");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void textFormShowsTheHalfOpenInterval() {
    assertThat(JANUARY).hasToString("[2027-01-01T00:00:00Z, 2027-02-01T00:00:00Z)");
  }
}

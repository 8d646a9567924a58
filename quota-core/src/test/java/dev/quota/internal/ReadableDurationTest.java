package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Durations in messages read as people write them, never as ISO-8601's PT2160H. */
class ReadableDurationTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "PT2160H, 90 days",
      "PT168H, 7 days",
      "PT24H, 1 day",
      "PT36H, 1 day 12 hours",
      "PT1H, 1 hour",
      "PT90M, 1 hour 30 minutes",
      "PT1S, 1 second",
      "PT1.5S, 1.5 seconds",
      "PT0.000000001S, 0.000000001 seconds",
      "PT0S, 0 seconds",
      "-PT2H, minus 2 hours"
  })
  void aDurationReadsInDaysHoursMinutesAndSeconds(String iso, String readable) {
    assertThat(Checks.readable(Duration.parse(iso))).isEqualTo(readable);
  }
}

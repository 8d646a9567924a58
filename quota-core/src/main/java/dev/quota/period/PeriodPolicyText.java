package dev.quota.period;

import dev.quota.InvalidRequestException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * The built-in period policies in words, as quota records a service's catalogue and as the command line's catalogue
 * files write them: {@code calendar-month ZONE}, {@code monthly-on DAY ZONE}, {@code calendar-day ZONE} and
 * {@code fixed LENGTH ORIGIN} (an ISO-8601 duration and instant). {@link #parse} reads what {@link #format} writes
 * back to an equal policy. Policies of one's own have no words: they are code, not configuration.
 */
public final class PeriodPolicyText {
  private PeriodPolicyText() {}

  /**
   * Writes a built-in policy in words.
   *
   * @param policy the policy
   * @return its words, e.g. {@code calendar-month UTC}; empty for a policy that is not one of the built-in ones
   */
  public static Optional<String> format(PeriodPolicy policy) {
    return switch (policy) {
      case MonthlyPolicy monthly -> Optional.of(monthly.day() == 1 ? "calendar-month " + zone(monthly.zone())
          : "monthly-on " + monthly.day() + " " + zone(monthly.zone()));
      case DailyPolicy daily -> Optional.of("calendar-day " + zone(daily.zone()));
      case FixedPolicy fixed -> Optional.of("fixed " + fixed.length() + " " + fixed.origin());
      default -> Optional.empty();
    };
  }

  /**
   * Reads the words {@link #format} writes.
   *
   * @param text e.g. {@code monthly-on 15 Europe/Berlin}
   * @return the policy
   * @throws InvalidRequestException naming {@code "period"} if the text is not of one of the forms above
   */
  public static PeriodPolicy parse(String text) {
    String[] words = text.strip().split("\\s+");
    try {
      return switch (words[0]) {
        case "calendar-month" -> { expect(text, words, 2); yield PeriodPolicy.calendarMonth(zone(words[1])); }
        case "monthly-on" -> {
          expect(text, words, 3);
          yield PeriodPolicy.monthlyOn(Integer.parseInt(words[1]), zone(words[2]));
        }
        case "calendar-day" -> { expect(text, words, 2); yield PeriodPolicy.calendarDay(zone(words[1])); }
        case "fixed" -> {
          expect(text, words, 3);
          yield PeriodPolicy.fixed(Duration.parse(words[1]), Instant.parse(words[2]));
        }
        default -> throw refused(text);
      };
    } catch (DateTimeException | NumberFormatException e) {
      throw refused(text);
    }
  }

  /** UTC in words rather than as the offset {@code Z}; read back normalized, as the library's UTC is an offset. */
  private static String zone(ZoneId zone) {
    return zone.normalized().equals(ZoneOffset.UTC) ? "UTC" : zone.getId();
  }

  private static ZoneId zone(String text) {
    return ZoneId.of(text).normalized();
  }

  private static void expect(String text, String[] words, int count) {
    if (words.length != count) {
      throw refused(text);
    }
  }

  private static InvalidRequestException refused(String text) {
    return new InvalidRequestException("period", "must read 'calendar-month ZONE', 'monthly-on DAY ZONE', "
        + "'calendar-day ZONE' or 'fixed LENGTH ORIGIN', was '" + text + "'");
  }
}

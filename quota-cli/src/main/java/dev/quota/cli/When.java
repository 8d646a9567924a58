package dev.quota.cli;

import dev.quota.Period;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A point in time as an operator types it for {@code --until}, {@code --before} or {@code --since}:
 * <ul>
 *   <li>an ISO instant or offset date-time: {@code 2026-12-01T00:00:00Z}, {@code 2026-12-01T09:30+01:00};</li>
 *   <li>an ISO local date-time or date, read in the operator's zone ({@code --zone}):
 *       {@code 2026-12-01T09:30}, {@code 2026-12-01} (its midnight);</li>
 *   <li>a time relative to now: a sign and one or more amounts of {@code w} (weeks), {@code d} (days),
 *       {@code h} (hours), {@code m} (minutes), such as {@code +2d}, {@code +12h}, {@code +1d12h},
 *       {@code -90d}; weeks and days are calendar days in the operator's zone;</li>
 *   <li>{@code now}, {@code end-of-period} (when the tenant's current period ends, its reset time) and
 *       {@code start-of-period}.</li>
 * </ul>
 * Parsing checks only the form; {@link #resolve} turns it into an instant.
 */
sealed interface When {
  /** The forms, for error messages and help texts. */
  String FORMS = "an ISO instant (2026-12-01T00:00:00Z), a date or local time in --zone (2026-12-01, "
      + "2026-12-01T09:30), a relative time (+2d, +12h, +1d12h, -90d), now, end-of-period or start-of-period";

  /**
   * Reads a time as typed.
   *
   * @param text the text
   * @return the parsed form
   * @throws CliException (bad usage) if the text is none of the forms
   */
  static When parse(String text) {
    String t = text == null ? "" : text.strip();
    switch (t.toLowerCase(Locale.ROOT)) {
      case "now":
        return new Relative(0, Duration.ZERO, t);
      case "end-of-period":
        return new PeriodBound(true);
      case "start-of-period":
        return new PeriodBound(false);
      default:
        break;
    }
    if (t.startsWith("+") || t.startsWith("-")) {
      return Relative.parse(t);
    }
    try {
      return new Fixed(Instant.parse(t));
    } catch (DateTimeException notAnInstant) {
      // the other ISO forms follow
    }
    try {
      return new Fixed(OffsetDateTime.parse(t).toInstant());
    } catch (DateTimeException notOffset) {
      // the local forms follow
    }
    try {
      return new Local(LocalDateTime.parse(t));
    } catch (DateTimeException notLocal) {
      // a date is the last form
    }
    try {
      return new Day(LocalDate.parse(t));
    } catch (DateTimeException notDate) {
      throw CliException.usage("'" + text + "' is not a time: use " + FORMS);
    }
  }

  /**
   * Turns the form into an instant.
   *
   * @param now the current instant
   * @param zone the operator's zone, for dates, local times and calendar days
   * @param period the tenant's current period, asked for only by {@code end-of-period} and
   *     {@code start-of-period}; it may throw a {@link CliException} when the command has no tenant
   * @return the instant
   */
  Instant resolve(Instant now, ZoneId zone, Supplier<Period> period);

  /** @return whether resolving needs the tenant's period */
  default boolean needsPeriod() {
    return false;
  }

  /** @param instant a fixed instant, typed with its offset */
  record Fixed(Instant instant) implements When {
    @Override
    public Instant resolve(Instant now, ZoneId zone, Supplier<Period> period) {
      return instant;
    }
  }

  /** @param dateTime a wall-clock time, read in the operator's zone */
  record Local(LocalDateTime dateTime) implements When {
    @Override
    public Instant resolve(Instant now, ZoneId zone, Supplier<Period> period) {
      return dateTime.atZone(zone).toInstant();
    }
  }

  /** @param date a date, meaning its midnight in the operator's zone */
  record Day(LocalDate date) implements When {
    @Override
    public Instant resolve(Instant now, ZoneId zone, Supplier<Period> period) {
      // atStartOfDay(zone) moves to the first valid time when midnight falls in a daylight-saving gap
      return date.atStartOfDay(zone).toInstant();
    }
  }

  /**
   * A time relative to now.
   *
   * @param days calendar days to add (negative to go back), in the operator's zone
   * @param time hours and minutes to add after the days
   * @param text the text as typed, for messages
   */
  record Relative(long days, Duration time, String text) implements When {
    private static final Pattern FORM = Pattern.compile("([+-])((?:\\d{1,6}[wdhm])+)");
    private static final Pattern PART = Pattern.compile("(\\d{1,6})([wdhm])");

    static Relative parse(String text) {
      Matcher whole = FORM.matcher(text.toLowerCase(Locale.ROOT));
      if (!whole.matches()) {
        throw CliException.usage("'" + text + "' is not a relative time: use a sign and amounts of w, d, h or m, "
            + "such as +2d, +12h, +1d12h or -90d");
      }
      int sign = whole.group(1).equals("-") ? -1 : 1;
      long days = 0;
      Duration time = Duration.ZERO;
      Matcher part = PART.matcher(whole.group(2));
      while (part.find()) {
        long n = Long.parseLong(part.group(1));
        switch (part.group(2)) {
          case "w" -> days += 7 * n;
          case "d" -> days += n;
          case "h" -> time = time.plusHours(n);
          default -> time = time.plusMinutes(n);
        }
      }
      return new Relative(sign * days, sign < 0 ? time.negated() : time, text);
    }

    @Override
    public Instant resolve(Instant now, ZoneId zone, Supplier<Period> period) {
      try {
        ZonedDateTime local = now.atZone(zone).plusDays(days);
        return local.toInstant().plus(time);
      } catch (DateTimeException | ArithmeticException e) {
        throw CliException.usage("'" + text + "' is too far from now");
      }
    }
  }

  /**
   * A bound of the tenant's current period.
   *
   * @param end {@code true} for its end (the reset time), {@code false} for its start
   */
  record PeriodBound(boolean end) implements When {
    @Override
    public Instant resolve(Instant now, ZoneId zone, Supplier<Period> period) {
      Period p = period.get();
      return end ? p.end() : p.start();
    }

    @Override
    public boolean needsPeriod() {
      return true;
    }
  }
}

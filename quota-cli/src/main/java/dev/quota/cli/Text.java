package dev.quota.cli;

import dev.quota.TierCatalogue;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The pieces of human output: counts with thousands separators, percentages, usage bars, and instants in
 * the operator's zone. Numbers use {@link Locale#ROOT} so that output is the same on every machine.
 */
final class Text {
  /** The width of a usage bar, in characters, brackets excluded. */
  static final int BAR_WIDTH = 20;

  private static final ZoneId UTC = ZoneId.of("UTC");
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss zzz", Locale.US);

  private Text() {}

  /**
   * A count of units.
   *
   * @param units the count, in the meter's unit
   * @return e.g. {@code 1,000,000}, or {@code unlimited}
   */
  static String units(long units) {
    return units == TierCatalogue.UNLIMITED ? "unlimited" : String.format(Locale.ROOT, "%,d", units);
  }

  /**
   * A count of things with its noun.
   *
   * @param count how many
   * @param singular the noun for one, e.g. {@code ledger entry}
   * @param plural the noun for several, e.g. {@code ledger entries}
   * @return e.g. {@code 1 ledger entry}, {@code 1,200 ledger entries}
   */
  static String count(long count, String singular, String plural) {
    return units(count) + " " + (count == 1 ? singular : plural);
  }

  /**
   * A percentage with one decimal.
   *
   * @param percent the percentage
   * @return e.g. {@code 85.3%}
   */
  static String percent(double percent) {
    return String.format(Locale.ROOT, "%.1f%%", percent);
  }

  /**
   * A bar filled in proportion to a percentage, full at 100 % and above. Rounded down, so a bar looks full
   * only when the quota really is used up.
   *
   * @param percent the percentage
   * @return e.g. {@code [##########..........]}
   */
  static String bar(double percent) {
    int filled = (int) Math.min(BAR_WIDTH, Math.max(0, Math.floor(percent * BAR_WIDTH / 100.0)));
    return "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "]";
  }

  /**
   * An instant in the operator's zone.
   *
   * @param instant the instant
   * @param zone the operator's zone
   * @return e.g. {@code 2026-12-01 01:00:00 CET}
   */
  static String time(Instant instant, ZoneId zone) {
    // the offset zone UTC would print as "Z"; operators read "UTC"
    ZoneId shown = zone instanceof ZoneOffset offset && offset.getTotalSeconds() == 0 ? UTC : zone;
    return TIME.format(instant.atZone(shown));
  }

  /**
   * An instant in the operator's zone, with how far it is from now.
   *
   * @param instant the instant
   * @param now the current instant
   * @param zone the operator's zone
   * @return e.g. {@code 2026-12-01 01:00:00 CET (in 5d 8h)}
   */
  static String timeFromNow(Instant instant, Instant now, ZoneId zone) {
    return time(instant, zone) + " (" + fromNow(instant, now) + ")";
  }

  /**
   * How far an instant is from now, to the two largest units.
   *
   * @param instant the instant
   * @param now the current instant
   * @return e.g. {@code in 5d 8h}, {@code 3h 20m ago}, {@code now}
   */
  static String fromNow(Instant instant, Instant now) {
    Duration d = Duration.between(now, instant);
    if (d.abs().compareTo(Duration.ofMinutes(1)) < 0) {
      return "now";
    }
    String span = span(d.abs());
    return d.isNegative() ? span + " ago" : "in " + span;
  }

  private static String span(Duration d) {
    long days = d.toDays();
    int hours = d.toHoursPart();
    int minutes = d.toMinutesPart();
    if (days > 0) {
      return hours > 0 ? days + "d " + hours + "h" : days + "d";
    }
    if (hours > 0) {
      return minutes > 0 ? hours + "h " + minutes + "m" : hours + "h";
    }
    return minutes + "m";
  }
}

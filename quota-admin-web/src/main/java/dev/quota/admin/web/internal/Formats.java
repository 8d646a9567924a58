package dev.quota.admin.web.internal;

import dev.quota.InvalidRequestException;
import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** How the console writes numbers and times for people, and reads times typed by them, in the operator's zone. */
final class Formats {
  private static final DateTimeFormatter SHOWN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ROOT);
  private static final DateTimeFormatter INPUT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm", Locale.ROOT);

  private final ZoneId zone;

  Formats(ZoneId zone) {
    this.zone = zone;
  }

  ZoneId zone() {
    return zone;
  }

  String instant(Instant instant) {
    return SHOWN.format(instant.atZone(zone));
  }

  /** The value of a {@code datetime-local} field for an instant, in the operator's zone. */
  String inputValue(Instant instant) {
    return INPUT.format(instant.atZone(zone).truncatedTo(ChronoUnit.MINUTES));
  }

  static String amount(long amount) {
    return amount == TierCatalogue.UNLIMITED ? "unlimited" : String.format(Locale.ROOT, "%,d", amount);
  }

  static String percent(double percent) {
    return String.format(Locale.ROOT, "%.1f%%", percent);
  }

  static String limitAndGranted(UsageReport report) {
    return report.granted() == 0 ? amount(report.limit())
        : amount(report.limit()) + " + " + amount(report.granted()) + " granted";
  }

  static String tierSource(UsageReport.TierSource source) {
    return switch (source) {
      case PLAN -> "plan";
      case OVERRIDE -> "override";
      case DEFAULT_WITHOUT_PLAN, DEFAULT_FOR_UNKNOWN_TIER -> "default";
      case REJECTED_WITHOUT_PLAN, REJECTED_UNKNOWN_TIER -> "rejected";
    };
  }

  /**
   * Reads a time as typed: an instant with an offset ({@code 2027-01-01T00:00:00Z}), a local date-time as a
   * {@code datetime-local} field sends it ({@code 2027-01-01T00:00}) or a date ({@code 2027-01-01}, its start), the
   * last two in the operator's zone.
   */
  Instant parse(String field, String text) {
    String value = text.strip();
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeException e) {
      // not with an offset; try the local forms
    }
    try {
      return LocalDateTime.parse(value).atZone(zone).toInstant();
    } catch (DateTimeException e) {
      // not a local date-time either
    }
    try {
      return LocalDate.parse(value).atStartOfDay(zone).toInstant();
    } catch (DateTimeException e) {
      throw new InvalidRequestException(field, "must be an instant (2027-01-01T00:00:00Z), a date-time "
          + "(2027-01-01T00:00) or a date (2027-01-01) in " + zone + ", was '" + cut(value) + "'");
    }
  }

  static String cut(String value) {
    return value.length() <= 80 ? value : value.substring(0, 80) + "...";
  }
}

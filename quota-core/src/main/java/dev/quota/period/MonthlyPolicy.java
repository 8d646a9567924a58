package dev.quota.period;

import dev.quota.InvalidRequestException;
import dev.quota.Period;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;

/** Months starting at midnight on a day of the month in a zone, the day clamped to short months. */
final class MonthlyPolicy implements PeriodPolicy {
  static final MonthlyPolicy CALENDAR_MONTH_UTC = new MonthlyPolicy(1, ZoneOffset.UTC);

  private final int day;
  private final ZoneId zone;
  // The last period computed: almost every call falls in it, which keeps the hot path free of date maths.
  // the period last computed: most calls fall into it (null until the first)
  private volatile @Nullable Period last;

  MonthlyPolicy(int day, ZoneId zone) {
    this.day = day;
    this.zone = zone;
  }

  int day() {
    return day;
  }

  ZoneId zone() {
    return zone;
  }

  static int checkDay(int day) {
    if (day < 1 || day > 31) {
      throw new InvalidRequestException("billing day", "must be between 1 and 31, was " + day);
    }
    return day;
  }

  @Override
  public Period periodAt(Instant instant) {
    Period cached = last;
    if (cached != null && cached.contains(instant)) {
      return cached;
    }
    YearMonth month = YearMonth.from(instant.atZone(zone));
    Instant start = startIn(month);
    if (instant.isBefore(start)) {
      month = month.minusMonths(1);
      start = startIn(month);
    }
    Period period = new Period(start, startIn(month.plusMonths(1)));
    last = period;
    return period;
  }

  private Instant startIn(YearMonth month) {
    LocalDate date = month.atDay(Math.min(day, month.lengthOfMonth()));
    // atStartOfDay(zone) moves to the first valid time when midnight falls in a DST gap.
    return date.atStartOfDay(zone).toInstant();
  }

  @Override
  public PeriodPolicy withBillingDay(int billingDay) {
    checkDay(billingDay);
    return billingDay == day ? this : new MonthlyPolicy(billingDay, zone);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof MonthlyPolicy other && other.day == day && other.zone.equals(zone);
  }

  @Override
  public int hashCode() {
    return 31 * day + zone.hashCode();
  }

  @Override
  public String toString() {
    return day == 1 ? "calendarMonth(" + zone + ")" : "monthlyOn(" + day + ", " + zone + ")";
  }
}

package dev.quota.period;

import dev.quota.Period;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

/** Calendar days in a zone. */
final class DailyPolicy implements PeriodPolicy {
  private final ZoneId zone;
  private volatile Period last;

  DailyPolicy(ZoneId zone) {
    this.zone = zone;
  }

  @Override
  public Period periodAt(Instant instant) {
    Period cached = last;
    if (cached != null && cached.contains(instant)) {
      return cached;
    }
    LocalDate date = LocalDate.ofInstant(instant, zone);
    Period period = new Period(date.atStartOfDay(zone).toInstant(), date.plusDays(1).atStartOfDay(zone).toInstant());
    last = period;
    return period;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DailyPolicy other && other.zone.equals(zone);
  }

  @Override
  public int hashCode() {
    return zone.hashCode();
  }

  @Override
  public String toString() {
    return "calendarDay(" + zone + ")";
  }
}

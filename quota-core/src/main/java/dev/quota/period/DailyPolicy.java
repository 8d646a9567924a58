package dev.quota.period;

import dev.quota.Period;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import org.jspecify.annotations.Nullable;

/** Calendar days in a zone. */
final class DailyPolicy implements PeriodPolicy {
  private final ZoneId zone;
  // the period last computed: most calls fall into it (null until the first)
  private volatile @Nullable Period last;

  DailyPolicy(ZoneId zone) {
    this.zone = zone;
  }

  ZoneId zone() {
    return zone;
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
  public boolean equals(@Nullable Object o) {
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

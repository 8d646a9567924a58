package dev.quota.period;

import dev.quota.Period;
import dev.quota.internal.Checks;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

/**
 * How time is cut into the periods over which usage is summed and after which it resets.
 *
 * <p>Implementations are pure functions of the instant: the boundary is computed by the library in the
 * configured zone, never by a database server's time zone. The built-in policies are immutable and
 * thread-safe.
 *
 * {@snippet :
 * PeriodPolicy monthly = PeriodPolicy.calendarMonth();                  // UTC, resets on the 1st at 00:00
 * PeriodPolicy billing = PeriodPolicy.monthlyOn(31, ZoneId.of("Europe/Berlin")); // 31st, clamped
 * PeriodPolicy daily = PeriodPolicy.calendarDay(ZoneId.of("America/New_York"));
 * PeriodPolicy hourly = PeriodPolicy.fixed(Duration.ofHours(1));
 * }
 */
public interface PeriodPolicy {

  /**
   * Returns the period that contains an instant.
   *
   * @param instant any instant
   * @return the period with {@code start <= instant < end}
   */
  Period periodAt(Instant instant);

  /**
   * Returns this policy re-anchored on a tenant's billing day of the month. Monthly policies move their
   * boundary to that day (clamped to the month's last day); other policies ignore the anchor.
   *
   * @param billingDay the day of the month, 1 to 31
   * @return the anchored policy, or this policy if it is not monthly
   * @throws dev.quota.InvalidRequestException if {@code billingDay} is outside 1 to 31
   */
  default PeriodPolicy withBillingDay(int billingDay) {
    MonthlyPolicy.checkDay(billingDay);
    return this;
  }

  /**
   * Calendar months in UTC: the seed system's behaviour and the default.
   *
   * @return a policy whose periods run from the 1st of a month 00:00 UTC to the 1st of the next
   */
  static PeriodPolicy calendarMonth() {
    return MonthlyPolicy.CALENDAR_MONTH_UTC;
  }

  /**
   * Calendar months in a zone.
   *
   * @param zone the zone whose midnight on the 1st starts a period
   * @return the policy
   */
  static PeriodPolicy calendarMonth(ZoneId zone) {
    return new MonthlyPolicy(1, Checks.notNull("zone", zone));
  }

  /**
   * Months anchored at a billing day: a period starts at 00:00 in {@code zone} on {@code billingDay} of each
   * month, or on the month's last day when it is shorter (day 31 starts periods on Feb 28 or 29, Apr 30,
   * and so on).
   *
   * @param billingDay the billing day of the month, 1 to 31
   * @param zone the zone of the midnight that starts a period
   * @return the policy
   * @throws dev.quota.InvalidRequestException if {@code billingDay} is outside 1 to 31
   */
  static PeriodPolicy monthlyOn(int billingDay, ZoneId zone) {
    return new MonthlyPolicy(MonthlyPolicy.checkDay(billingDay), Checks.notNull("zone", zone));
  }

  /**
   * Calendar days in a zone. On a day when clocks change the period is 23 or 25 hours long.
   *
   * @param zone the zone whose midnight starts a period
   * @return the policy
   */
  static PeriodPolicy calendarDay(ZoneId zone) {
    return new DailyPolicy(Checks.notNull("zone", zone));
  }

  /**
   * Fixed-length periods counted from the Unix epoch (so {@code fixed(Duration.ofDays(1))} is UTC days).
   *
   * @param length the length of every period; at least one second
   * @return the policy
   */
  static PeriodPolicy fixed(Duration length) {
    return fixed(length, Instant.EPOCH);
  }

  /**
   * Fixed-length periods counted from an origin: periods start at {@code origin + k * length}.
   *
   * @param length the length of every period; at least one second
   * @param origin any period boundary
   * @return the policy
   */
  static PeriodPolicy fixed(Duration length, Instant origin) {
    return new FixedPolicy(length, origin);
  }
}

package dev.quota.alert;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One event of the notification outbox: written in the same transaction as the alert mark that decided it, and
 * delivered at least once to every configured {@link NotificationChannel}.
 *
 * <p>The {@code id} is stable across retries and instances, so that a receiver can drop a delivery it has seen.
 *
 * @param id the stable id of this notification (the same on every delivery attempt)
 * @param kind what happened
 * @param tenant the tenant
 * @param meter the meter
 * @param period the period the usage counts in; its end is when the usage resets
 * @param thresholdPercent the threshold crossed, in percent of the ceiling; 100 for {@link NotificationKind#BLOCKED},
 *     0 for {@link NotificationKind#UNBLOCKED}
 * @param used the usage when it happened, in the meter's unit
 * @param ceiling {@code limit + granted} when it happened, in the meter's unit
 * @param occurredAt when it happened
 * @param cause what caused it: empty for threshold and block events, the admin operation for an unblock (e.g.
 *     {@code RESET_USAGE})
 */
public record Notification(UUID id, NotificationKind kind, TenantId tenant, Meter meter, Period period,
    int thresholdPercent, long used, long ceiling, Instant occurredAt, String cause) {

  /**
   * Checks the fields.
   *
   * @throws NullPointerException if a field is null
   * @throws IllegalArgumentException if {@code thresholdPercent} is outside 0..1000, or {@code used} or
   *     {@code ceiling} is negative
   */
  public Notification {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(meter, "meter");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(occurredAt, "occurredAt");
    Objects.requireNonNull(cause, "cause");
    if (thresholdPercent < 0 || thresholdPercent > 1000) {
      throw new IllegalArgumentException("thresholdPercent must be within 0..1000, was " + thresholdPercent);
    }
    if (used < 0) {
      throw new IllegalArgumentException("used must be >= 0, was " + used);
    }
    if (ceiling < 0) {
      throw new IllegalArgumentException("ceiling must be >= 0, was " + ceiling);
    }
  }

  /**
   * When the tenant's usage resets.
   *
   * @return the end of {@link #period()}
   */
  public Instant resetsAt() {
    return period.end();
  }
}

package dev.quota.notify;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationKind;
import java.time.Instant;
import java.util.UUID;

/** Notifications for the channels' tests. */
final class Notifications {
  static final UUID ID = UUID.fromString("7b0c2a4e-3f7d-4f43-9a55-3c1d6f0e8a21");
  static final Instant PERIOD_START = Instant.parse("2026-12-01T00:00:00Z");
  static final Instant PERIOD_END = Instant.parse("2027-01-01T00:00:00Z");
  static final Instant OCCURRED_AT = Instant.parse("2026-12-05T10:15:30Z");

  private Notifications() {}

  static Notification thresholdCrossed(String tenant) {
    return new Notification(ID, NotificationKind.THRESHOLD_CROSSED, TenantId.of(tenant), Meter.AI_TOKENS,
        new Period(PERIOD_START, PERIOD_END), 80, 8_123, 10_000, OCCURRED_AT, "");
  }

  static Notification of(NotificationKind kind, String tenant, int threshold, String cause) {
    return new Notification(ID, kind, TenantId.of(tenant), Meter.AI_TOKENS, new Period(PERIOD_START, PERIOD_END),
        threshold, 10_000, 10_000, OCCURRED_AT, cause);
  }
}

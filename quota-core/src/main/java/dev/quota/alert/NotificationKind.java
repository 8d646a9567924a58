package dev.quota.alert;

/** What a {@link Notification} tells. */
public enum NotificationKind {
  /** Usage crossed a threshold of the ceiling (80, 90 and 100 % by default). */
  THRESHOLD_CROSSED,
  /** A consume or reservation was refused because the tenant had reached its ceiling. */
  BLOCKED,
  /** An admin change (reset, grant, override, bypass) brought a blocked tenant back below its ceiling. */
  UNBLOCKED
}

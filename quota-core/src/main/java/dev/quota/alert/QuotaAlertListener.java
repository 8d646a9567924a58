package dev.quota.alert;

/**
 * Receives {@link ThresholdAlert}s, for e-mails to tenants, messages to account managers, or events.
 *
 * <p>Fed from the notification outbox, through a channel named {@code listener}: called on the
 * {@link NotificationDispatcher}'s thread, after the crossing and its notification are stored. An exception it
 * throws makes the delivery fail, and the alert is heard again after the dispatcher's backoff (by every listener of
 * the instance), so a listener hears each alert at least once. Must be thread-safe.
 */
@FunctionalInterface
public interface QuotaAlertListener {

  /**
   * Called for each crossing, at least once.
   *
   * @param alert what was crossed
   */
  void onThresholdCrossed(ThresholdAlert alert);
}

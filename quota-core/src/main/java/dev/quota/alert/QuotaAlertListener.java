package dev.quota.alert;

/**
 * Receives {@link ThresholdAlert}s, for e-mails to tenants, messages to account managers, or events.
 *
 * <p>Called on the thread that recorded the usage, after the usage is stored. Keep it quick or hand the
 * alert to an executor. An exception it throws is logged and does not affect the caller. Must be
 * thread-safe.
 */
@FunctionalInterface
public interface QuotaAlertListener {

  /**
   * Called once per crossing.
   *
   * @param alert what was crossed
   */
  void onThresholdCrossed(ThresholdAlert alert);
}

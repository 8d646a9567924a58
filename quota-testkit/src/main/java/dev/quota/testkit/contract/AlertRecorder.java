package dev.quota.testkit.contract;

import dev.quota.Quota;
import dev.quota.alert.NotificationDispatcher;
import dev.quota.alert.QuotaAlertListener;
import dev.quota.alert.ThresholdAlert;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Keeps every alert it hears of the running test's tenants, in order; safe to call from many threads. Alerts reach
 * listeners through the outbox: before answering, it has the quota it listens to deliver what is pending.
 */
final class AlertRecorder implements QuotaAlertListener {
  /** More rounds than any test needs: a bound, in case the outbox keeps handing out deliveries. */
  private static final int MAX_ROUNDS = 1_000;

  private final String testId;
  private final List<ThresholdAlert> alerts = new CopyOnWriteArrayList<>();
  private final List<Quota> sources = new CopyOnWriteArrayList<>();

  /** @param testId the random part of the running test's tenant ids; other tenants' alerts are not kept */
  AlertRecorder(String testId) {
    this.testId = testId;
  }

  /** Notes a quota (built with {@code dispatchManually()}) whose pending alerts to deliver before answering. */
  Quota deliveringFrom(Quota quota) {
    sources.add(quota);
    return quota;
  }

  @Override
  public void onThresholdCrossed(ThresholdAlert alert) {
    if (alert.tenant().value().contains(testId)) {
      alerts.add(alert);
    }
  }

  List<ThresholdAlert> alerts() {
    deliverPending();
    return List.copyOf(alerts);
  }

  List<Integer> thresholds() {
    return alerts().stream().map(ThresholdAlert::thresholdPercent).toList();
  }

  private void deliverPending() {
    for (Quota quota : sources) {
      NotificationDispatcher dispatcher = quota.dispatcher().orElseThrow();
      for (int round = 0; round < MAX_ROUNDS && dispatcher.runOnce() > 0; round++) {
        // each round delivers one batch
      }
    }
  }

  void clear() {
    deliverPending();
    alerts.clear();
  }
}

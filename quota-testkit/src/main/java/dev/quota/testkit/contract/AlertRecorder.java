package dev.quota.testkit.contract;

import dev.quota.alert.QuotaAlertListener;
import dev.quota.alert.ThresholdAlert;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every alert it hears, in order; safe to call from many threads. */
final class AlertRecorder implements QuotaAlertListener {
  private final List<ThresholdAlert> alerts = new CopyOnWriteArrayList<>();

  @Override
  public void onThresholdCrossed(ThresholdAlert alert) {
    alerts.add(alert);
  }

  List<ThresholdAlert> alerts() {
    return List.copyOf(alerts);
  }

  List<Integer> thresholds() {
    return alerts.stream().map(ThresholdAlert::thresholdPercent).toList();
  }

  void clear() {
    alerts.clear();
  }
}

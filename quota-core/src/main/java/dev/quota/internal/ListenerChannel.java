package dev.quota.internal;

import dev.quota.alert.DeliveryException;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationChannel;
import dev.quota.alert.NotificationKind;
import dev.quota.alert.QuotaAlertListener;
import dev.quota.alert.ThresholdAlert;
import java.util.List;

/**
 * The in-process {@link QuotaAlertListener}s as a channel of the outbox, so that a listener that throws is retried
 * instead of losing the alert. Threshold crossings only: blocks and unblocks are not threshold alerts. A failure of
 * one listener makes the whole delivery fail, so the listeners that succeeded hear the alert again on the retry.
 */
public final class ListenerChannel implements NotificationChannel {
  /** The channel's name in the outbox. */
  public static final String NAME = "listener";

  private final List<QuotaAlertListener> listeners;

  /** @param listeners the listeners, in the order they are called */
  public ListenerChannel(List<QuotaAlertListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void deliver(Notification notification) throws DeliveryException {
    if (notification.kind() != NotificationKind.THRESHOLD_CROSSED) {
      return;
    }
    ThresholdAlert alert = new ThresholdAlert(notification.tenant(), notification.meter(), notification.period(),
        notification.thresholdPercent(), notification.used(), notification.ceiling(), notification.occurredAt());
    RuntimeException failure = null;
    for (QuotaAlertListener listener : listeners) {
      try {
        listener.onThresholdCrossed(alert);
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw new DeliveryException("alert listener failed: " + failure, true, failure);
    }
  }
}

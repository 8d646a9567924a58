package dev.quota.testkit.contract;

import dev.quota.alert.DeliveryException;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A channel that keeps what it is given, and fails on demand; safe to call from many threads. */
final class RecordingChannel implements NotificationChannel {
  /** What the next deliveries do. */
  enum Behaviour { ACCEPT, FAIL_RETRYABLE, FAIL_PERMANENTLY }

  private final String name;
  private final List<Notification> delivered = new CopyOnWriteArrayList<>();
  private volatile Behaviour behaviour = Behaviour.ACCEPT;

  RecordingChannel(String name) {
    this.name = name;
  }

  RecordingChannel behave(Behaviour next) {
    this.behaviour = next;
    return this;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void deliver(Notification notification) throws DeliveryException {
    switch (behaviour) {
      case ACCEPT -> delivered.add(notification);
      case FAIL_RETRYABLE -> throw new DeliveryException("receiver down (503)", true, null);
      case FAIL_PERMANENTLY -> throw new DeliveryException("receiver refused it (404)", false, null);
    }
  }

  List<Notification> delivered() {
    return List.copyOf(delivered);
  }
}

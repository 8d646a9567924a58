package dev.quota.internal;

import dev.quota.InvalidRequestException;
import dev.quota.admin.Actor;
import dev.quota.alert.Delivery;
import dev.quota.alert.DeliveryState;
import dev.quota.alert.NotificationOutbox;
import dev.quota.spi.NotificationStore;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The operators' view of the outbox, over the store. */
public final class DefaultOutbox implements NotificationOutbox {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultOutbox.class);
  private static final int MAX_REASON_LENGTH = 1_000;

  private final NotificationStore store;
  private final Clock clock;

  /**
   * @param store the store
   * @param clock the source of time for requeues
   */
  public DefaultOutbox(NotificationStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  @Override
  public List<Delivery> deliveries(DeliveryState state, int limit) {
    Checks.notNull("state", state);
    if (limit < 1 || limit > MAX_LISTING) {
      throw new InvalidRequestException("limit", "must be between 1 and " + MAX_LISTING + ", was " + limit);
    }
    return store.deliveries(state, limit);
  }

  @Override
  public long count(DeliveryState state) {
    return store.countDeliveries(Checks.notNull("state", state));
  }

  @Override
  public Delivery requeue(UUID notificationId, String channel, Actor actor, String reason) {
    Checks.notNull("notification id", notificationId);
    Checks.identifier("channel", channel, 32);
    Checks.notNull("actor", actor);
    Checks.text("reason", reason, MAX_REASON_LENGTH);
    Delivery found = store.delivery(notificationId, channel).orElseThrow(() -> new InvalidRequestException(
        "notification id", "no delivery of notification " + notificationId + " to channel '" + channel + "'"));
    if (found.state() != DeliveryState.FAILED) {
      throw new InvalidRequestException("notification id", "the delivery of notification " + notificationId
          + " to channel '" + channel + "' is " + found.state() + "; only a FAILED delivery can be requeued");
    }
    if (!store.requeue(notificationId, channel, clock.instant(), actor.id(), reason)) {
      throw new InvalidRequestException("notification id", "the delivery of notification " + notificationId
          + " to channel '" + channel + "' changed while it was requeued; look again");
    }
    LOG.info("{} requeued the failed delivery of notification {} to {}: {}", actor, notificationId, channel, reason);
    return store.delivery(notificationId, channel).orElseThrow();
  }
}

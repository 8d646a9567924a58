package dev.quota.alert;

import dev.quota.admin.Actor;
import java.util.List;
import java.util.UUID;

/**
 * The operators' view of the notification outbox: what is pending, what was delivered, what failed, and a way to try
 * a failed delivery again. From {@link dev.quota.Quota#outbox()}; quota's command line shows it as
 * {@code quota notifications}.
 */
public interface NotificationOutbox {
  /** The most deliveries one listing returns. */
  int MAX_LISTING = 1_000;

  /**
   * Lists deliveries in one state: pending ones by next attempt time, delivered and failed ones newest first.
   *
   * @param state which deliveries
   * @param limit the most to return, 1 to {@value #MAX_LISTING}
   * @return the deliveries
   * @throws dev.quota.InvalidRequestException if {@code limit} is out of range
   */
  List<Delivery> deliveries(DeliveryState state, int limit);

  /**
   * Counts the deliveries in one state, for a metrics gauge.
   *
   * @param state which deliveries
   * @return how many there are
   */
  long count(DeliveryState state);

  /**
   * Puts a {@link DeliveryState#FAILED} delivery back in the queue: pending at once, with its attempts kept and its
   * give-up time counting afresh; who did it and why are kept with it and logged.
   *
   * @param notificationId the notification's {@link Notification#id()}
   * @param channel the channel's name
   * @param actor who requeues it
   * @param reason why, up to 1,000 characters
   * @return the delivery as it now stands
   * @throws dev.quota.InvalidRequestException if no such delivery exists or it has not failed, naming the field
   */
  Delivery requeue(UUID notificationId, String channel, Actor actor, String reason);
}

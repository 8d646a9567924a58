package dev.quota.spi;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.alert.Delivery;
import dev.quota.alert.DeliveryState;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The alert marks and the notification outbox of a {@link QuotaStore}: what makes each alert fire once, and arrive at
 * least once.
 *
 * <p>A mark and its {@link Notification} are written in one transaction, with one {@link DeliveryState#PENDING}
 * delivery per channel: a crossing is never marked without its notification, and a notification never exists
 * without its mark. The dispatchers of all instances then {@linkplain #claimDeliveries claim} pending deliveries
 * with a lease, so that no two of them hold the same delivery at once, and record each attempt's outcome.
 *
 * <p>Marks are kept per tenant, meter and period: one per threshold for {@link NotificationKind#THRESHOLD_CROSSED},
 * and one for {@link NotificationKind#BLOCKED}. Time comes from the caller, never from the store's clock.
 */
public interface NotificationStore {

  /**
   * Marks the notification's alert as fired and writes the notification with one pending delivery (due at its
   * {@link Notification#occurredAt()}) per channel, atomically and once: of concurrent callers for the same mark,
   * exactly one sees {@code true}, and only its notification is written.
   *
   * <p>The mark is the notification's tenant, meter and period, with its threshold for
   * {@link NotificationKind#THRESHOLD_CROSSED} or the block mark for {@link NotificationKind#BLOCKED}.
   *
   * @param notification a {@code THRESHOLD_CROSSED} or {@code BLOCKED} notification
   * @param channels the names of the channels to deliver it to; may be empty (then only the mark and the
   *     notification are written)
   * @return {@code true} if this call marked it and wrote the notification, {@code false} if it was already marked
   *     (nothing written)
   * @throws IllegalArgumentException if the notification is of kind {@code UNBLOCKED}
   */
  boolean markAlertFired(Notification notification, Collection<String> channels);

  /**
   * Clears threshold marks so that those thresholds alert again when crossed; with {@code unblocked}, also clears the
   * block mark and, if there was one, writes {@code unblocked} with one pending delivery per channel, all atomically.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param period the period
   * @param thresholdPercents the thresholds to re-arm; may be empty
   * @param unblocked the {@link NotificationKind#UNBLOCKED} notification to write if the tenant was marked blocked in
   *     this period, or null to leave the block mark alone
   * @param channels the names of the channels to deliver {@code unblocked} to
   * @return {@code true} if {@code unblocked} was written
   */
  boolean rearmAlerts(TenantId tenant, Meter meter, Period period, Collection<Integer> thresholdPercents,
      @Nullable Notification unblocked, Collection<String> channels);

  /**
   * Claims up to {@code max} pending deliveries to the given channels that are due at {@code now} and not leased by
   * anyone (or whose lease has expired), oldest due first, and leases them to {@code claimer} until
   * {@code now + lease}. Atomic against every concurrent claim in any instance: a delivery is leased to one claimer
   * at a time.
   *
   * @param channels the channels the claimer delivers to
   * @param claimer the claiming instance's id, kept with the lease
   * @param now the time of the claim
   * @param lease how long the claim holds; positive
   * @param max the most to claim, positive
   * @return the claimed deliveries, as they stood before this attempt
   */
  List<Delivery> claimDeliveries(Collection<String> channels, String claimer, Instant now, Duration lease, int max);

  /**
   * Records that a claimed delivery arrived: {@link DeliveryState#DELIVERED}, one more attempt, the lease ended.
   * Writes nothing unless the delivery is pending and claimed by {@code claimer}: an expired lease still counts as long
   * as no one else has claimed the delivery since.
   *
   * @param notificationId the notification
   * @param channel the channel
   * @param claimer who claimed it
   * @param now when it arrived
   * @return whether it was recorded
   */
  boolean recordDelivered(UUID notificationId, String channel, String claimer, Instant now);

  /**
   * Records a failed attempt of a claimed delivery: one more attempt, the error, the lease ended; pending again at
   * {@code retryAt}, or {@link DeliveryState#FAILED} when {@code retryAt} is null. Writes nothing unless the
   * delivery is pending and claimed by {@code claimer} (an expired lease counts while no one else has claimed it).
   *
   * @param notificationId the notification
   * @param channel the channel
   * @param claimer who claimed it
   * @param now when the attempt failed
   * @param error why, cut to 2,000 characters
   * @param retryAt when to try again, or null to give up
   * @return whether it was recorded
   */
  boolean recordFailure(UUID notificationId, String channel, String claimer, Instant now, String error,
      @Nullable Instant retryAt);

  /**
   * Lists deliveries in one state, of all tenants: pending ones by next attempt time (then notification time),
   * delivered and failed ones newest attempt first.
   *
   * @param state which deliveries
   * @param max the most to return, positive
   * @return the deliveries
   */
  List<Delivery> deliveries(DeliveryState state, int max);

  /**
   * Reads one delivery.
   *
   * @param notificationId the notification
   * @param channel the channel
   * @return it, if it exists
   */
  Optional<Delivery> delivery(UUID notificationId, String channel);

  /**
   * Counts deliveries in one state, of all tenants.
   *
   * @param state which deliveries
   * @return how many
   */
  long countDeliveries(DeliveryState state);

  /**
   * Makes a {@link DeliveryState#FAILED} delivery pending again, due at {@code now} and queued anew at {@code now},
   * keeping its attempts and last error, and noting who requeued it and why. Writes nothing unless it has failed.
   *
   * @param notificationId the notification
   * @param channel the channel
   * @param now the time of the requeue
   * @param requeuedBy who requeued it
   * @param reason why
   * @return whether it was requeued
   */
  boolean requeue(UUID notificationId, String channel, Instant now, String requeuedBy, String reason);

  /**
   * Deletes what the outbox keeps no longer: each notification that occurred before {@code before} and whose
   * deliveries all arrived ({@link DeliveryState#DELIVERED}) before it, with those deliveries, oldest first and at
   * most {@code max} notifications per call. A notification with a pending or failed delivery is never deleted, nor
   * are the marks (they make each alert fire once per period, whatever became of its notification).
   *
   * @param before the cut-off
   * @param max the most notifications to delete, positive
   * @return how many deliveries were deleted
   */
  int purgeDelivered(Instant before, int max);
}

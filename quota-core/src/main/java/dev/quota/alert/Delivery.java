package dev.quota.alert;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The delivery of one {@link Notification} to one channel, as the outbox keeps it: one per notification and
 * channel, written with the notification.
 *
 * @param notification what is delivered
 * @param channel the {@link NotificationChannel#name()} it goes to
 * @param state where it stands
 * @param attempts how many times delivery was tried, 0 before the first attempt
 * @param queuedAt when it was queued: with the notification, or when an operator last requeued it; the give-up time
 *     counts from here
 * @param nextAttemptAt when it is tried next; null unless {@link DeliveryState#PENDING}
 * @param lastAttemptAt when it was last tried; null before the first attempt
 * @param lastError why the last attempt failed; empty when none failed or the last one succeeded
 */
public record Delivery(Notification notification, String channel, DeliveryState state, int attempts, Instant queuedAt,
    @Nullable Instant nextAttemptAt, @Nullable Instant lastAttemptAt, String lastError) {

  /**
   * Checks the fields.
   *
   * @throws NullPointerException if a non-nullable field is null
   * @throws IllegalArgumentException if {@code attempts} is negative, or {@code nextAttemptAt} is null for a pending
   *     delivery
   */
  public Delivery {
    Objects.requireNonNull(notification, "notification");
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(queuedAt, "queuedAt");
    Objects.requireNonNull(lastError, "lastError");
    if (attempts < 0) {
      throw new IllegalArgumentException("attempts must be >= 0, was " + attempts);
    }
    if (state == DeliveryState.PENDING && nextAttemptAt == null) {
      throw new IllegalArgumentException("a pending delivery needs its next attempt time");
    }
  }
}

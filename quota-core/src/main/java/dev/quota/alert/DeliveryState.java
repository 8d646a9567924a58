package dev.quota.alert;

/** Where the delivery of one {@link Notification} to one channel stands. */
public enum DeliveryState {
  /** Not delivered yet: waiting for its first attempt, or for a retry at its next attempt time. */
  PENDING,
  /** The channel accepted it. */
  DELIVERED,
  /**
   * Given up: the channel refused it for good, or kept failing for longer than the dispatcher's give-up time. Stays
   * so, visible to operators, until one requeues it.
   */
  FAILED
}

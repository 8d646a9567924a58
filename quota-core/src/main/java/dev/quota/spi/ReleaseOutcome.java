package dev.quota.spi;

/** What releasing a reservation did in the store. */
public enum ReleaseOutcome {
  /** An open, unexpired hold ended. */
  RELEASED,
  /** Nothing to do: the reservation had expired or was released before. */
  ALREADY_ENDED,
  /** Nothing done: the reservation was committed. */
  COMMITTED,
  /** Nothing done: the store does not know the reservation. */
  NOT_FOUND
}

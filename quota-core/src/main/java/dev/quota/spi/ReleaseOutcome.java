package dev.quota.spi;

/** What releasing a reservation did in the store. */
public enum ReleaseOutcome {
  /** An open, unexpired hold ended. */
  RELEASED,
  /**
   * Nothing to do: the reservation was released before, or has expired (an expired reservation is left as
   * it is, so that its usage can still be committed late).
   */
  ALREADY_ENDED,
  /** Nothing done: the reservation was committed. */
  COMMITTED,
  /** Nothing done: the store does not know the reservation. */
  NOT_FOUND
}

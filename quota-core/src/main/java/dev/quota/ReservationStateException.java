package dev.quota;

/**
 * A reservation was used after it ended: committed after a release, released after a commit, or committed
 * twice under different usage keys. Nothing is written.
 */
public final class ReservationStateException extends QuotaException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened to the reservation
   */
  public ReservationStateException(String message) {
    super(message);
  }
}

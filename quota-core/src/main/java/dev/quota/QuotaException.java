package dev.quota;

/**
 * The root of every exception quota throws on purpose.
 *
 * <p>The hierarchy is small and unchecked, like jOOQ's: {@link InvalidRequestException} for bad input
 * (nothing was written), {@link UsageConflictException} for a usage key reused with another amount,
 * {@link ReservationStateException} for a reservation used after it ended,
 * {@link QuotaContentionException} for a write that admin changes to its tenant kept overtaking (nothing was
 * written; the call may be retried),
 * {@link dev.quota.admin.AccessDeniedException} for an admin call the authorizer refused,
 * {@link QuotaExceededException} for callers who prefer throwing to reading a {@link Decision}, and
 * {@link dev.quota.spi.StoreUnavailableException} when the backing store cannot be reached.
 */
public abstract class QuotaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what went wrong, for a human
   */
  protected QuotaException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and a cause.
   *
   * @param message what went wrong, for a human
   * @param cause the underlying failure
   */
  protected QuotaException(String message, Throwable cause) {
    super(message, cause);
  }
}

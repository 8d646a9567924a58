package dev.quota.alert;

import org.jspecify.annotations.Nullable;

/** A notification was not delivered. The dispatcher retries it unless the failure is permanent. */
public class DeliveryException extends Exception {
  private static final long serialVersionUID = 1L;

  private final boolean retryable;

  /**
   * A failure.
   *
   * @param message what failed, for the outbox's last-error column and the logs
   * @param retryable whether trying again later may succeed (a server down, a timeout, an HTTP 5xx); false for a
   *     failure that repeats (an invalid address, an HTTP 4xx other than 408 and 429)
   * @param cause the underlying failure, or null
   */
  public DeliveryException(String message, boolean retryable, @Nullable Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  /**
   * Whether trying again later may succeed.
   *
   * @return false when the dispatcher should give up at once
   */
  public boolean retryable() {
    return retryable;
  }
}

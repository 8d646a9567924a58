package dev.quota.spi;

import dev.quota.QuotaException;

/**
 * The store could not serve a call: it could not be reached or failed mid-call (connection refused or killed,
 * pool exhausted, statement timeout), or it cannot run the call as it stands (its tables dropped or never
 * created, a privilege revoked). Stores throw it for every failure of their infrastructure, after rolling back
 * whatever the call started, so nothing is half-written, and keep {@link dev.quota.InvalidRequestException} for
 * the caller's bad input; the message says what failed. The guard applies its {@link dev.quota.FailurePolicy} and
 * logs the outage once, when it starts.
 *
 * <p><b>Indeterminate commits.</b> Nothing is half-written, but a write may be whole and unacknowledged: when the
 * connection dies after the database committed and before its answer arrived, the store cannot tell, and throws
 * this exception all the same. Every usage write is idempotent by its key ({@code record}, {@code tryConsume},
 * {@code commit}): retrying with the same key is safe, and reports a duplicate if the first attempt was written. A
 * {@code reserve} has no key of the caller's; the guard releases the hold it generated, by its id, after the next
 * write the store answers, so a failed reserve leaves no hold behind.
 */
public class StoreUnavailableException extends QuotaException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed
   * @param cause the underlying failure
   */
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}

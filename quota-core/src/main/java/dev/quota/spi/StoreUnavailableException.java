package dev.quota.spi;

import dev.quota.QuotaException;

/**
 * The store could not be reached or failed mid-call (connection refused or killed, pool exhausted,
 * statement timeout). Stores throw it for infrastructure failures only, after rolling back whatever the
 * call started, so nothing is half-written. The guard applies its {@link dev.quota.FailurePolicy}.
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

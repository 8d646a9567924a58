package dev.quota.spi;

import dev.quota.QuotaException;

/**
 * The store could not serve a call: it could not be reached or failed mid-call (connection refused or killed,
 * pool exhausted, statement timeout), or it cannot run the call as it stands (its tables dropped or never
 * created, a privilege revoked). Stores throw it for every failure of their infrastructure, after rolling back
 * whatever the call started, so nothing is half-written, and keep {@link dev.quota.InvalidRequestException} for
 * the caller's bad input; the message says what failed. The guard applies its {@link dev.quota.FailurePolicy} and
 * logs the outage once, when it starts.
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

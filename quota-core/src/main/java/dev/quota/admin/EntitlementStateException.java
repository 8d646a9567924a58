package dev.quota.admin;

import dev.quota.QuotaException;

/** A revoke named an entitlement that does not exist or already ended; nothing was changed. */
public final class EntitlementStateException extends QuotaException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is wrong with the entitlement
   */
  public EntitlementStateException(String message) {
    super(message);
  }
}

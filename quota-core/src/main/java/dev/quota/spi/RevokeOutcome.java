package dev.quota.spi;

import dev.quota.admin.Entitlement;

/** What revoking an entitlement did in the store. */
public sealed interface RevokeOutcome {
  /**
   * Revoked now, with its audit entry.
   *
   * @param entitlement the entitlement, revoked
   */
  record Revoked(Entitlement entitlement) implements RevokeOutcome {}

  /**
   * Nothing written: it had already expired or been revoked.
   *
   * @param entitlement the entitlement as stored
   */
  record AlreadyEnded(Entitlement entitlement) implements RevokeOutcome {}

  /** Nothing written: no such entitlement for that tenant. */
  record NotFound() implements RevokeOutcome {}
}

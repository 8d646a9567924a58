package dev.quota.admin;

import dev.quota.internal.Checks;
import java.time.Instant;

/**
 * How an entitlement was ended early.
 *
 * @param at when it stopped counting
 * @param by who revoked it
 * @param reason why
 */
public record Revocation(Instant at, Actor by, String reason) {
  /** Validates the revocation. */
  public Revocation {
    Checks.notNull("at", at);
    Checks.notNull("by", by);
    Checks.text("reason", reason, QuotaAdmin.MAX_REASON_LENGTH);
  }
}

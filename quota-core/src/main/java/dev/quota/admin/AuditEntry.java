package dev.quota.admin;

import dev.quota.TenantId;
import dev.quota.internal.Checks;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * One admin change, as the audit log keeps it: written in the same transaction as the change, never
 * updated or deleted through the library.
 *
 * @param id the entry's identity
 * @param at when the change was made
 * @param tenant the tenant it changed
 * @param actor who made it
 * @param operation what it was
 * @param reason why, in the actor's words
 * @param details what exactly changed, as text pairs (e.g. {@code amount}, {@code meter}, {@code until},
 *     {@code entitlement})
 */
public record AuditEntry(UUID id, Instant at, TenantId tenant, Actor actor, AdminOperation operation, String reason,
    Map<String, String> details) {
  /** Validates the entry and freezes its details, keeping their order. */
  public AuditEntry {
    Checks.notNull("id", id);
    Checks.notNull("at", at);
    Checks.notNull("tenant", tenant);
    Checks.notNull("actor", actor);
    Checks.notNull("operation", operation);
    Checks.text("reason", reason, QuotaAdmin.MAX_REASON_LENGTH);
    Checks.notNull("details", details);
    details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }
}

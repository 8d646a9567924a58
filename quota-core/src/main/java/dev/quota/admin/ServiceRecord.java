package dev.quota.admin;

import dev.quota.internal.Checks;
import java.time.Instant;

/**
 * One recorded version of a service's configuration, as {@link QuotaAdmin#recordServiceConfiguration} writes it at
 * start-up and operator tools read it. Versions are numbered from 1; a new one is written only when the
 * configuration changes, and none is ever updated or deleted, so the versions are also the audit trail of the
 * service's tiers and limits.
 *
 * @param version the version, from 1
 * @param writtenAt when it was written
 * @param actor who wrote it: the service itself, {@code service:NAME}
 * @param reason why: the first record, or what changed since the version before
 * @param configuration what was recorded
 */
public record ServiceRecord(long version, Instant writtenAt, Actor actor, String reason,
    ServiceConfiguration configuration) {
  /** Validates the record. */
  public ServiceRecord {
    Checks.positive("version", version);
    Checks.notNull("written at", writtenAt);
    Checks.notNull("actor", actor);
    Checks.text("reason", reason, QuotaAdmin.MAX_REASON_LENGTH);
    Checks.notNull("configuration", configuration);
  }
}

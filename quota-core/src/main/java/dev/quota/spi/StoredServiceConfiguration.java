package dev.quota.spi;

import dev.quota.admin.Actor;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.ServiceConfiguration;
import dev.quota.internal.Checks;
import java.time.Instant;

/**
 * One version of a service's recorded configuration, as a store keeps it: the configuration as its
 * {@linkplain ServiceConfiguration#toText() text}, which the store compares and keeps verbatim, never reads.
 *
 * @param version the version, from 1, each one more than the one before
 * @param writtenAt when it was written
 * @param service the service's name
 * @param serviceVersion the service's version
 * @param actor who wrote it
 * @param reason why
 * @param content the configuration's text
 */
public record StoredServiceConfiguration(long version, Instant writtenAt, String service, String serviceVersion,
    Actor actor, String reason, String content) {
  /** Validates the record. */
  public StoredServiceConfiguration {
    Checks.positive("version", version);
    Checks.notNull("written at", writtenAt);
    Checks.identifier("service", service, ServiceConfiguration.MAX_NAME_LENGTH);
    Checks.identifier("service version", serviceVersion, ServiceConfiguration.MAX_NAME_LENGTH);
    Checks.notNull("actor", actor);
    Checks.text("reason", reason, QuotaAdmin.MAX_REASON_LENGTH);
    Checks.notNull("content", content);
  }
}

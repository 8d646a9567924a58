package dev.quota.admin.web.internal;

import dev.quota.QuotaGuard;
import dev.quota.TierCatalogue;
import dev.quota.admin.QuotaAdmin;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;

/**
 * What {@link dev.quota.admin.web.QuotaConsole.Builder} checked, handed to the internals in one value.
 *
 * @param admin the admin
 * @param guard the source of usage reports
 * @param catalogue meters and tiers
 * @param basePath the base path
 * @param zone the operator's zone
 * @param viewerRole the role that reads
 * @param operatorRole the role that changes
 * @param changesPerActor changes per actor per window
 * @param changesOverall changes overall per window
 * @param rateWindow the rate window
 * @param idempotencyCapacity keys remembered
 * @param idempotencyRetention how long a key is remembered
 * @param clock the clock
 */
public record Settings(QuotaAdmin admin, QuotaGuard guard, TierCatalogue catalogue, String basePath, ZoneId zone,
    String viewerRole, String operatorRole, int changesPerActor, int changesOverall, Duration rateWindow,
    int idempotencyCapacity, Duration idempotencyRetention, Clock clock) {}

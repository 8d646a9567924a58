package dev.quota.internal;

import dev.quota.EnforcementMode;
import dev.quota.FailurePolicy;
import dev.quota.QuotaObserver;
import dev.quota.TierCatalogue;
import dev.quota.admin.AdminAuthorizer;
import dev.quota.admin.TenantKey;
import dev.quota.spi.QuotaStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The validated configuration of one quota instance, shared by its guard and admin.
 *
 * @param store the store
 * @param catalogue the tiers and meters
 * @param clock the only source of time
 * @param mode enforce or shadow
 * @param failurePolicy what to decide when the store is unreachable
 * @param alertThresholds ascending percentages
 * @param channelNames the names of the channels each notification is queued for
 * @param authorizer who may change balances
 * @param maxReservationTtl the longest reservation
 * @param maxEntitlementDuration the longest grant, override or bypass
 * @param observer who hears about decisions and writes
 * @param tenantKey how tenants are found by a human key, recorded with the service's configuration; null if not said
 */
public record Settings(QuotaStore store, TierCatalogue catalogue, Clock clock, EnforcementMode mode,
    FailurePolicy failurePolicy, List<Integer> alertThresholds, List<String> channelNames,
    AdminAuthorizer authorizer, Duration maxReservationTtl, Duration maxEntitlementDuration, QuotaObserver observer,
    @Nullable TenantKey tenantKey) {}

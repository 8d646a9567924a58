package dev.quota.admin;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.UsageReport;
import dev.quota.internal.Checks;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which tenants {@link QuotaAdmin#listUsage(UsageQuery, PageRequest)} lists, and in which order. The store filters,
 * sorts and pages in one query (in the database for PostgreSQL), so a listing over 100,000 tenants never loads them
 * all.
 *
 * <p>Start from {@link #all()} and narrow it:
 * {@snippet :
 * UsageQuery blockedAcmeTeams = UsageQuery.all()
 *     .tenantPrefix("acme-")
 *     .statuses(TenantStatus.BLOCKED, TenantStatus.NEAR_LIMIT);
 * Page<UsageReport> page = admin.listUsage(blockedAcmeTeams, PageRequest.first(50));
 * }
 *
 * @param meter the meter listed; {@code null} for the catalogue's default meter
 * @param tenantPrefix only tenants whose id starts with it (case-sensitive); {@code null} for every tenant
 * @param statuses only tenants in at least one of these; empty for every tenant
 * @param nearLimitPercent from which share of the ceiling, in percent, a tenant counts as
 *     {@link TenantStatus#NEAR_LIMIT}; 1 to 100, default {@value #DEFAULT_NEAR_LIMIT_PERCENT}
 * @param order the order of the listing; default {@link UsageOrder#MOST_UTILIZED}
 */
public record UsageQuery(@Nullable Meter meter, @Nullable String tenantPrefix, Set<TenantStatus> statuses, int nearLimitPercent,
    UsageOrder order) {
  /** The default of {@link #nearLimitPercent}: the first alert threshold of the default configuration. */
  public static final int DEFAULT_NEAR_LIMIT_PERCENT = 80;

  private static final UsageQuery ALL =
      new UsageQuery(null, null, Set.of(), DEFAULT_NEAR_LIMIT_PERCENT, UsageOrder.MOST_UTILIZED);

  /** Validates the query and freezes the statuses. */
  public UsageQuery {
    if (tenantPrefix != null) {
      Checks.text("tenant prefix", tenantPrefix, TenantId.MAX_LENGTH);
    }
    Checks.notNull("statuses", statuses);
    for (TenantStatus status : statuses) {
      Checks.notNull("statuses", status);
    }
    statuses = statuses.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(statuses));
    if (nearLimitPercent < 1 || nearLimitPercent > 100) {
      throw new dev.quota.InvalidRequestException("near limit percent", "must be between 1 and 100, was "
          + nearLimitPercent);
    }
    Checks.notNull("order", order);
  }

  /** @return every tenant with usage or holds in the current period, most utilized first, on the default meter */
  public static UsageQuery all() {
    return ALL;
  }

  /**
   * @param meter the meter to list
   * @return this query on another meter
   */
  public UsageQuery meter(Meter meter) {
    Checks.notNull("meter", meter);
    return new UsageQuery(meter, tenantPrefix, statuses, nearLimitPercent, order);
  }

  /**
   * @param prefix what tenant ids must start with (case-sensitive)
   * @return this query, narrowed to those tenants
   */
  public UsageQuery tenantPrefix(String prefix) {
    Checks.notNull("tenant prefix", prefix);
    return new UsageQuery(meter, prefix, statuses, nearLimitPercent, order);
  }

  /**
   * @param first a status
   * @param more further statuses
   * @return this query, narrowed to tenants in at least one of them
   */
  public UsageQuery statuses(TenantStatus first, TenantStatus... more) {
    Checks.notNull("statuses", first);
    Checks.notNull("statuses", more);
    return new UsageQuery(meter, tenantPrefix, EnumSet.of(first, more), nearLimitPercent, order);
  }

  /**
   * @param statuses the statuses, possibly none (every tenant)
   * @return this query with those statuses
   */
  public UsageQuery statuses(Set<TenantStatus> statuses) {
    return new UsageQuery(meter, tenantPrefix, statuses, nearLimitPercent, order);
  }

  /**
   * @param percent from which share of the ceiling a tenant counts as near its limit; 1 to 100
   * @return this query with that threshold
   */
  public UsageQuery nearLimitPercent(int percent) {
    return new UsageQuery(meter, tenantPrefix, statuses, percent, order);
  }

  /**
   * @param order the order
   * @return this query in that order
   */
  public UsageQuery orderBy(UsageOrder order) {
    return new UsageQuery(meter, tenantPrefix, statuses, nearLimitPercent, order);
  }

  /** @return the meter, if the query names one */
  public Optional<Meter> meterIfSet() {
    return Optional.ofNullable(meter);
  }

  /** @return the tenant prefix, if the query has one */
  public Optional<String> tenantPrefixIfSet() {
    return Optional.ofNullable(tenantPrefix);
  }

  /**
   * Tells whether a tenant's standing passes the query's filters: its id starts with the prefix, it has usage or
   * holds in the period, and it is in one of the statuses (if any are given). The definition every store's
   * listing agrees with.
   *
   * @param report the tenant's standing on the listed meter
   * @return whether the listing includes it
   */
  public boolean matches(UsageReport report) {
    if (report.used() == 0 && report.reserved() == 0) {
      return false;
    }
    if (tenantPrefix != null && !report.tenant().value().startsWith(tenantPrefix)) {
      return false;
    }
    if (statuses.isEmpty()) {
      return true;
    }
    for (TenantStatus status : statuses) {
      if (status.holdsFor(report, nearLimitPercent)) {
        return true;
      }
    }
    return false;
  }
}

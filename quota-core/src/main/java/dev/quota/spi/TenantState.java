package dev.quota.spi;

import dev.quota.Plan;
import dev.quota.TenantId;
import dev.quota.admin.Entitlement;
import java.util.List;
import java.util.Optional;

/**
 * Everything the policy needs about one tenant and meter, read at once (ideally in one round trip).
 *
 * @param plan the tenant's plan, if it has one
 * @param entitlements the tenant's grants, overrides and bypasses; at least every one active at the time of the
 *     read or starting later (ended ones may be left out)
 * @param version the tenant's entitlement version: changes whenever the plan or an entitlement changes; writes
 *     that depended on this state pass it back, and the store refuses them if it moved on
 * @param counters the meter's counters whose period contains the time of the read: the period's (usually one or none;
 *     two right after a billing-day change) and, for a meter with short windows, each window's current one
 * @param parent the tenant's parent, if it has one: its limits apply to this tenant's usage too
 */
public record TenantState(Optional<Plan> plan, List<Entitlement> entitlements, long version, List<Counter> counters,
    Optional<TenantId> parent) {
  /** Freezes the lists. */
  public TenantState {
    entitlements = List.copyOf(entitlements);
    counters = List.copyOf(counters);
    parent = parent == null ? Optional.empty() : parent;
  }

  /**
   * The state of a tenant without a parent.
   *
   * @param plan the tenant's plan, if it has one
   * @param entitlements the tenant's grants, overrides and bypasses
   * @param version the tenant's entitlement version
   * @param counters the meter's counters containing the time of the read
   */
  public TenantState(Optional<Plan> plan, List<Entitlement> entitlements, long version, List<Counter> counters) {
    this(plan, entitlements, version, counters, Optional.empty());
  }
}

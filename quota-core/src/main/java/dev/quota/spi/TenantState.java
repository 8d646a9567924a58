package dev.quota.spi;

import dev.quota.Plan;
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
 * @param counters the meter's counters whose period contains the time of the read (usually one or none; two
 *     right after a billing-day change)
 */
public record TenantState(Optional<Plan> plan, List<Entitlement> entitlements, long version, List<Counter> counters) {
  /** Freezes the lists. */
  public TenantState {
    entitlements = List.copyOf(entitlements);
    counters = List.copyOf(counters);
  }
}

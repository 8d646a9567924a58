package dev.quota;

/**
 * What happens to a tenant whose tier cannot be taken from its plan: because it has no plan, or because
 * the plan names a tier the {@link TierCatalogue} does not know (a host-side typo, a retired tier).
 *
 * <p>The same rule applies everywhere: the guard's decisions and the usage report never disagree about such
 * a tenant.
 */
public enum PlanFallback {
  /** Treat the tenant as being on the catalogue's default tier. */
  USE_DEFAULT_TIER,
  /**
   * Give the tenant a limit of 0 on every meter: decisions say {@link Decision.Reason#NO_PLAN} or
   * {@link Decision.Reason#UNKNOWN_TIER}. Usage is still recorded. An operator can still let such a tenant
   * through on purpose, with a grant, a tier override or a bypass, each audited.
   */
  REJECT
}

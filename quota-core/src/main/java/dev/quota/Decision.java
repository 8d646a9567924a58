package dev.quota;

import dev.quota.internal.Checks;
import java.util.Optional;

/**
 * The guard's answer to "may this tenant use this much now?".
 *
 * <p>On the hot path a denial is a value, not an exception: read {@link #allowed()}, or call
 * {@link #orThrow()} to get a {@link QuotaExceededException} instead.
 *
 * @param tenant the tenant asked about
 * @param meter the meter asked about
 * @param allowed whether the caller may go ahead
 * @param reason why
 * @param requested the units asked for, in the meter's unit
 * @param shadowed {@code true} when the guard is in {@link EnforcementMode#SHADOW} and let through what it
 *     would have denied; {@link #reason()} then says why it would have
 * @param report the standing the decision was made on; empty only when the store was unavailable and the
 *     failure policy decided without one
 */
public record Decision(TenantId tenant, Meter meter, boolean allowed, Reason reason, long requested, boolean shadowed,
    Optional<UsageReport> report) {

  /** Why a decision went the way it did. */
  public enum Reason {
    /** Allowed: the balance covers the request. */
    WITHIN_BALANCE,
    /** Allowed: an active bypass. */
    BYPASSED,
    /** Denied: the balance does not cover the request. */
    INSUFFICIENT_BALANCE,
    /** Denied: the tenant has no plan, and such tenants are rejected. */
    NO_PLAN,
    /** Denied: the plan's tier is not in the catalogue, and such tenants are rejected. */
    UNKNOWN_TIER,
    /** The store could not be reached; the failure policy decided. */
    STORE_UNAVAILABLE
  }

  /** Validates the decision. */
  public Decision {
    Checks.notNull("tenant", tenant);
    Checks.notNull("meter", meter);
    Checks.notNull("reason", reason);
    Checks.notNull("report", report);
  }

  /** @return the balance left after the decision, 0 if unknown; in the meter's unit */
  public long remaining() {
    return report.map(UsageReport::remaining).orElse(0L);
  }

  /** @return the decision's standing */
  public UsageReport snapshot() {
    return report.orElseThrow(() -> new IllegalStateException("decision made by the failure policy without a report"));
  }

  /**
   * Returns this decision if allowed, else throws.
   *
   * @return this decision
   * @throws QuotaExceededException if not allowed
   */
  public Decision orThrow() {
    if (!allowed) {
      throw new QuotaExceededException(this);
    }
    return this;
  }
}

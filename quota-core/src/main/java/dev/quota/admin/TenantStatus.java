package dev.quota.admin;

import dev.quota.UsageReport;

/**
 * The standing of a tenant on one meter as an operator filters for it in {@link UsageQuery}. A tenant may be in
 * several at once (bypassed and overridden), or in none (simply open).
 */
public enum TenantStatus {
  /** {@link UsageReport#blocked()}: nothing remaining and no bypass. */
  BLOCKED,
  /** Not blocked, but {@link UsageReport#percentUsed()} at or above the query's {@link UsageQuery#nearLimitPercent()}. */
  NEAR_LIMIT,
  /** {@link UsageReport#bypassed()}: a bypass is active. */
  BYPASSED,
  /** The effective tier comes from an active tier override ({@link UsageReport.TierSource#OVERRIDE}). */
  OVERRIDDEN;

  /**
   * Tells whether a report is in this status.
   *
   * @param report the tenant's standing
   * @param nearLimitPercent the share of the ceiling, in percent, from which a tenant is near its limit
   * @return whether it is
   */
  public boolean holdsFor(UsageReport report, int nearLimitPercent) {
    return switch (this) {
      case BLOCKED -> report.blocked();
      case NEAR_LIMIT -> !report.blocked() && report.percentUsed() >= nearLimitPercent;
      case BYPASSED -> report.bypassed();
      case OVERRIDDEN -> report.tierSource() == UsageReport.TierSource.OVERRIDE;
    };
  }
}

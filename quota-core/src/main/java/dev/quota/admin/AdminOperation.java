package dev.quota.admin;

/** The changes {@link QuotaAdmin} makes; each is authorized and audited under its own name. */
public enum AdminOperation {
  /** {@link QuotaAdmin#resetUsage}: a grant that cancels the period's usage. */
  RESET_USAGE,
  /** {@link QuotaAdmin#raisePeriodCeiling}: extra balance until an expiry. */
  GRANT_CREDIT,
  /** {@link QuotaAdmin#overrideTier}: another tier until an expiry. */
  OVERRIDE_TIER,
  /** {@link QuotaAdmin#bypass}: no blocking until an expiry; usage still recorded. */
  BYPASS,
  /** {@link QuotaAdmin#revoke}: ends a grant, override or bypass early. */
  REVOKE,
  /** {@link QuotaAdmin#setPlan}: the tenant's subscribed tier and billing day. */
  SET_PLAN,
  /** {@link QuotaAdmin#purgeUsage}: the one destructive operation. */
  PURGE_USAGE,
  /** {@link QuotaAdmin#overrideLimit}: one tenant's own limit on one meter, open-ended or until an expiry. */
  OVERRIDE_LIMIT,
  /** {@link QuotaAdmin#grantOneTimeCredit}: a balance spent once, valid from/until. */
  GRANT_ONE_TIME_CREDIT,
  /** {@link QuotaAdmin#setParent} and {@link QuotaAdmin#clearParent}: the tenant's place in a tree of tenants. */
  SET_PARENT,
  /**
   * A tier's rollover of unused allowance into the next period ({@link dev.quota.TierCatalogue.Builder#rollover}):
   * made by quota itself as {@link Grant#ROLLOVER_ACTOR}, once per tenant, meter and period, not by an admin call, so
   * no {@link AdminAuthorizer} is asked.
   */
  ROLLOVER
}

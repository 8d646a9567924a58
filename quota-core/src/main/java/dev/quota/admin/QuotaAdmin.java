package dev.quota.admin;

import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageReport;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The operator's port: every way to unblock or re-plan a tenant, none of which destroys or rewrites usage
 * history.
 *
 * <p>Every change names an {@link Actor} and a non-blank reason (at most {@value #MAX_REASON_LENGTH}
 * characters), is checked by the configured {@link AdminAuthorizer} (a refusal throws
 * {@link AccessDeniedException}), and writes an {@link AuditEntry} in the same transaction as the change:
 * both happen or neither. Bad input throws {@link dev.quota.InvalidRequestException}, naming the parameter,
 * before anything is written.
 *
 * <p><b>Unknown tenants.</b> A change to a tenant the store does not know (no plan, no usage, no entitlements, no
 * audit history) is refused as bad input naming {@code "tenant"}, with the known ids it may be a misspelling of
 * ("did you mean 'acme'?"), and nothing is written: a grant or reset of {@code acmee} never passes for one of
 * {@code acme}. A service that acts on tenants before they have a plan or usage says so once, on an admin of its own:
 * {@snippet :
 * QuotaAdmin onboarding = quota.admin().acceptingNewTenants();
 * onboarding.raisePeriodCeiling(newTenant, Meter.AI_TOKENS, 50_000, trialEnd, actor, "trial credit");
 * }
 * {@link #setPlan} needs no such opt-in: setting a plan is how a tenant comes into being (a billing system
 * subscribing a new customer), so it accepts unknown tenants. {@link #revoke} names an entitlement, whose tenant is
 * known by definition. Reads work on any tenant; {@link #lookUp(TenantId)} tells whether it is known.
 *
 * <p>The runbook for a blocked tenant, in calls:
 * {@snippet :
 * UsageReport report = guard.usage(tenant);                       // find the tenant, check usage
 * admin.resetUsage(tenant, actor, "JIRA-123: demo tomorrow");     // unblock: history kept
 * // or: admin.raisePeriodCeiling(tenant, Meter.AI_TOKENS, 50_000, periodEnd, actor, reason)
 * // or: admin.overrideTier(tenant, Tier.ENTERPRISE, inAWeek, actor, reason)  // reverts by itself
 * guard.canProceed(tenant);                                       // verify
 * }
 *
 * <p>Implementations are thread-safe.
 */
public interface QuotaAdmin {

  /**
   * The most levels a path from a tenant to its root may have: 5, e.g. organisation > workspace > team > member >
   * API key. A parent that would make any path longer is refused.
   */
  int MAX_TREE_DEPTH = 5;
  /** The longest accepted reason, in characters. */
  int MAX_REASON_LENGTH = 1000;

  /** The longest validity of a one-time credit: five years (a yearly top-up pack, a multi-year contract). */
  java.time.Duration MAX_CREDIT_VALIDITY = java.time.Duration.ofDays(5 * 366);

  /** The most similar tenant ids a look-up or a refusal for an unknown tenant suggests. */
  int MAX_SUGGESTIONS = 3;

  /**
   * Returns an admin like this one whose changes also act on tenants the store does not know yet, for a service
   * that onboards tenants through grants, overrides or bypasses before they have a plan or usage. Everything else
   * (validation, authorization, audit) is the same. Cheap; the result may be kept and shared.
   *
   * @return an admin that accepts changes to new tenants
   */
  QuotaAdmin acceptingNewTenants();

  /**
   * Tells whether the store knows a tenant (it has a plan, usage, entitlements or audit history) and, if not, which
   * known tenant ids it may be a misspelling of: for tools that say so before an operator acts on a typo. Reads
   * only; no authorization needed.
   *
   * @param tenant the tenant id as given
   * @return whether it is known, and similar known ids when it is not (at most {@value #MAX_SUGGESTIONS})
   */
  TenantLookup lookUp(TenantId tenant);

  /**
   * Unblocks a tenant now on every meter without deleting anything: for each meter with usage in its current
   * period, grants that usage back until the period ends, less what one-time credits paid for (that part is in the
   * period's ceiling already), so the tenant has its limit to spend again. The usage report still shows the real
   * usage; the grant shows beside it.
   *
   * @param tenant the tenant
   * @param actor who resets
   * @param reason why
   * @return the grants made and the audit entry
   * @throws dev.quota.QuotaContentionException if other admin changes to the tenant overtook every attempt; nothing
   *     was granted or audited
   * @throws dev.quota.InvalidRequestException naming {@code "tenant"} if the store does not know the tenant (unless
   *     this admin {@linkplain #acceptingNewTenants() accepts new tenants}); nothing was written
   */
  ResetResult resetUsage(TenantId tenant, Actor actor, String reason);

  /**
   * Like {@link #resetUsage(TenantId, Actor, String)}, on one meter.
   *
   * @param tenant the tenant
   * @param meter the meter to reset
   * @param actor who resets
   * @param reason why
   * @return the grant made (none if the meter had no usage) and the audit entry
   * @throws dev.quota.QuotaContentionException if other admin changes to the tenant overtook every attempt; nothing
   *     was granted or audited
   * @throws dev.quota.InvalidRequestException naming {@code "tenant"} if the store does not know the tenant (unless
   *     this admin {@linkplain #acceptingNewTenants() accepts new tenants}); nothing was written
   */
  ResetResult resetUsage(TenantId tenant, Meter meter, Actor actor, String reason);

  /**
   * Raises the ceiling of every period the grant is active in by {@code amount}, until an expiry: partial relief,
   * "a little more this month", "bring the tenant back under the limit". It is not a balance spent once: a grant
   * that spans three periods raises each of them, and when it ends (expires or is revoked) the ceiling drops back at
   * once, whatever was used. {@link #resetUsage} is one such raise, by the period's usage.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param amount the extra units per period while active, in the meter's unit; positive
   * @param expiresAt when the grant stops counting; in the future, within the configured maximum duration
   * @param actor who grants
   * @param reason why
   * @return the grant
   * @throws dev.quota.InvalidRequestException naming {@code "tenant"} if the store does not know the tenant (unless
   *     this admin {@linkplain #acceptingNewTenants() accepts new tenants}); nothing was written
   */
  Grant raisePeriodCeiling(TenantId tenant, Meter meter, long amount, Instant expiresAt, Actor actor, String reason);

  /**
   * The former name of {@link #raisePeriodCeiling}, which it calls: a raise of each active period's ceiling, not a
   * balance spent once.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param amount the extra units per period while active, in the meter's unit; positive
   * @param expiresAt when the grant stops counting; in the future, within the configured maximum duration
   * @param actor who grants
   * @param reason why
   * @return the grant
   * @deprecated the name reads like a balance spent once; use {@link #raisePeriodCeiling}, which does the same
   */
  @Deprecated
  default Grant grantCredit(TenantId tenant, Meter meter, long amount, Instant expiresAt, Actor actor, String reason) {
    return raisePeriodCeiling(tenant, meter, amount, expiresAt, actor, reason);
  }

  /**
   * Gives a tenant a balance spent once: {@code amount} units on a meter, drawn on only by usage beyond the period's
   * allowance (its limit plus the period's {@linkplain #raisePeriodCeiling raises}), soonest-expiring credit first.
   * What is left carries into later periods until {@code validUntil}: a 50k credit gives 50k in total, whatever
   * periods it spans. Expiry or {@linkplain #revoke revocation} voids only the unspent remainder; what was drawn stays
   * in the ceilings of the periods it was drawn in. See {@link OneTimeCredit}. The usage report lists active credits
   * ({@link dev.quota.UsageReport#credits()}).
   *
   * @param tenant the tenant
   * @param meter a meter of the catalogue
   * @param amount the units, in the meter's unit; positive
   * @param validFrom when it can first be drawn on; a start in the past means now (credits are never back-dated)
   * @param validUntil when it expires; after {@code validFrom}, at most {@link #MAX_CREDIT_VALIDITY} from now
   * @param actor who gives it
   * @param reason why (e.g. the order of a top-up pack)
   * @return the credit
   * @throws dev.quota.InvalidRequestException naming the parameter for bad input, or {@code "tenant"} if the store
   *     does not know the tenant (unless this admin {@linkplain #acceptingNewTenants() accepts new tenants}); nothing
   *     was written
   */
  OneTimeCredit grantOneTimeCredit(TenantId tenant, Meter meter, long amount, Instant validFrom, Instant validUntil,
      Actor actor, String reason);

  /**
   * Puts a tenant on another tier until an expiry, after which its plan's tier applies again by itself.
   *
   * @param tenant the tenant
   * @param tier a tier of the catalogue
   * @param until when the override ends; in the future, within the configured maximum duration
   * @param actor who overrides
   * @param reason why
   * @return the override
   * @throws dev.quota.InvalidRequestException naming {@code "tenant"} if the store does not know the tenant (unless
   *     this admin {@linkplain #acceptingNewTenants() accepts new tenants}); nothing was written
   */
  TierOverride overrideTier(TenantId tenant, Tier tier, Instant until, Actor actor, String reason);

  /**
   * Gives one tenant its own limit on one meter until an expiry, in place of its tier's: higher (a negotiated
   * enterprise limit) or lower (a throttle, which blocks at once, like a downgrade). See {@link LimitOverride} for how
   * it combines with tiers, raises and bypasses; the usage report names it as the limit's source
   * ({@link dev.quota.UsageReport#limitOverride()}). {@link #revoke} ends it early.
   *
   * @param tenant the tenant
   * @param meter a meter of the catalogue
   * @param limit the tenant's limit per period, in the meter's unit; zero or more
   * @param until when the tier's limit applies again; in the future, within the configured maximum duration
   * @param actor who overrides
   * @param reason why
   * @return the override
   * @throws dev.quota.InvalidRequestException naming the parameter for bad input, or {@code "tenant"} if the store
   *     does not know the tenant (unless this admin {@linkplain #acceptingNewTenants() accepts new tenants}); nothing
   *     was written
   */
  LimitOverride overrideLimit(TenantId tenant, Meter meter, long limit, Instant until, Actor actor, String reason);

  /**
   * Like {@link #overrideLimit(TenantId, Meter, long, Instant, Actor, String)}, open-ended: the override holds until
   * it is {@linkplain #revoke revoked} (it is valid until {@link LimitOverride#OPEN_ENDED}). For negotiated limits
   * that last as long as the contract.
   *
   * @param tenant the tenant
   * @param meter a meter of the catalogue
   * @param limit the tenant's limit per period, in the meter's unit; zero or more
   * @param actor who overrides
   * @param reason why
   * @return the override
   * @throws dev.quota.InvalidRequestException naming the parameter for bad input, or {@code "tenant"} if the store
   *     does not know the tenant (unless this admin {@linkplain #acceptingNewTenants() accepts new tenants}); nothing
   *     was written
   */
  LimitOverride overrideLimit(TenantId tenant, Meter meter, long limit, Actor actor, String reason);

  /**
   * Stops blocking one tenant until an expiry. Usage is still recorded and alerts still fire.
   *
   * @param tenant the tenant
   * @param until when blocking resumes; in the future, within the configured maximum duration
   * @param actor who bypasses
   * @param reason why
   * @return the bypass
   * @throws dev.quota.InvalidRequestException naming {@code "tenant"} if the store does not know the tenant (unless
   *     this admin {@linkplain #acceptingNewTenants() accepts new tenants}); nothing was written
   */
  Bypass bypass(TenantId tenant, Instant until, Actor actor, String reason);

  /**
   * Makes a tenant the child of another: from now on, the tenant's usage also counts at the parent and at every
   * ancestor of it, and must fit their limits too. Usage recorded before stays where it was counted. Authorized for
   * the tenant and for the new parent; audited with the old and the new parent.
   *
   * @param tenant the tenant
   * @param parent its new parent
   * @param actor who changes it
   * @param reason why
   * @return the audit entry written
   * @throws dev.quota.InvalidRequestException naming {@code parent} if it is the tenant itself, if the tenant is an
   *     ancestor of it (the change would close a cycle), or if some path would then have more than
   *     {@link #MAX_TREE_DEPTH} levels; nothing is written
   * @throws AccessDeniedException if the authorizer refuses the change on the tenant or on the parent
   * @throws UnsupportedOperationException if the store does not support trees
   */
  AuditEntry setParent(TenantId tenant, TenantId parent, Actor actor, String reason);

  /**
   * Makes a tenant a root: from now on its usage counts at itself (and its descendants' at it) only. Audited with the
   * old parent.
   *
   * @param tenant the tenant
   * @param actor who changes it
   * @param reason why
   * @return the audit entry written
   * @throws AccessDeniedException if the authorizer refuses the change on the tenant
   * @throws UnsupportedOperationException if the store does not support trees
   */
  AuditEntry clearParent(TenantId tenant, Actor actor, String reason);

  /**
   * A tenant's parent, as the store last committed it.
   *
   * @param tenant the tenant
   * @return its parent; empty for a root (or a tenant the store does not know)
   */
  Optional<TenantId> parentOf(TenantId tenant);

  /**
   * A tenant's direct children, by tenant id.
   *
   * @param tenant the parent
   * @param page the slice
   * @return the children; empty for a tenant without any
   */
  Page<TenantId> children(TenantId tenant, PageRequest page);

  /**
   * Ends a grant, override (of a tier or a limit) or bypass now. The entitlement is kept, marked revoked.
   *
   * @param entitlementId the entitlement
   * @param actor who revokes
   * @param reason why
   * @return the revoked entitlement
   * @throws EntitlementStateException if there is no such entitlement, or it already ended
   */
  Entitlement revoke(EntitlementId entitlementId, Actor actor, String reason);

  /**
   * Sets a tenant's subscription. A downgrade takes effect at once: this period's usage is measured
   * against the new limit, which the usage report shows. Accepts a tenant the store does not know yet: a plan is
   * how a tenant comes into being.
   *
   * @param tenant the tenant
   * @param plan the tier (of the catalogue) and optional billing day
   * @param actor who changes it
   * @param reason why
   * @return the audit entry
   */
  AuditEntry setPlan(TenantId tenant, Plan plan, Actor actor, String reason);

  /**
   * Lists a tenant's grants, overrides and bypasses, active or ended, newest first.
   *
   * @param tenant the tenant
   * @return the entitlements
   */
  List<Entitlement> entitlements(TenantId tenant);

  /**
   * Reads a tenant's usage ledger, newest first (by {@link UsageEntry#occurredAt()}, then by meter and key in code
   * point order): what an operator checks before a reset. Reads only; entries archived out of the live ledger are not
   * included. The store pages.
   *
   * @param tenant the tenant
   * @param page the slice
   * @return the entries
   */
  Page<UsageEntry> ledger(TenantId tenant, PageRequest page);

  /**
   * Reads the audit log, newest first, filtered by tenant, operation, actor and time as the query says; the store
   * filters and pages.
   *
   * @param query which entries
   * @param page the slice
   * @return the entries
   */
  Page<AuditEntry> audit(AuditQuery query, PageRequest page);

  /**
   * Reads a tenant's audit log, newest first.
   *
   * @param tenant the tenant
   * @param page the slice
   * @return the entries
   */
  default Page<AuditEntry> audit(TenantId tenant, PageRequest page) {
    return audit(AuditQuery.of(tenant), page);
  }

  /**
   * Reads the whole audit log, newest first.
   *
   * @param page the slice
   * @return the entries
   */
  default Page<AuditEntry> audit(PageRequest page) {
    return audit(AuditQuery.all(), page);
  }

  /**
   * The admin dashboard's list: the tenants with usage or holds in their current period on a meter, filtered and
   * ordered as the query says (by default most utilized first). The store filters, sorts and pages, so a page
   * costs the same whether there are a thousand tenants or a hundred thousand.
   *
   * @param query which tenants, in which order
   * @param page the slice
   * @return the reports
   */
  Page<UsageReport> listUsage(UsageQuery query, PageRequest page);

  /**
   * The admin dashboard's list: tenants with usage in their current period on the default meter, most
   * utilized first.
   *
   * @param page the slice
   * @return the reports
   */
  default Page<UsageReport> listUsage(PageRequest page) {
    return listUsage(UsageQuery.all(), page);
  }

  /**
   * Like {@link #listUsage(PageRequest)}, on one meter.
   *
   * @param meter the meter
   * @param page the slice
   * @return the reports, most utilized first
   */
  default Page<UsageReport> listUsage(Meter meter, PageRequest page) {
    return listUsage(UsageQuery.all().meter(meter), page);
  }

  /**
   * Tells what {@link #purgeUsage} would delete, without deleting.
   *
   * @param tenant the tenant
   * @param since the first instant that would be purged
   * @return the ledger entries and amounts at or after {@code since}
   */
  PurgeSummary previewPurge(TenantId tenant, Instant since);

  /**
   * Deletes a tenant's usage at or after an instant: the one destructive operation, for legal erasure and
   * test data, never needed to unblock anyone. Requires the tenant id typed again; the counters stay
   * consistent with the ledger, and the purge is audited.
   *
   * @param tenant the tenant
   * @param since the first instant purged; not in the future
   * @param confirmation the tenant id, typed again
   * @param actor who purges
   * @param reason why
   * @return what was deleted
   * @throws dev.quota.InvalidRequestException naming {@code "tenant"} if the store does not know the tenant (unless
   *     this admin {@linkplain #acceptingNewTenants() accepts new tenants}); nothing was written
   */
  PurgeSummary purgeUsage(TenantId tenant, Instant since, PurgeConfirmation confirmation, Actor actor, String reason);

  /**
   * A tenant's usage on a meter per local day or hour, for usage pages and charts: the sums of its ledger entries
   * (archived ones included) by when they occurred, in buckets aligned to the catalogue's zone
   * ({@link dev.quota.TierCatalogue#zone()}). The range is widened to whole buckets: the first bucket is the one
   * containing {@code from}, the last the one containing the instant just before {@code to}. Every bucket is
   * present, those without usage with 0. Reads only.
   *
   * {@snippet :
   * Instant monthStart = ZonedDateTime.of(2026, 3, 1, 0, 0, 0, 0, zone).toInstant();
   * UsageHistory march = admin.usageHistory(tenant, Meter.AI_TOKENS, monthStart,
   *     monthStart.atZone(zone).plusMonths(1).toInstant(), HistoryGranularity.DAY);   // 31 buckets
   * }
   *
   * @param tenant the tenant
   * @param meter a declared meter
   * @param from the first instant of the range
   * @param to the first instant after the range; after {@code from}
   * @param granularity days or hours
   * @return the buckets
   * @throws dev.quota.InvalidRequestException naming the field if the meter is not declared, {@code to} is not after
   *     {@code from}, or the range spans more buckets than {@link HistoryGranularity#maxBuckets()}
   *     ({@value HistoryGranularity#MAX_DAYS} days, {@value HistoryGranularity#MAX_HOURS} hours)
   */
  UsageHistory usageHistory(TenantId tenant, Meter meter, Instant from, Instant to, HistoryGranularity granularity);

  /**
   * Compares every counter of a tenant with the ledger entries it summarizes and reports any drift. Reads
   * only; a consistent store never drifts, so a drift means data was changed outside the library.
   *
   * @param tenant the tenant
   * @return one check per counter
   */
  Verification verify(TenantId tenant);

  /**
   * Records the configuration this instance enforces (its catalogue, alert thresholds, the store's
   * {@linkplain dev.quota.spi.AdminStore#planSource() plan source} and the tenant key it was built with) in the store,
   * as the service named: a new {@link ServiceRecord} version only if the content differs from the latest one, with
   * the actor {@code service:NAME} and, as the reason, what changed. Called at start-up by
   * {@link dev.quota.Quota.Builder#recordServiceConfiguration}; operator tools then read it with
   * {@link #serviceConfiguration()}. Needs no authorization: it describes the service, it changes no tenant.
   *
   * @param service the service's name, e.g. {@code planner}
   * @param serviceVersion the service's version, e.g. {@code 1.4.2}
   * @return the latest record: the one written, or the one already there with the same content
   * @throws dev.quota.spi.StoreUnavailableException if the store cannot be reached
   */
  ServiceRecord recordServiceConfiguration(String service, String serviceVersion);

  /**
   * Reads the configuration a service last recorded with {@link #recordServiceConfiguration}.
   *
   * @return the latest record; empty if no service recorded one
   * @throws dev.quota.InvalidRequestException naming the setting, if the recorded configuration cannot be read
   *     without the service's code (a period policy of its own)
   */
  Optional<ServiceRecord> serviceConfiguration();
}

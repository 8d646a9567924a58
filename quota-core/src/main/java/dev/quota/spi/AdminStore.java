package dev.quota.spi;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.TenantId;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PlanSource;
import dev.quota.admin.Revocation;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The admin path of a {@link QuotaStore}: what {@link dev.quota.admin.QuotaAdmin} calls. Every change is written
 * with its audit entry in one atomic step and moves the tenant's {@link TenantState#version()} on, so that usage
 * writes computed before it are refused as stale.
 */
public interface AdminStore {

  /**
   * Adds entitlements of one tenant and their audit entry, atomically and unconditionally, and moves the tenant's
   * version on: for changes that do not depend on the state they replace (a grant, an override, a bypass).
   *
   * @param tenant the tenant
   * @param entitlements the new entitlements (possibly none)
   * @param audit the audit entry
   */
  void addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements, AuditEntry audit);

  /**
   * Adds entitlements like {@link #addEntitlements(TenantId, List, AuditEntry)}, but only if the tenant's version is
   * still {@code expectedVersion}, checked and written in one atomic step: for changes computed from the state they
   * replace, such as a reset, which cancels the usage it read minus what earlier resets cancelled. Two such changes
   * racing (two operators resetting a tenant at once, on one instance or two) must not both be written on the same
   * version, or both would cancel the same usage.
   *
   * @param tenant the tenant
   * @param entitlements the new entitlements (possibly none)
   * @param audit the audit entry
   * @param expectedVersion the entitlement version the entitlements were computed from
   * @return {@code true} if written; {@code false} if the version moved on, and nothing (neither the entitlements
   *     nor the audit entry) was written
   */
  boolean addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements, AuditEntry audit,
      long expectedVersion);

  /**
   * Adds a tier's rollover grant ({@link Grant.Kind#ROLLOVER}) with its audit entry, atomically, once
   * per tenant, meter and period: if the tenant has no rollover grant on the grant's meter starting at the grant's
   * {@code validFrom} (revoked or not), the grant and the audit entry are written and the tenant's version moves on, as
   * {@link #addEntitlements(TenantId, List, AuditEntry)} would; otherwise nothing is written. Concurrent calls for the
   * same tenant, meter and period, on one instance or several, write one grant and one audit entry in all (a store
   * guarantees it with a uniqueness constraint or a lock, not by reading first). Never writes to the ledger or a
   * counter.
   *
   * <p>The default refuses, so that a store written before rollovers fails loudly on a catalogue that uses them
   * instead of rolling over nothing or twice.
   *
   * @param rollover the grant, of kind {@code ROLLOVER}
   * @param audit its audit entry
   * @return {@code true} if written; {@code false} if the period's rollover existed already and nothing was written
   */
  default boolean addRollover(Grant rollover, AuditEntry audit) {
    throw new UnsupportedOperationException(getClass().getName() + " does not support rollovers");
  }

  /**
   * Finds an entitlement by id alone, to learn its tenant before authorizing a revoke.
   *
   * @param id the entitlement
   * @return it, if it exists
   */
  Optional<Entitlement> findEntitlement(EntitlementId id);

  /**
   * Revokes an entitlement that is active at the revocation time, with its audit entry, atomically, and
   * moves the tenant's version on. An entitlement that is unknown, of another tenant, or no longer active is left
   * unchanged and no audit entry is written.
   *
   * @param tenant the tenant
   * @param id the entitlement
   * @param revocation when, by whom, why
   * @param audit the audit entry
   * @return the outcome
   */
  RevokeOutcome revoke(TenantId tenant, EntitlementId id, Revocation revocation, AuditEntry audit);

  /**
   * Lists all entitlements of a tenant, active or ended, newest first.
   *
   * @param tenant the tenant
   * @return the entitlements
   */
  List<Entitlement> entitlements(TenantId tenant);

  /**
   * Sets a tenant's plan with its audit entry, atomically, and moves the tenant's version on. When the plan
   * changes the tenant's periods (a new billing day), the store moves the ledger entries that fall in each
   * new current period to it, so that every entry still counts in exactly one counter.
   *
   * @param tenant the tenant
   * @param plan the plan
   * @param currentPeriods each meter's current period under the new plan
   * @param audit the audit entry
   */
  void setPlan(TenantId tenant, Plan plan, Map<Meter, Period> currentPeriods, AuditEntry audit);

  /**
   * Reads the audit log, newest first (by time, then in the order written), keeping the entries that
   * {@link AuditQuery#matches} accepts; the store filters and pages.
   *
   * @param query which entries
   * @param page the slice
   * @return the entries
   */
  Page<AuditEntry> audit(AuditQuery query, PageRequest page);

  /**
   * Reads a tenant's live ledger (not its archive), newest first: by {@link LedgerEntry#occurredAt()} descending,
   * then by meter and usage key in code point order (PostgreSQL's {@code COLLATE "C"}). The store pages.
   *
   * @param tenant the tenant
   * @param page the slice
   * @return the entries
   */
  Page<LedgerEntry> ledger(TenantId tenant, PageRequest page);

  /**
   * Tells whether the store knows a tenant: whether it holds anything of it, namely a plan (in the store, or in the
   * host's table the store reads plans from), an entitlement (active or ended), usage (ledger entries, archived or
   * not, or a counter with usage), a reservation, or an audit entry. {@link dev.quota.admin.QuotaAdmin} refuses
   * changes to a tenant the store does not know, so that a misspelled id is not granted or reset by mistake.
   *
   * @param tenant the tenant
   * @return whether it is known
   */
  boolean knowsTenant(TenantId tenant);

  /**
   * Lists the known tenants (as {@link #knowsTenant} defines them) whose ids a tenant id that is not known may be a
   * misspelling of, as {@link TenantSuggestions} decides: offer it the known ids and return its
   * {@link TenantSuggestions#closest(int)}. Called when a change is refused for an unknown tenant, to say
   * "did you mean", not on any hot path.
   *
   * @param tenant the id as given
   * @param limit how many ids to return at most; positive
   * @return the similar known ids, closest first
   */
  List<TenantId> knownTenantsLike(TenantId tenant, int limit);

  /**
   * Lists one page of the tenants with usage or holds on a meter in the period containing the listing's instant,
   * filtered and ordered as {@link UsageListing} defines; the store filters, sorts and pages, so the cost of a page
   * does not grow with the number of tenants it does not return (beyond what sorting them takes).
   *
   * @param listing what to list
   * @return the page, each row with the tenant's state on the meter
   */
  Page<UsageListing.Row> listUsage(UsageListing listing);

  /**
   * Tells where this store reads tenants' plans: quota's own plan table, or a table of the host's that it only reads
   * (where {@link #setPlan} is refused). Recorded with the service's configuration, so that tools know where plans
   * are changed.
   *
   * @return the plan source
   */
  PlanSource planSource();

  /**
   * Reads the latest recorded version of the service configuration.
   *
   * @return the version with the highest number; empty if none was recorded
   */
  Optional<StoredServiceConfiguration> latestServiceConfiguration();

  /**
   * Appends a version of the service configuration, atomically and only if it is the next one: its
   * {@link StoredServiceConfiguration#version()} is one more than the latest's (1 when there is none). Versions are
   * never updated or deleted. Two services starting together both read the same latest version; only one of
   * them may write the next, and the other reads again.
   *
   * @param next the version to append
   * @return {@code true} if written; {@code false} if that version exists already, and nothing was written
   */
  boolean appendServiceConfiguration(StoredServiceConfiguration next);

  /**
   * Sums a tenant's usage on a meter per bucket: for each {@code i}, the amounts of the tenant's ledger entries on the
   * meter, archived ones included, whose {@code occurredAt} is in {@code [edges[i], edges[i + 1])}. Reads only; other
   * tenants and meters are never counted. {@link dev.quota.admin.QuotaAdmin#usageHistory} computes the edges (local
   * midnights or hours) and bounds their number, so a store only groups and sums.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param edges the buckets' edges, strictly ascending, at least two
   * @return one sum per bucket ({@code edges.size() - 1} of them), in the meter's unit, 0 for a bucket without
   *     entries, saturating at {@link Long#MAX_VALUE}
   */
  List<Long> usageHistory(TenantId tenant, Meter meter, List<Instant> edges);

  /**
   * Sets or clears a tenant's parent and writes the audit entry, atomically, refusing with nothing written a change
   * that would close a cycle or make a path longer than {@code maxDepth}, checked under a lock that concurrent tree
   * changes share (two changes that are each fine alone cannot together make a cycle). A change increments the
   * tenant's version, so every write computed on the old path is refused as stale; a tenant the store does not know
   * yet comes into being (without a plan). A change to the parent it already has is still written and audited.
   *
   * @param tenant the tenant; never its own parent (the admin refuses that before calling)
   * @param parent the new parent, or empty to make the tenant a root
   * @param maxDepth the most levels a path may have
   * @param audit the audit entry to write with the change
   * @return {@link ParentOutcome#CHANGED}, or why nothing was written
   * @throws UnsupportedOperationException if the store does not support trees (the default)
   */
  default ParentOutcome setParent(TenantId tenant, Optional<TenantId> parent, int maxDepth, AuditEntry audit) {
    throw PathReads.unsupported(this);
  }

  /**
   * A tenant's direct children, by tenant id.
   *
   * @param tenant the parent
   * @param page the slice
   * @return the children; empty for a tenant without any (or a store without trees, the default)
   */
  default Page<TenantId> children(TenantId tenant, PageRequest page) {
    return new Page<>(List.of(), page, false);
  }
}

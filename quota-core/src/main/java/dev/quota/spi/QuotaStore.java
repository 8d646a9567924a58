package dev.quota.spi;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PurgeSummary;
import dev.quota.admin.Revocation;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The storage primitives a backend implements. The policy (effective tiers, ceilings, decisions, alerts,
 * audit contents, validation) lives once in quota-core; a store keeps data and makes each primitive
 * atomic.
 *
 * <p>The rules every store follows, checked by quota-testkit's contract suite:
 * <ul>
 *   <li>Every operation is scoped by tenant; nothing reads or writes across tenants except the two
 *       listings ({@link #readAll}, {@link #audit} without a tenant).</li>
 *   <li>Each method is atomic: on failure it writes nothing and throws {@link StoreUnavailableException}
 *       (infrastructure) or another unchecked exception (a bug). Each admin change and its audit entry are
 *       written together or not at all.</li>
 *   <li>The ledger only grows, except through {@link #purge}. A counter's {@code used} always equals the sum
 *       of its period's ledger entries.</li>
 *   <li>Usage keys are unique per tenant and meter; a write whose key exists is a {@code Duplicate} and
 *       writes nothing.</li>
 *   <li>Writes that depend on the tenant's plan and entitlements carry the {@link TenantState#version()}
 *       they were computed from, and are refused as {@code Stale} if it changed, so that a write never uses
 *       a ceiling or period that an admin change has replaced.</li>
 *   <li>Time comes from the caller ({@code now}); a store never reads its own clock for decisions.</li>
 * </ul>
 */
public interface QuotaStore {

  /**
   * Reads a tenant's plan, entitlements, version and the meter's counters containing {@code now}.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param now the time of the read
   * @return the state; an unknown tenant has no plan, no entitlements, no counters and some version
   */
  TenantState read(TenantId tenant, Meter meter, Instant now);

  /**
   * Reads like {@link #read}, but never from a cache: the state as last committed. The guard calls it to read
   * again after a write was refused as {@code Stale}, and the admin calls it where the amount of a change is
   * computed from the state (a reset cancels the usage it reads). Stores without a cache need not override it.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param now the time of the read
   * @return the state, as {@link #read} returns it
   */
  default TenantState readLatest(TenantId tenant, Meter meter, Instant now) {
    return read(tenant, meter, now);
  }

  /**
   * Reads the state of every tenant that has a counter for the meter containing {@code now}: the admin
   * dashboard's population.
   *
   * @param meter the meter
   * @param now the time of the read
   * @return the states by tenant
   */
  Map<TenantId, TenantState> readAll(Meter meter, Instant now);

  /**
   * Appends a ledger entry and adds it to its period's counter if and only if
   * {@code used + reserved + amount <= ceiling}, atomically against every concurrent write.
   *
   * @param entry the usage
   * @param ceiling the most {@code used + reserved} may reach, in the meter's unit
   * @param expectedVersion the entitlement version the ceiling was computed from
   * @return {@link WriteOutcome.Written}, {@link WriteOutcome.Insufficient}, {@link WriteOutcome.Duplicate}
   *     or {@link WriteOutcome.Stale}
   */
  WriteOutcome consume(LedgerEntry entry, long ceiling, long expectedVersion);

  /**
   * Appends a ledger entry and adds it to its period's counter unconditionally.
   *
   * @param entry the usage
   * @param expectedVersion the entitlement version the entry's period was computed from
   * @return {@link WriteOutcome.Written}, {@link WriteOutcome.Duplicate} or {@link WriteOutcome.Stale}
   */
  WriteOutcome append(LedgerEntry entry, long expectedVersion);

  /**
   * Appends several entries of one tenant, each as {@link #append} would, in one batch if the store can.
   *
   * @param entries the usage, all of one tenant
   * @param expectedVersion the entitlement version the entries' periods were computed from
   * @return one outcome per entry, in order; all {@link WriteOutcome.Stale} if the version moved on
   */
  default List<WriteOutcome> appendAll(List<LedgerEntry> entries, long expectedVersion) {
    return entries.stream().map(entry -> append(entry, expectedVersion)).toList();
  }

  /**
   * Opens a reservation and adds it to its period's counter as reserved if and only if
   * {@code used + reserved + amount <= ceiling}, counting only reservations unexpired at {@code now}.
   *
   * @param reservation the hold
   * @param ceiling the most {@code used + reserved} may reach
   * @param expectedVersion the entitlement version the ceiling was computed from
   * @param now the time of the write
   * @return {@link WriteOutcome.Written}, {@link WriteOutcome.Insufficient} or {@link WriteOutcome.Stale}
   */
  WriteOutcome reserve(StoredReservation reservation, long ceiling, long expectedVersion, Instant now);

  /**
   * Ends an open reservation by recording its usage: removes the hold from its counter and appends the entry
   * to the entry's period, atomically. An expired open reservation is committed too (its hold no longer
   * counted). When the entry's key is already in the ledger with the same amount, the reservation still
   * ends (see {@link CommitOutcome.Duplicate}): a successful commit never leaves a hold behind. A commit
   * naming another meter than the reservation's writes nothing ({@link CommitOutcome.WrongMeter}).
   *
   * @param tenant the tenant
   * @param id the reservation
   * @param entry the usage to record
   * @param expectedVersion the entitlement version the entry's period was computed from
   * @param now the time of the write
   * @return the outcome
   */
  CommitOutcome commit(TenantId tenant, ReservationId id, LedgerEntry entry, long expectedVersion, Instant now);

  /**
   * Ends an open, unexpired reservation without recording usage. An expired one is left unchanged
   * ({@link ReleaseOutcome#ALREADY_ENDED}) so that a late commit still records its usage.
   *
   * @param tenant the tenant
   * @param id the reservation
   * @param now the time of the write
   * @return the outcome
   */
  ReleaseOutcome release(TenantId tenant, ReservationId id, Instant now);

  /**
   * Adds entitlements of one tenant and their audit entry, atomically, and moves the tenant's version on.
   *
   * @param tenant the tenant
   * @param entitlements the new entitlements (possibly none, as for a reset of a tenant without usage)
   * @param audit the audit entry
   */
  void addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements, AuditEntry audit);

  /**
   * Adds entitlements like {@link #addEntitlements(TenantId, List, AuditEntry)}, but only if the tenant's version is
   * still {@code expectedVersion}, in the same atomic step: for changes computed from the state they replace, such
   * as a reset, which cancels the usage it read minus what earlier resets cancelled. Two such changes racing (two
   * operators resetting a tenant at once, on one instance or two) must not both be written on the same version, or
   * both would cancel the same usage.
   *
   * <p>The default adds unconditionally and reports success, as stores written before this method did; a store
   * keeps the guarantee above only if it overrides it.
   *
   * @param tenant the tenant
   * @param entitlements the new entitlements (possibly none)
   * @param audit the audit entry
   * @param expectedVersion the entitlement version the entitlements were computed from
   * @return {@code true} if written; {@code false} if the version moved on, and nothing was written
   */
  default boolean addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements, AuditEntry audit,
      long expectedVersion) {
    addEntitlements(tenant, entitlements, audit);
    return true;
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
   * moves the tenant's version on.
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
   * Reads the audit log, newest first.
   *
   * @param tenant one tenant's entries, or empty for all
   * @param page the slice
   * @return the entries
   */
  Page<AuditEntry> audit(Optional<TenantId> tenant, PageRequest page);

  /**
   * Counts a tenant's ledger entries at or after an instant, per meter, without deleting.
   *
   * @param tenant the tenant
   * @param since the first instant counted
   * @return the summary
   */
  PurgeSummary previewPurge(TenantId tenant, Instant since);

  /**
   * Deletes a tenant's ledger entries at or after an instant, subtracts them from their counters, and writes
   * the audit entry made from the summary, atomically.
   *
   * @param tenant the tenant
   * @param since the first instant deleted
   * @param audit makes the audit entry from what was deleted
   * @return what was deleted
   */
  PurgeSummary purge(TenantId tenant, Instant since, Function<PurgeSummary, AuditEntry> audit);

  /**
   * Marks a threshold alert as fired, once: concurrent callers for the same key see exactly one
   * {@code true}.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param period the period
   * @param thresholdPercent the threshold
   * @return {@code true} if this call marked it, {@code false} if it was already marked
   */
  boolean markAlertFired(TenantId tenant, Meter meter, Period period, int thresholdPercent);

  /**
   * Clears fired marks so that those thresholds alert again when crossed.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param period the period
   * @param thresholdPercents the thresholds to re-arm
   */
  void rearmAlerts(TenantId tenant, Meter meter, Period period, Collection<Integer> thresholdPercents);

  /**
   * Compares each of a tenant's counters with the sum of the ledger entries of its period.
   *
   * @param tenant the tenant
   * @return one check per counter, oldest period first
   */
  List<CounterCheck> verify(TenantId tenant);

  /**
   * The last state this store read for a tenant and meter, for {@link dev.quota.FailurePolicy#lastKnownState}.
   * Stores without a cache return empty, which makes that policy deny.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @return the state and when it was read, if known
   */
  default Optional<KnownState> lastKnown(TenantId tenant, Meter meter) {
    return Optional.empty();
  }

  /**
   * A state remembered from an earlier read.
   *
   * @param state the state
   * @param readAt when it was read
   */
  record KnownState(TenantState state, Instant readAt) {}
}

package dev.quota.spi;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The usage path of a {@link QuotaStore}: what the guard calls on every request. Reads of one tenant's state, the
 * conditional and unconditional usage writes, and reservations.
 *
 * <p>Every write that depends on the tenant's plan and entitlements carries the {@link TenantState#version()} it was
 * computed from and is refused as {@link WriteOutcome.Stale} (or {@link CommitOutcome.Stale}) if the version moved on,
 * writing nothing; the guard then reads with {@link #readLatest} and tries again.
 */
public interface UsageStore {

  /**
   * Reads a tenant's plan, entitlements, version and the meter's counters containing {@code now}. A store with a
   * cache may answer from it, as long as the state is no older than the cache's documented staleness.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param now the time of the read
   * @return the state; an unknown tenant has no plan, no entitlements, no counters and some version
   */
  TenantState read(TenantId tenant, Meter meter, Instant now);

  /**
   * Reads like {@link #read}, but never from a cache: the state as last committed. The guard calls it to read
   * again after a write was refused as stale, and the admin calls it where the amount of a change is computed from
   * the state (a reset cancels the usage it reads). A store without a cache returns what {@link #read} returns; a
   * store with one must bypass it here, or a refused write would be retried on the same stale state until the guard
   * gives up.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param now the time of the read
   * @return the state, as {@link #read} returns it
   */
  TenantState readLatest(TenantId tenant, Meter meter, Instant now);

  /**
   * Appends a ledger entry and adds it to its period's counter if and only if
   * {@code used + reserved + amount <= ceiling}, atomically against every concurrent write; {@code reserved} counts
   * only holds unexpired at the entry's time.
   *
   * @param entry the usage
   * @param ceiling the most {@code used + reserved} may reach, in the meter's unit
   * @param expectedVersion the entitlement version the ceiling was computed from
   * @return {@link WriteOutcome.Written}, {@link WriteOutcome.Insufficient} (nothing written),
   *     {@link WriteOutcome.Duplicate} (the key is in the ledger; nothing written) or {@link WriteOutcome.Stale}
   *     (nothing written)
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
   * Appends several entries of one tenant, each as {@link #append} would. The default appends them one by one,
   * which keeps every guarantee; a store overrides it to write them in one batch.
   *
   * @param entries the usage, all of one tenant
   * @param expectedVersion the entitlement version the entries' periods were computed from
   * @return one outcome per entry, in order; all {@link WriteOutcome.Stale} if the version moved on
   */
  default List<WriteOutcome> appendAll(List<LedgerEntry> entries, long expectedVersion) {
    return entries.stream().map(entry -> append(entry, expectedVersion)).toList();
  }

  /**
   * A usage write that draws on the tenant's one-time credits, atomically: the guard calls it instead of
   * {@link #consume} or {@link #append} when the tenant has an active {@link dev.quota.admin.OneTimeCredit} with units
   * left on the entry's meter at the entry's instant. In one transaction, under the counter's lock:
   * <ol>
   *   <li>a changed version is {@code Stale} and a recorded key a {@code Duplicate}, as for {@link #consume};</li>
   *   <li>{@code available} is the sum of {@code amount - drawn} over the tenant's credits on the meter that are active
   *       at the entry's instant; when {@code conditional}, the entry is {@code Insufficient} unless
   *       {@code used + reserved + amount <= allowance + creditDrawn + available} (sums saturating);</li>
   *   <li>the entry is written, and {@code min(available, max(0, used + amount - allowance - creditDrawn))} units are
   *       drawn from those credits, soonest-expiring first ({@link dev.quota.admin.OneTimeCredit#drawnBefore}), each up
   *       to its unspent units, and added to the counter's {@code creditDrawn}.</li>
   * </ol>
   * A credit's drawn amount never exceeds its amount, however many instances draw at once. Draws do not change the
   * tenant's version. Every store implements it (there is no default: a store that wrote the entry without drawing
   * would let a tenant past its allowance while its credits stayed whole).
   *
   * @param entry the usage
   * @param allowance the ceiling without credits: the limit plus the period's raises, saturating
   * @param conditional whether the write is refused when it does not fit ({@code tryConsume}); else it is written
   *     whatever the balance and draws what credits are left ({@code record}, bypass, shadow mode)
   * @param expectedVersion the version the allowance was computed from
   * @return the outcome, with the counter after the write (its {@code creditDrawn} included)
   */
  WriteOutcome writeDrawingCredits(LedgerEntry entry, long allowance, boolean conditional, long expectedVersion);

  /**
   * Opens a reservation and adds it to its period's counter as reserved if and only if
   * {@code used + reserved + amount <= ceiling}, counting only reservations unexpired at {@code now}.
   *
   * @param reservation the hold
   * @param ceiling the most {@code used + reserved} may reach
   * @param expectedVersion the entitlement version the ceiling was computed from
   * @param now the time of the write
   * @return {@link WriteOutcome.Written}, {@link WriteOutcome.Insufficient} or {@link WriteOutcome.Stale}, the last
   *     two writing nothing
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
   * A {@link #commit} that draws on the tenant's one-time credits for the usage it records beyond the allowance, in
   * the commit's transaction: the guard calls it instead of {@link #commit} when the tenant has an active
   * {@link dev.quota.admin.OneTimeCredit} with units left on the entry's meter at the entry's instant. Every outcome is
   * {@link #commit}'s; when the usage is recorded ({@link CommitOutcome.Committed}), then under the counter's lock
   * {@code min(available, max(0, used + amount - allowance - creditDrawn))} units are drawn from the credits active at
   * the entry's instant, as {@link #writeDrawingCredits} draws for an unconditional write, and the counter returned
   * includes them. A commit is never refused for want of credit (its hold was admitted against the ceiling when it
   * was reserved): a credit that expired or was revoked since the reserve gives nothing, and what the commit records
   * beyond what the credits still hold is recorded all the same. A credit revoked or given since the state was read
   * changes the tenant's version, so such a commit comes back {@link CommitOutcome.Stale}.
   *
   * @param tenant the tenant
   * @param id the reservation
   * @param entry the usage to record
   * @param allowance the ceiling without credits: the limit plus the period's raises, saturating
   * @param expectedVersion the version the allowance and the entry's period were computed from
   * @param now the time of the write
   * @return the outcome, as {@link #commit}'s
   */
  CommitOutcome commitDrawingCredits(TenantId tenant, ReservationId id, LedgerEntry entry, long allowance,
      long expectedVersion, Instant now);

  /**
   * Ends an open, unexpired reservation without recording usage, in every counter it holds in. An expired one is left unchanged
   * ({@link ReleaseOutcome#ALREADY_ENDED}) so that a late commit still records its usage.
   *
   * @param tenant the tenant
   * @param id the reservation
   * @param now the time of the write
   * @return the outcome
   */
  ReleaseOutcome release(TenantId tenant, ReservationId id, Instant now);

  /**
   * Reads the state of a tenant and of each of its ancestors, as {@link #read} reads one: the tenant first, then its
   * parent ({@link TenantState#parent}), up to the root. The default calls {@link #read} per level; a store overrides
   * it to read the whole path at once. A path that meets a tenant twice or grows longer than
   * {@link dev.quota.admin.QuotaAdmin#MAX_TREE_DEPTH} (which {@link AdminStore#setParent} never writes) ends there.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param now the time of the read
   * @return one state per level, the tenant's first; a tenant without a parent has a path of one
   */
  default List<TenantState> readPath(TenantId tenant, Meter meter, Instant now) {
    return PathReads.follow(tenant, t -> read(t, meter, now));
  }

  /**
   * Reads like {@link #readPath}, never from a cache, as {@link #readLatest} reads one state.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param now the time of the read
   * @return one state per level, the tenant's first
   */
  default List<TenantState> readLatestPath(TenantId tenant, Meter meter, Instant now) {
    return PathReads.follow(tenant, t -> readLatest(t, meter, now));
  }

  /**
   * A usage write on every level of a tenant's path and in every window of the meter, atomically: the guard calls it
   * instead of {@link #consume} or {@link #append} when the tenant has a parent or the meter has short windows. In one
   * transaction:
   * <ol>
   *   <li>the write's counters are locked in {@link PathCounter#compareLockOrder} order (created empty if missing);</li>
   *   <li>if any level's version differs from its counter's {@code expectedVersion}: {@link PathOutcome.Stale};</li>
   *   <li>if the key is in the ledger for the entry's tenant and meter: {@link PathOutcome.Duplicate};</li>
   *   <li>when {@code conditional}, if some counter has {@code used + reserved + amount > ceiling} (reserved counting
   *       only holds unexpired at the entry's time): {@link PathOutcome.Insufficient} naming the first such counter in
   *       the write's order;</li>
   *   <li>else the entry is written once, keeping {@link PathWrite#path} as what it counted against, and its amount is
   *       added to every counter's {@code used}: {@link PathOutcome.Written}.</li>
   * </ol>
   * Outcomes other than {@code Written} write nothing anywhere. One-time credits are not drawn by such writes: a
   * counter's {@code creditDrawn} is reported as stored.
   *
   * @param entry the usage, of the path's first tenant; its period is the first level's {@link dev.quota.Window#PERIOD}
   * @param write the path and its counters
   * @param conditional whether the write is refused when it does not fit ({@code tryConsume}); else it is written
   *     whatever the balance ({@code record}, bypass, shadow mode)
   * @return the outcome
   * @throws UnsupportedOperationException if the store does not support paths and windows (the default)
   */
  default PathOutcome consumePath(LedgerEntry entry, PathWrite write, boolean conditional) {
    throw PathReads.unsupported(this);
  }

  /**
   * Opens a reservation held in every counter of a {@link PathWrite}, atomically, with the decision and the outcomes
   * of {@link #consumePath} (a duplicate cannot happen: reservation ids are new). The store remembers the counters the
   * hold counts in: {@link #commit}, {@link #commitPath}, {@link #release} and expiry end it in every one of them.
   *
   * @param reservation the hold, of the path's first tenant
   * @param write the path and its counters
   * @param conditional whether the hold is refused when it does not fit; else it is taken whatever the balance
   * @param now the time of the write
   * @return {@link PathOutcome.Written}, {@link PathOutcome.Insufficient} or {@link PathOutcome.Stale}
   * @throws UnsupportedOperationException if the store does not support paths and windows (the default)
   */
  default PathOutcome reservePath(StoredReservation reservation, PathWrite write, boolean conditional, Instant now) {
    throw PathReads.unsupported(this);
  }

  /**
   * Ends an open reservation by recording its usage on a path, atomically: the hold leaves every counter it was taken
   * in (by {@link #reserve} or {@link #reservePath}), and the entry is written once, keeping {@link PathWrite#path}
   * (the tenant's path at the commit) and added to every counter of {@code write} (the windows current at the commit).
   * Never refused for the balance: the usage happened; the ceilings are ignored. Every other outcome is
   * {@link #commit}'s; a changed version of any level is {@link CommitOutcome.Stale}. The counter in the outcome is
   * the first of {@code write}'s counters.
   *
   * @param tenant the tenant
   * @param id the reservation
   * @param entry the usage to record
   * @param write the tenant's path at the commit and its counters
   * @param now the time of the write
   * @return the outcome
   * @throws UnsupportedOperationException if the store does not support paths and windows (the default)
   */
  default CommitOutcome commitPath(TenantId tenant, ReservationId id, LedgerEntry entry, PathWrite write, Instant now) {
    throw PathReads.unsupported(this);
  }

  /**
   * The last state this store read for a tenant and meter, for {@link dev.quota.FailurePolicy#lastKnownState}.
   * The default remembers nothing and returns empty, which makes that policy deny: safe, and right for a store
   * without a cache.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @return the state and when it was read, if known
   */
  default Optional<QuotaStore.KnownState> lastKnown(TenantId tenant, Meter meter) {
    return Optional.empty();
  }
}

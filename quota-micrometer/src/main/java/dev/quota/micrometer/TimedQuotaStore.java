package dev.quota.micrometer;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.CreditCheck;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PlanSource;
import dev.quota.admin.PurgeSummary;
import dev.quota.admin.Revocation;
import dev.quota.alert.Delivery;
import dev.quota.alert.DeliveryState;
import dev.quota.alert.Notification;
import dev.quota.micrometer.StoreTimers.StoreOperation;
import dev.quota.spi.CommitOutcome;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.ParentOutcome;
import dev.quota.spi.PathOutcome;
import dev.quota.spi.PathWrite;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.ReleaseOutcome;
import dev.quota.spi.RevokeOutcome;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.spi.StoredReservation;
import dev.quota.spi.StoredServiceConfiguration;
import dev.quota.spi.TenantState;
import dev.quota.spi.UsageListing;
import dev.quota.spi.WriteOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Times every call of a store and follows the holds it opens. Every method of {@link QuotaStore} is
 * overridden, including those with a default, so that a store's own implementation of a default (a cache's
 * {@link #lastKnown}, a batch {@link #appendAll}) is never replaced by the interface's. It is
 * {@link AutoCloseable} for the same reason: closing it closes the store it times, if that one is closeable, so
 * that {@link dev.quota.Quota#close()} reaches the real store through the wrapper.
 */
final class TimedQuotaStore implements QuotaStore, AutoCloseable {
  private final QuotaStore delegate;
  private final StoreTimers timers;
  private final OpenHolds holds;
  private final EntitlementCounters entitlementCounters;

  TimedQuotaStore(QuotaStore delegate, StoreTimers timers, OpenHolds holds, EntitlementCounters entitlementCounters) {
    this.delegate = delegate;
    this.timers = timers;
    this.holds = holds;
    this.entitlementCounters = entitlementCounters;
  }

  @Override
  public TenantState read(TenantId tenant, Meter meter, Instant now) {
    return timers.time(StoreOperation.READ, () -> delegate.read(tenant, meter, now));
  }

  @Override
  public TenantState readLatest(TenantId tenant, Meter meter, Instant now) {
    return timers.time(StoreOperation.READ_LATEST, () -> delegate.readLatest(tenant, meter, now));
  }

  @Override
  public Page<UsageListing.Row> listUsage(UsageListing listing) {
    return timers.time(StoreOperation.LIST_USAGE, () -> delegate.listUsage(listing));
  }

  @Override
  public WriteOutcome consume(LedgerEntry entry, long ceiling, long expectedVersion) {
    return timers.time(StoreOperation.CONSUME, () -> delegate.consume(entry, ceiling, expectedVersion));
  }

  @Override
  public WriteOutcome writeDrawingCredits(LedgerEntry entry, long allowance, boolean conditional,
      long expectedVersion) {
    return timers.time(StoreOperation.CONSUME,
        () -> delegate.writeDrawingCredits(entry, allowance, conditional, expectedVersion));
  }

  @Override
  public WriteOutcome append(LedgerEntry entry, long expectedVersion) {
    return timers.time(StoreOperation.APPEND, () -> delegate.append(entry, expectedVersion));
  }

  @Override
  public List<WriteOutcome> appendAll(List<LedgerEntry> entries, long expectedVersion) {
    return timers.time(StoreOperation.APPEND_ALL, () -> delegate.appendAll(entries, expectedVersion));
  }

  @Override
  public WriteOutcome reserve(StoredReservation reservation, long ceiling, long expectedVersion, Instant now) {
    WriteOutcome outcome = timers.time(StoreOperation.RESERVE,
        () -> delegate.reserve(reservation, ceiling, expectedVersion, now));
    if (outcome instanceof WriteOutcome.Written) {
      holds.opened(reservation);
    }
    return outcome;
  }

  @Override
  public CommitOutcome commit(TenantId tenant, ReservationId id, LedgerEntry entry, long expectedVersion, Instant now) {
    return holdEnded(id, entry, timers.time(StoreOperation.COMMIT,
        () -> delegate.commit(tenant, id, entry, expectedVersion, now)));
  }

  @Override
  public CommitOutcome commitDrawingCredits(TenantId tenant, ReservationId id, LedgerEntry entry, long allowance,
      long expectedVersion, Instant now) {
    return holdEnded(id, entry, timers.time(StoreOperation.COMMIT,
        () -> delegate.commitDrawingCredits(tenant, id, entry, allowance, expectedVersion, now)));
  }

  /** Forgets the hold of a commit that ended it, whichever commit it was; returns the outcome. */
  private CommitOutcome holdEnded(ReservationId id, LedgerEntry entry, CommitOutcome outcome) {
    // An exhaustive switch, so that a new outcome makes whoever adds it decide whether the hold ended.
    boolean ended = switch (outcome) {
      case CommitOutcome.Committed c -> true;
      // the hold ends only if the key holds this very amount; else the guard reports a conflict
      case CommitOutcome.Duplicate d -> d.recordedAmount() == entry.amount();
      case CommitOutcome.Released r -> true;
      case CommitOutcome.CommittedUnderOtherKey k -> true;
      case CommitOutcome.NotFound n -> true;
      case CommitOutcome.WrongMeter w -> false;
      case CommitOutcome.Stale s -> false;
    };
    if (ended) {
      holds.ended(id);
    }
    return outcome;
  }

  @Override
  public List<TenantState> readPath(TenantId tenant, Meter meter, Instant now) {
    return timers.time(StoreOperation.READ_PATH, () -> delegate.readPath(tenant, meter, now));
  }

  @Override
  public List<TenantState> readLatestPath(TenantId tenant, Meter meter, Instant now) {
    return timers.time(StoreOperation.READ_LATEST_PATH, () -> delegate.readLatestPath(tenant, meter, now));
  }

  @Override
  public PathOutcome consumePath(LedgerEntry entry, PathWrite write, boolean conditional) {
    return timers.time(StoreOperation.CONSUME_PATH, () -> delegate.consumePath(entry, write, conditional));
  }

  @Override
  public PathOutcome reservePath(StoredReservation reservation, PathWrite write, boolean conditional, Instant now) {
    PathOutcome outcome = timers.time(StoreOperation.RESERVE_PATH,
        () -> delegate.reservePath(reservation, write, conditional, now));
    if (outcome instanceof PathOutcome.Written) {
      holds.opened(reservation);
    }
    return outcome;
  }

  @Override
  public CommitOutcome commitPath(TenantId tenant, ReservationId id, LedgerEntry entry, PathWrite write, Instant now) {
    return holdEnded(id, entry, timers.time(StoreOperation.COMMIT_PATH,
        () -> delegate.commitPath(tenant, id, entry, write, now)));
  }

  @Override
  public ReleaseOutcome release(TenantId tenant, ReservationId id, Instant now) {
    ReleaseOutcome outcome = timers.time(StoreOperation.RELEASE, () -> delegate.release(tenant, id, now));
    holds.ended(id);
    return outcome;
  }

  @Override
  public void addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements, AuditEntry audit) {
    timers.time(StoreOperation.ADD_ENTITLEMENTS, () -> delegate.addEntitlements(tenant, entitlements, audit));
    entitlementCounters.added(entitlements);
  }

  @Override
  public boolean addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements, AuditEntry audit,
      long expectedVersion) {
    boolean added = timers.time(StoreOperation.ADD_ENTITLEMENTS,
        () -> delegate.addEntitlements(tenant, entitlements, audit, expectedVersion));
    if (added) {
      entitlementCounters.added(entitlements);
    }
    return added;
  }

  @Override
  public boolean addRollover(Grant rollover, AuditEntry audit) {
    return timers.time(StoreOperation.ADD_ENTITLEMENTS, () -> delegate.addRollover(rollover, audit));
  }

  @Override
  public Optional<Entitlement> findEntitlement(EntitlementId id) {
    return timers.time(StoreOperation.FIND_ENTITLEMENT, () -> delegate.findEntitlement(id));
  }

  @Override
  public RevokeOutcome revoke(TenantId tenant, EntitlementId id, Revocation revocation, AuditEntry audit) {
    RevokeOutcome outcome = timers.time(StoreOperation.REVOKE, () -> delegate.revoke(tenant, id, revocation, audit));
    if (outcome instanceof RevokeOutcome.Revoked revoked) {
      entitlementCounters.revoked(revoked.entitlement());
    }
    return outcome;
  }

  @Override
  public List<Entitlement> entitlements(TenantId tenant) {
    return timers.time(StoreOperation.ENTITLEMENTS, () -> delegate.entitlements(tenant));
  }

  @Override
  public boolean knowsTenant(TenantId tenant) {
    return timers.time(StoreOperation.KNOWS_TENANT, () -> delegate.knowsTenant(tenant));
  }

  @Override
  public List<TenantId> knownTenantsLike(TenantId tenant, int limit) {
    return timers.time(StoreOperation.KNOWN_TENANTS_LIKE, () -> delegate.knownTenantsLike(tenant, limit));
  }

  @Override
  public PlanSource planSource() {
    return delegate.planSource();
  }

  @Override
  public Optional<StoredServiceConfiguration> latestServiceConfiguration() {
    return delegate.latestServiceConfiguration(); // read once at start-up: not worth a timer
  }

  @Override
  public boolean appendServiceConfiguration(StoredServiceConfiguration next) {
    return delegate.appendServiceConfiguration(next);
  }

  @Override
  public void setPlan(TenantId tenant, Plan plan, Map<Meter, Period> currentPeriods, AuditEntry audit) {
    timers.time(StoreOperation.SET_PLAN, () -> delegate.setPlan(tenant, plan, currentPeriods, audit));
  }

  @Override
  public ParentOutcome setParent(TenantId tenant, Optional<TenantId> parent, int maxDepth, AuditEntry audit) {
    return timers.time(StoreOperation.SET_PARENT, () -> delegate.setParent(tenant, parent, maxDepth, audit));
  }

  @Override
  public Page<TenantId> children(TenantId tenant, PageRequest page) {
    return timers.time(StoreOperation.CHILDREN, () -> delegate.children(tenant, page));
  }

  @Override
  public int compactWindows(Instant endedBefore, int max) {
    return timers.time(StoreOperation.COMPACT_WINDOWS, () -> delegate.compactWindows(endedBefore, max));
  }

  @Override
  public Page<AuditEntry> audit(AuditQuery query, PageRequest page) {
    return timers.time(StoreOperation.AUDIT, () -> delegate.audit(query, page));
  }

  @Override
  public Page<LedgerEntry> ledger(TenantId tenant, PageRequest page) {
    return timers.time(StoreOperation.LEDGER, () -> delegate.ledger(tenant, page));
  }

  @Override
  public PurgeSummary previewPurge(TenantId tenant, Instant since) {
    return timers.time(StoreOperation.PREVIEW_PURGE, () -> delegate.previewPurge(tenant, since));
  }

  @Override
  public PurgeSummary purge(TenantId tenant, Instant since, Function<PurgeSummary, AuditEntry> audit) {
    return timers.time(StoreOperation.PURGE, () -> delegate.purge(tenant, since, audit));
  }

  @Override
  public boolean markAlertFired(Notification notification, Collection<String> channels) {
    return timers.time(StoreOperation.MARK_ALERT_FIRED, () -> delegate.markAlertFired(notification, channels));
  }

  @Override
  public boolean rearmAlerts(TenantId tenant, Meter meter, Period period, Collection<Integer> thresholdPercents,
      @Nullable Notification unblocked, Collection<String> channels) {
    return timers.time(StoreOperation.REARM_ALERTS,
        () -> delegate.rearmAlerts(tenant, meter, period, thresholdPercents, unblocked, channels));
  }

  @Override
  public List<Delivery> claimDeliveries(Collection<String> channels, String claimer, Instant now, Duration lease,
      int max) {
    return timers.time(StoreOperation.CLAIM_DELIVERIES,
        () -> delegate.claimDeliveries(channels, claimer, now, lease, max));
  }

  @Override
  public boolean recordDelivered(UUID notificationId, String channel, String claimer, Instant now) {
    return timers.time(StoreOperation.RECORD_DELIVERY,
        () -> delegate.recordDelivered(notificationId, channel, claimer, now));
  }

  @Override
  public boolean recordFailure(UUID notificationId, String channel, String claimer, Instant now, String error,
      @Nullable Instant retryAt) {
    return timers.time(StoreOperation.RECORD_DELIVERY,
        () -> delegate.recordFailure(notificationId, channel, claimer, now, error, retryAt));
  }

  @Override
  public List<Delivery> deliveries(DeliveryState state, int max) {
    return timers.time(StoreOperation.LIST_DELIVERIES, () -> delegate.deliveries(state, max));
  }

  @Override
  public Optional<Delivery> delivery(UUID notificationId, String channel) {
    return timers.time(StoreOperation.LIST_DELIVERIES, () -> delegate.delivery(notificationId, channel));
  }

  @Override
  public long countDeliveries(DeliveryState state) {
    return timers.time(StoreOperation.LIST_DELIVERIES, () -> delegate.countDeliveries(state));
  }

  @Override
  public boolean requeue(UUID notificationId, String channel, Instant now, String requeuedBy, String reason) {
    return timers.time(StoreOperation.REQUEUE, () -> delegate.requeue(notificationId, channel, now, requeuedBy,
        reason));
  }

  @Override
  public int purgeDelivered(Instant before, int max) {
    return timers.time(StoreOperation.PURGE_DELIVERED, () -> delegate.purgeDelivered(before, max));
  }

  @Override
  public List<Long> usageHistory(TenantId tenant, Meter meter, List<Instant> edges) {
    return timers.time(StoreOperation.USAGE_HISTORY, () -> delegate.usageHistory(tenant, meter, edges));
  }

  @Override
  public List<CounterCheck> verify(TenantId tenant) {
    return timers.time(StoreOperation.VERIFY, () -> delegate.verify(tenant));
  }

  @Override
  public List<CreditCheck> verifyCredits(TenantId tenant) {
    return timers.time(StoreOperation.VERIFY, () -> delegate.verifyCredits(tenant));
  }

  @Override
  public Optional<KnownState> lastKnown(TenantId tenant, Meter meter) {
    // a memory lookup the guard makes only during an outage: passed on untimed
    return delegate.lastKnown(tenant, meter);
  }

  /**
   * Closes the timed store if it is closeable.
   *
   * @throws StoreUnavailableException if it failed to close with a checked exception; a runtime exception is
   *     passed on as it is
   */
  @Override
  public void close() {
    if (delegate instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new StoreUnavailableException("the store " + delegate + " failed to close", e);
      }
    }
  }

  @Override
  public String toString() {
    return "timed " + delegate;
  }
}

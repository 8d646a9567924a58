package dev.quota.support;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PurgeSummary;
import dev.quota.admin.Revocation;
import dev.quota.alert.Delivery;
import dev.quota.alert.DeliveryState;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationKind;
import dev.quota.internal.Checks;
import dev.quota.spi.CommitOutcome;
import dev.quota.spi.Counter;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.ParentOutcome;
import dev.quota.spi.PathCounter;
import dev.quota.spi.PathOutcome;
import dev.quota.spi.PathWrite;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.ReleaseOutcome;
import dev.quota.spi.RevokeOutcome;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.spi.StoredReservation;
import dev.quota.spi.TenantState;
import dev.quota.spi.TenantSuggestions;
import dev.quota.spi.UsageListing;
import dev.quota.spi.WriteOutcome;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A small, synchronized, map-based double of quota's own storage SPI, for quota-core's tests of the guard
 * and the admin port. It keeps the SPI's semantics in the simplest way (counters are summed from the ledger
 * on every read) and adds what those tests need to observe and break:
 *
 * <ul>
 *   <li>{@link #failing(boolean)}: every call throws {@link StoreUnavailableException} until switched off,
 *       and {@link #failingAlertMarks(boolean)}: only marking alerts does, {@link #failingCommits(boolean)}: only
 *       commits do;</li>
 *   <li>{@link #staleWrites(boolean)}: every write that carries the tenant's version is refused as stale, as if
 *       an admin change had come in just before it;</li>
 *   <li>{@link #writes()}: how many write primitives reached the store;</li>
 *   <li>{@link #rememberReads(boolean)}: successful reads are kept for {@link QuotaStore#lastKnown}, as a
 *       caching backend would.</li>
 * </ul>
 *
 * <p>It is not the reference model (that is quota-testkit's in-memory store, which depends on quota-core
 * and so cannot be used here) and makes no attempt at the plan-change ledger move of {@link #setPlan}.
 */
public final class SimpleStore implements QuotaStore {
  private final Map<TenantId, TenantData> tenants = new HashMap<>();
  private final List<AuditEntry> auditLog = new ArrayList<>();
  private final Set<List<Object>> firedAlerts = new HashSet<>();
  private final Map<List<Object>, KnownState> known = new HashMap<>();
  private final List<Integer> alertMarks = new ArrayList<>();
  /** What path writes counted: each entry's amount in every counter of its write, the writer's included. */
  private final List<Contribution> contributions = new ArrayList<>();
  /** Entries written on a path: they count through {@link #contributions}, not as flat entries of their period. */
  private final Set<LedgerEntry> pathEntries = Collections.newSetFromMap(new java.util.IdentityHashMap<>());

  private record Contribution(LedgerEntry entry, TenantId tenant, Period period) {}
  private final List<Delivery> outbox = new ArrayList<>();
  private boolean failing;
  private boolean failingAlertMarks;
  private boolean failingCommits;
  private boolean losingReserveAnswers;
  private boolean staleWrites;
  private Runnable beforeEntitlementWrite;
  private boolean rememberReads;
  private int writes;
  private int calls;

  private static final class TenantData {
    Optional<Plan> plan = Optional.empty();
    Optional<TenantId> parent = Optional.empty();
    final List<Entitlement> entitlements = new ArrayList<>();
    long version;
    final List<LedgerEntry> ledger = new ArrayList<>();
    final Map<ReservationId, Hold> holds = new LinkedHashMap<>();
  }

  private static final class Hold {
    final StoredReservation reservation;
    /** For a hold taken on a path, the counters (tenant, period) it holds in; null for a flat hold. */
    final @Nullable Set<List<Object>> counters;
    boolean released;
    UsageKey committedUnder;

    Hold(StoredReservation reservation) {
      this(reservation, null);
    }

    Hold(StoredReservation reservation, @Nullable Set<List<Object>> counters) {
      this.reservation = reservation;
      this.counters = counters;
    }

    /** Whether this hold counts in a tenant's counter of a meter and period. */
    boolean holdsIn(TenantId tenant, Meter meter, Period period) {
      if (!reservation.meter().equals(meter)) {
        return false;
      }
      return counters == null ? reservation.tenant().equals(tenant) && reservation.period().equals(period)
          : counters.contains(List.of(tenant, period));
    }

    boolean open() {
      return !released && committedUnder == null;
    }
  }

  // --- test controls ------------------------------------------------------------------------------

  /** Makes every call throw {@link StoreUnavailableException} (true) or work again (false). */
  public synchronized SimpleStore failing(boolean failing) {
    this.failing = failing;
    return this;
  }

  /** Makes only {@link #markAlertFired} throw {@link StoreUnavailableException}: the store fails mid-way. */
  public synchronized SimpleStore failingAlertMarks(boolean failing) {
    this.failingAlertMarks = failing;
    return this;
  }

  /**
   * Makes {@link #reserve} write its hold and then throw {@link StoreUnavailableException}: the database committed
   * and the connection died before the answer arrived.
   */
  public synchronized SimpleStore losingReserveAnswers(boolean losing) {
    this.losingReserveAnswers = losing;
    return this;
  }

  /** @return the holds of a tenant that are neither committed nor released */
  public synchronized long openHolds(TenantId tenant) {
    return data(tenant).holds.values().stream().filter(Hold::open).count();
  }

  /** Makes only {@link #commit} throw {@link StoreUnavailableException}: the outage starts with a commit. */
  public synchronized SimpleStore failingCommits(boolean failing) {
    this.failingCommits = failing;
    return this;
  }

  /**
   * Refuses every write that carries the tenant's version as stale (true), writing nothing, or decides them by
   * the version again (false): an admin change that comes in between every read and write.
   */
  public synchronized SimpleStore staleWrites(boolean stale) {
    this.staleWrites = stale;
    return this;
  }

  /**
   * Runs something once, just before the next conditional entitlement write checks the version: another admin
   * change that comes in between a change's read and its write.
   */
  public synchronized SimpleStore beforeNextEntitlementWrite(Runnable hook) {
    this.beforeEntitlementWrite = hook;
    return this;
  }

  /** Keeps successful reads for {@link #lastKnown}, as a store with a cache would. */
  public synchronized SimpleStore rememberReads(boolean remember) {
    this.rememberReads = remember;
    return this;
  }

  /** @return how many write primitives reached the store (refused or not), failures excluded */
  public synchronized int writes() {
    return writes;
  }

  /** @return how many calls of any kind reached the store, failures included */
  public synchronized int calls() {
    return calls;
  }

  /** @return every threshold marked as fired, in the order they were marked */
  public synchronized List<Integer> alertMarks() {
    return List.copyOf(alertMarks);
  }

  /** @return the ledger of a tenant, oldest first */
  public synchronized List<LedgerEntry> ledger(TenantId tenant) {
    TenantData data = tenants.get(tenant);
    return data == null ? List.of() : List.copyOf(data.ledger);
  }

  /** @return the whole audit log, oldest first */
  public synchronized List<AuditEntry> auditLog() {
    return List.copyOf(auditLog);
  }

  /** Sets a tenant's plan directly, without an audit entry: test arrangement only. */
  public synchronized SimpleStore givenPlan(TenantId tenant, Plan plan) {
    TenantData data = data(tenant);
    data.plan = Optional.of(plan);
    data.version++;
    return this;
  }

  /** Records usage directly, unconditionally: test arrangement only. */
  public synchronized SimpleStore givenUsage(LedgerEntry entry) {
    data(entry.tenant()).ledger.add(entry);
    return this;
  }

  private void enter(boolean write) {
    calls++;
    if (failing) {
      throw new StoreUnavailableException("store switched off by the test",
          new IOException("connection refused"));
    }
    if (write) {
      writes++;
    }
  }

  private TenantData data(TenantId tenant) {
    return tenants.computeIfAbsent(tenant, t -> new TenantData());
  }

  // --- reads ----------------------------------------------------------------------------------------

  @Override
  public synchronized TenantState read(TenantId tenant, Meter meter, Instant now) {
    enter(false);
    TenantState state = stateOf(tenant, meter, now);
    if (rememberReads) {
      known.put(List.of(tenant, meter), new KnownState(state, now));
    }
    return state;
  }

  private TenantState stateOf(TenantId tenant, Meter meter, Instant now) {
    TenantData data = data(tenant);
    Set<Period> periods = new java.util.LinkedHashSet<>();
    for (LedgerEntry e : data.ledger) {
      if (e.meter().equals(meter) && e.period().contains(now) && !pathEntries.contains(e)) {
        periods.add(e.period());
      }
    }
    for (Contribution c : contributions) {
      if (c.tenant().equals(tenant) && c.entry().meter().equals(meter) && c.period().contains(now)) {
        periods.add(c.period());
      }
    }
    for (TenantData other : tenants.values()) {
      for (Hold h : other.holds.values()) {
        if (!h.open() || !h.reservation.meter().equals(meter) || !now.isBefore(h.reservation.expiresAt())) {
          continue;
        }
        if (h.counters == null) {
          if (h.reservation.tenant().equals(tenant) && h.reservation.period().contains(now)) {
            periods.add(h.reservation.period());
          }
        } else {
          for (List<Object> key : h.counters) {
            if (key.get(0).equals(tenant) && ((Period) key.get(1)).contains(now)) {
              periods.add((Period) key.get(1));
            }
          }
        }
      }
    }
    List<Counter> counters = new ArrayList<>();
    for (Period period : periods) {
      Counter c = counter(tenant, meter, period, now);
      if (c.used() != 0 || c.reserved() != 0) {
        counters.add(c);
      }
    }
    return new TenantState(data.plan, data.entitlements, data.version, counters, data.parent);
  }

  @Override
  public synchronized TenantState readLatest(TenantId tenant, Meter meter, Instant now) {
    return read(tenant, meter, now);
  }

  @Override
  public synchronized Page<UsageListing.Row> listUsage(UsageListing listing) {
    enter(false);
    List<UsageListing.Row> rows = new ArrayList<>();
    tenants.forEach((tenant, data) -> {
      TenantState state = stateOf(tenant, listing.meter(), listing.now());
      if (listing.query().matches(listing.report(tenant, state))) {
        rows.add(new UsageListing.Row(tenant, state));
      }
    });
    rows.sort((x, y) -> listing.query().order().comparator().compare(listing.report(x.tenant(), x.state()),
        listing.report(y.tenant(), y.state())));
    return Page.of(rows, listing.page());
  }

  @Override
  public synchronized boolean knowsTenant(TenantId tenant) {
    enter(false);
    TenantData data = tenants.get(tenant);
    boolean holdsSomething = data != null && (data.plan.isPresent() || !data.entitlements.isEmpty()
        || !data.ledger.isEmpty() || !data.holds.isEmpty());
    return holdsSomething || auditLog.stream().anyMatch(entry -> entry.tenant().equals(tenant));
  }

  @Override
  public dev.quota.admin.PlanSource planSource() {
    return dev.quota.admin.PlanSource.QUOTA_TABLE;
  }

  @Override
  public synchronized java.util.Optional<dev.quota.spi.StoredServiceConfiguration> latestServiceConfiguration() {
    return serviceConfigurations.isEmpty() ? java.util.Optional.empty()
        : java.util.Optional.of(serviceConfigurations.get(serviceConfigurations.size() - 1));
  }

  @Override
  public synchronized boolean appendServiceConfiguration(dev.quota.spi.StoredServiceConfiguration next) {
    if (next.version() != serviceConfigurations.size() + 1) {
      return false;
    }
    serviceConfigurations.add(next);
    return true;
  }

  private final List<dev.quota.spi.StoredServiceConfiguration> serviceConfigurations = new java.util.ArrayList<>();

  @Override
  public synchronized List<TenantId> knownTenantsLike(TenantId tenant, int limit) {
    enter(false);
    TenantSuggestions suggestions = TenantSuggestions.forUnknown(tenant);
    Set<TenantId> candidates = new HashSet<>(tenants.keySet());
    auditLog.forEach(entry -> candidates.add(entry.tenant()));
    for (TenantId candidate : candidates) {
      if (knowsTenant(candidate)) {
        suggestions.offer(candidate);
      }
    }
    return suggestions.closest(limit);
  }

  @Override
  public synchronized Optional<KnownState> lastKnown(TenantId tenant, Meter meter) {
    // Served from memory, like a cache: it answers while the store itself does not.
    return Optional.ofNullable(known.get(List.of(tenant, meter)));
  }

  // --- usage writes -----------------------------------------------------------------------------------

  @Override
  public synchronized WriteOutcome consume(LedgerEntry entry, long ceiling, long expectedVersion) {
    enter(true);
    return write(entry, ceiling, expectedVersion);
  }

  @Override
  public synchronized WriteOutcome append(LedgerEntry entry, long expectedVersion) {
    enter(true);
    return write(entry, Long.MAX_VALUE, expectedVersion);
  }

  private WriteOutcome write(LedgerEntry entry, long ceiling, long expectedVersion) {
    TenantData data = data(entry.tenant());
    if (staleWrites || data.version != expectedVersion) {
      return new WriteOutcome.Stale();
    }
    Counter before = counter(entry.tenant(), entry.meter(), entry.period(), entry.occurredAt());
    Optional<LedgerEntry> existing = data.ledger.stream()
        .filter(e -> e.meter().equals(entry.meter()) && e.key().equals(entry.key())).findFirst();
    if (existing.isPresent()) {
      return new WriteOutcome.Duplicate(existing.get().amount(), before);
    }
    long taken = Checks.saturatedAdd(before.used(), before.reserved());
    if (Checks.saturatedAdd(taken, entry.amount()) > ceiling) {
      return new WriteOutcome.Insufficient(before);
    }
    data.ledger.add(entry);
    return new WriteOutcome.Written(counter(entry.tenant(), entry.meter(), entry.period(), entry.occurredAt()));
  }

  private Counter counter(TenantId tenant, Meter meter, Period period, Instant now) {
    long used = 0;
    long reserved = 0;
    for (LedgerEntry e : data(tenant).ledger) {
      if (e.meter().equals(meter) && e.period().equals(period) && !pathEntries.contains(e)) {
        used += e.amount();
      }
    }
    for (Contribution c : contributions) {
      if (c.tenant().equals(tenant) && c.entry().meter().equals(meter) && c.period().equals(period)) {
        used += c.entry().amount();
      }
    }
    for (TenantData other : tenants.values()) {
      for (Hold h : other.holds.values()) {
        if (h.open() && h.holdsIn(tenant, meter, period) && now.isBefore(h.reservation.expiresAt())) {
          reserved += h.reservation.amount();
        }
      }
    }
    return new Counter(period, used, reserved);
  }

  @Override
  public synchronized WriteOutcome reserve(StoredReservation reservation, long ceiling, long expectedVersion,
      Instant now) {
    enter(true);
    TenantData data = data(reservation.tenant());
    if (staleWrites || data.version != expectedVersion) {
      return new WriteOutcome.Stale();
    }
    Counter before = counter(reservation.tenant(), reservation.meter(), reservation.period(), now);
    long taken = Checks.saturatedAdd(before.used(), before.reserved());
    if (Checks.saturatedAdd(taken, reservation.amount()) > ceiling) {
      return new WriteOutcome.Insufficient(before);
    }
    data.holds.put(reservation.id(), new Hold(reservation));
    if (losingReserveAnswers) {
      throw new StoreUnavailableException("the answer to a committed reserve was lost", new IOException("reset"));
    }
    return new WriteOutcome.Written(counter(reservation.tenant(), reservation.meter(), reservation.period(), now));
  }

  @Override
  public synchronized CommitOutcome commit(TenantId tenant, ReservationId id, LedgerEntry entry,
      long expectedVersion, Instant now) {
    enter(true);
    if (failingCommits) {
      throw new StoreUnavailableException("commit cut off by the test", new IOException("connection reset"));
    }
    TenantData data = data(tenant);
    Hold hold = data.holds.get(id);
    if (hold == null) {
      return new CommitOutcome.NotFound();
    }
    if (hold.released) {
      return new CommitOutcome.Released();
    }
    if (hold.committedUnder != null && !hold.committedUnder.equals(entry.key())) {
      return new CommitOutcome.CommittedUnderOtherKey(hold.committedUnder);
    }
    if (staleWrites || data.version != expectedVersion) {
      return new CommitOutcome.Stale();
    }
    Optional<LedgerEntry> existing = data.ledger.stream()
        .filter(e -> e.meter().equals(entry.meter()) && e.key().equals(entry.key())).findFirst();
    if (existing.isPresent()) {
      return new CommitOutcome.Duplicate(existing.get().amount(),
          counter(tenant, entry.meter(), entry.period(), now));
    }
    boolean expired = !now.isBefore(hold.reservation.expiresAt());
    hold.committedUnder = entry.key();
    data.ledger.add(entry);
    return new CommitOutcome.Committed(counter(tenant, entry.meter(), entry.period(), now), expired);
  }

  /** This store keeps no one-time credits; the guard never draws on them here (no state it returns holds one). */
  @Override
  public WriteOutcome writeDrawingCredits(LedgerEntry entry, long allowance, boolean conditional,
      long expectedVersion) {
    throw new UnsupportedOperationException("SimpleStore keeps no one-time credits");
  }

  /** This store keeps no one-time credits; the guard never draws on them here (no state it returns holds one). */
  @Override
  public CommitOutcome commitDrawingCredits(TenantId tenant, ReservationId id, LedgerEntry entry, long allowance,
      long expectedVersion, Instant now) {
    throw new UnsupportedOperationException("SimpleStore keeps no one-time credits");
  }

  // --- path writes ----------------------------------------------------------------------------------

  @Override
  public synchronized PathOutcome consumePath(LedgerEntry entry, PathWrite write, boolean conditional) {
    enter(true);
    if (stale(write)) {
      return new PathOutcome.Stale();
    }
    Instant at = entry.occurredAt();
    List<Counter> before = counters(write, entry.meter(), at);
    Optional<LedgerEntry> existing = data(entry.tenant()).ledger.stream()
        .filter(e -> e.meter().equals(entry.meter()) && e.key().equals(entry.key())).findFirst();
    if (existing.isPresent()) {
      return new PathOutcome.Duplicate(existing.get().amount(), before);
    }
    if (conditional) {
      int refused = firstRefusal(write, before, entry.amount());
      if (refused >= 0) {
        return new PathOutcome.Insufficient(refused, before);
      }
    }
    addOnPath(entry, write);
    return new PathOutcome.Written(counters(write, entry.meter(), at));
  }

  @Override
  public synchronized PathOutcome reservePath(StoredReservation reservation, PathWrite write, boolean conditional,
      Instant now) {
    enter(true);
    if (stale(write)) {
      return new PathOutcome.Stale();
    }
    List<Counter> before = counters(write, reservation.meter(), now);
    if (conditional) {
      int refused = firstRefusal(write, before, reservation.amount());
      if (refused >= 0) {
        return new PathOutcome.Insufficient(refused, before);
      }
    }
    Set<List<Object>> keys = new HashSet<>();
    write.counters().forEach(c -> keys.add(List.of(c.tenant(), c.period())));
    data(reservation.tenant()).holds.put(reservation.id(), new Hold(reservation, keys));
    if (losingReserveAnswers) {
      throw new StoreUnavailableException("the answer to a committed reserve was lost", new IOException("reset"));
    }
    return new PathOutcome.Written(counters(write, reservation.meter(), now));
  }

  @Override
  public synchronized CommitOutcome commitPath(TenantId tenant, ReservationId id, LedgerEntry entry,
      PathWrite write, Instant now) {
    enter(true);
    if (failingCommits) {
      throw new StoreUnavailableException("commit cut off by the test", new IOException("connection reset"));
    }
    TenantData data = data(tenant);
    Hold hold = data.holds.get(id);
    if (hold == null) {
      return new CommitOutcome.NotFound();
    }
    if (hold.released) {
      return new CommitOutcome.Released();
    }
    if (!hold.reservation.meter().equals(entry.meter())) {
      return new CommitOutcome.WrongMeter(hold.reservation.meter());
    }
    if (hold.committedUnder != null && !hold.committedUnder.equals(entry.key())) {
      return new CommitOutcome.CommittedUnderOtherKey(hold.committedUnder);
    }
    if (stale(write)) {
      return new CommitOutcome.Stale();
    }
    PathCounter first = write.counters().get(0);
    Optional<LedgerEntry> existing = data.ledger.stream()
        .filter(e -> e.meter().equals(entry.meter()) && e.key().equals(entry.key())).findFirst();
    if (existing.isPresent()) {
      hold.committedUnder = entry.key();
      return new CommitOutcome.Duplicate(existing.get().amount(),
          counter(first.tenant(), entry.meter(), first.period(), now));
    }
    boolean expired = !now.isBefore(hold.reservation.expiresAt());
    hold.committedUnder = entry.key();
    addOnPath(entry, write);
    return new CommitOutcome.Committed(counter(first.tenant(), entry.meter(), first.period(), now), expired);
  }

  private boolean stale(PathWrite write) {
    if (staleWrites) {
      return true;
    }
    for (PathCounter c : write.counters()) {
      if (data(c.tenant()).version != c.expectedVersion()) {
        return true;
      }
    }
    return false;
  }

  private List<Counter> counters(PathWrite write, Meter meter, Instant at) {
    return write.counters().stream().map(c -> counter(c.tenant(), meter, c.period(), at)).toList();
  }

  private static int firstRefusal(PathWrite write, List<Counter> counters, long amount) {
    for (int i = 0; i < counters.size(); i++) {
      long taken = Checks.saturatedAdd(counters.get(i).used(), counters.get(i).reserved());
      if (Checks.saturatedAdd(taken, amount) > write.counters().get(i).ceiling()) {
        return i;
      }
    }
    return -1;
  }

  private void addOnPath(LedgerEntry entry, PathWrite write) {
    data(entry.tenant()).ledger.add(entry);
    pathEntries.add(entry);
    for (PathCounter c : write.counters()) {
      contributions.add(new Contribution(entry, c.tenant(), c.period()));
    }
  }

  @Override
  public synchronized ParentOutcome setParent(TenantId tenant, Optional<TenantId> parent, int maxDepth,
      AuditEntry audit) {
    enter(true);
    if (parent.isPresent()) {
      int depth = 0;
      for (Optional<TenantId> at = parent; at.isPresent(); at = data(at.get()).parent) {
        if (at.get().equals(tenant)) {
          return ParentOutcome.WOULD_CYCLE;
        }
        depth++;
      }
      if (depth + height(tenant) > maxDepth) {
        return ParentOutcome.TOO_DEEP;
      }
    }
    TenantData data = data(tenant);
    data.parent = parent;
    data.version++;
    auditLog.add(audit);
    return ParentOutcome.CHANGED;
  }

  /** The levels of a tenant's subtree: 1 for a tenant without children. */
  private int height(TenantId tenant) {
    int below = 0;
    for (TenantId child : childrenOf(tenant)) {
      below = Math.max(below, height(child));
    }
    return 1 + below;
  }

  private List<TenantId> childrenOf(TenantId tenant) {
    List<TenantId> children = new ArrayList<>();
    tenants.forEach((id, data) -> {
      if (data.parent.isPresent() && data.parent.get().equals(tenant)) {
        children.add(id);
      }
    });
    children.sort(java.util.Comparator.comparing(TenantId::value));
    return children;
  }

  @Override
  public synchronized Page<TenantId> children(TenantId tenant, PageRequest page) {
    enter(false);
    return Page.of(childrenOf(tenant), page);
  }

  /** Sets a parent directly, without checks or audit: test arrangement only. */
  public synchronized SimpleStore givenParent(TenantId tenant, TenantId parent) {
    TenantData data = data(tenant);
    data.parent = Optional.of(parent);
    data.version++;
    return this;
  }

  @Override
  public synchronized ReleaseOutcome release(TenantId tenant, ReservationId id, Instant now) {
    enter(true);
    Hold hold = data(tenant).holds.get(id);
    if (hold == null) {
      return ReleaseOutcome.NOT_FOUND;
    }
    if (hold.committedUnder != null) {
      return ReleaseOutcome.COMMITTED;
    }
    if (hold.released || !now.isBefore(hold.reservation.expiresAt())) {
      hold.released = true;
      return ReleaseOutcome.ALREADY_ENDED;
    }
    hold.released = true;
    return ReleaseOutcome.RELEASED;
  }

  // --- admin writes ---------------------------------------------------------------------------------

  @Override
  public synchronized void addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements,
      AuditEntry audit) {
    enter(true);
    TenantData data = data(tenant);
    data.entitlements.addAll(entitlements);
    data.version++;
    auditLog.add(audit);
  }

  @Override
  public synchronized boolean addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements,
      AuditEntry audit, long expectedVersion) {
    Runnable hook = beforeEntitlementWrite;
    beforeEntitlementWrite = null;
    if (hook != null) {
      hook.run();
    }
    if (staleWrites || data(tenant).version != expectedVersion) {
      enter(false);
      return false;
    }
    addEntitlements(tenant, entitlements, audit);
    return true;
  }

  @Override
  public synchronized Optional<Entitlement> findEntitlement(EntitlementId id) {
    enter(false);
    return tenants.values().stream().flatMap(d -> d.entitlements.stream()).filter(e -> e.id().equals(id))
        .findFirst();
  }

  @Override
  public synchronized RevokeOutcome revoke(TenantId tenant, EntitlementId id, Revocation revocation,
      AuditEntry audit) {
    enter(true);
    TenantData data = data(tenant);
    for (int i = 0; i < data.entitlements.size(); i++) {
      Entitlement e = data.entitlements.get(i);
      if (e.id().equals(id)) {
        if (!e.isActiveAt(revocation.at())) {
          return new RevokeOutcome.AlreadyEnded(e);
        }
        Entitlement revoked = e.revoked(revocation);
        data.entitlements.set(i, revoked);
        data.version++;
        auditLog.add(audit);
        return new RevokeOutcome.Revoked(revoked);
      }
    }
    return new RevokeOutcome.NotFound();
  }

  @Override
  public synchronized List<Entitlement> entitlements(TenantId tenant) {
    enter(false);
    List<Entitlement> newestFirst = new ArrayList<>(data(tenant).entitlements);
    Collections.reverse(newestFirst);
    return newestFirst;
  }

  @Override
  public synchronized void setPlan(TenantId tenant, Plan plan, Map<Meter, Period> currentPeriods,
      AuditEntry audit) {
    enter(true);
    TenantData data = data(tenant);
    data.plan = Optional.of(plan);
    data.version++;
    auditLog.add(audit);
  }

  @Override
  public synchronized Page<LedgerEntry> ledger(TenantId tenant, PageRequest page) {
    enter(false);
    List<LedgerEntry> newestFirst = new ArrayList<>(ledger(tenant));
    newestFirst.sort(java.util.Comparator.comparing(LedgerEntry::occurredAt).reversed()
        .thenComparing(e -> e.meter().name()).thenComparing(e -> e.key().value()));
    return Page.of(newestFirst, page);
  }

  @Override
  public synchronized Page<AuditEntry> audit(AuditQuery query, PageRequest page) {
    enter(false);
    List<AuditEntry> newestFirst = new ArrayList<>();
    for (int i = auditLog.size() - 1; i >= 0; i--) {
      AuditEntry entry = auditLog.get(i);
      if (query.matches(entry)) {
        newestFirst.add(entry);
      }
    }
    return Page.of(newestFirst, page);
  }

  @Override
  public synchronized PurgeSummary previewPurge(TenantId tenant, Instant since) {
    enter(false);
    return summarize(tenant, since);
  }

  private PurgeSummary summarize(TenantId tenant, Instant since) {
    long entries = 0;
    Map<Meter, Long> amounts = new TreeMap<>((a, b) -> a.name().compareTo(b.name()));
    for (LedgerEntry e : data(tenant).ledger) {
      if (!e.occurredAt().isBefore(since)) {
        entries++;
        amounts.merge(e.meter(), e.amount(), Long::sum);
      }
    }
    return new PurgeSummary(tenant, since, entries, amounts);
  }

  @Override
  public synchronized PurgeSummary purge(TenantId tenant, Instant since, Function<PurgeSummary, AuditEntry> audit) {
    enter(true);
    PurgeSummary summary = summarize(tenant, since);
    AuditEntry entry = audit.apply(summary);
    List<LedgerEntry> ledger = data(tenant).ledger;
    for (LedgerEntry e : ledger) {
      if (!e.occurredAt().isBefore(since) && pathEntries.remove(e)) {
        contributions.removeIf(c -> c.entry() == e);
      }
    }
    ledger.removeIf(e -> !e.occurredAt().isBefore(since));
    auditLog.add(entry);
    return summary;
  }

  @Override
  public synchronized boolean markAlertFired(Notification notification, Collection<String> channels) {
    enter(true);
    if (failingAlertMarks) {
      throw new StoreUnavailableException("alert marks switched off by the test", new IOException("connection reset"));
    }
    boolean blocked = notification.kind() == NotificationKind.BLOCKED;
    boolean marked = firedAlerts.add(List.of(notification.tenant(), notification.meter(), notification.period(),
        blocked ? "blocked" : notification.thresholdPercent()));
    if (marked) {
      if (!blocked) {
        alertMarks.add(notification.thresholdPercent());
      }
      queue(notification, channels);
    }
    return marked;
  }

  @Override
  public synchronized boolean rearmAlerts(TenantId tenant, Meter meter, Period period,
      Collection<Integer> thresholdPercents, @Nullable Notification unblocked, Collection<String> channels) {
    enter(true);
    for (int threshold : thresholdPercents) {
      firedAlerts.remove(List.of(tenant, meter, period, threshold));
    }
    if (unblocked != null && firedAlerts.remove(List.of(tenant, meter, period, "blocked"))) {
      queue(unblocked, channels);
      return true;
    }
    return false;
  }

  private void queue(Notification notification, Collection<String> channels) {
    for (String channel : channels) {
      outbox.add(new Delivery(notification, channel, DeliveryState.PENDING, 0, notification.occurredAt(),
          notification.occurredAt(), null, ""));
    }
  }

  /** Every notification written to the outbox, oldest first. */
  public synchronized List<Notification> notifications() {
    return outbox.stream().map(Delivery::notification).distinct().toList();
  }

  // The outbox without leases: the tests that use this store deliver from one thread.

  @Override
  public synchronized List<Delivery> claimDeliveries(Collection<String> channels, String claimer, Instant now,
      Duration lease, int max) {
    enter(false);
    return outbox.stream().filter(d -> d.state() == DeliveryState.PENDING && channels.contains(d.channel())
        && d.nextAttemptAt() != null && !d.nextAttemptAt().isAfter(now)).limit(max).toList();
  }

  @Override
  public synchronized boolean recordDelivered(UUID notificationId, String channel, String claimer, Instant now) {
    return replace(notificationId, channel, d -> new Delivery(d.notification(), channel, DeliveryState.DELIVERED,
        d.attempts() + 1, d.queuedAt(), null, now, ""));
  }

  @Override
  public synchronized boolean recordFailure(UUID notificationId, String channel, String claimer, Instant now,
      String error, @Nullable Instant retryAt) {
    return replace(notificationId, channel, d -> new Delivery(d.notification(), channel,
        retryAt == null ? DeliveryState.FAILED : DeliveryState.PENDING, d.attempts() + 1, d.queuedAt(), retryAt, now,
        error));
  }

  private boolean replace(UUID notificationId, String channel, java.util.function.UnaryOperator<Delivery> change) {
    for (int i = 0; i < outbox.size(); i++) {
      Delivery d = outbox.get(i);
      if (d.notification().id().equals(notificationId) && d.channel().equals(channel)
          && d.state() == DeliveryState.PENDING) {
        outbox.set(i, change.apply(d));
        return true;
      }
    }
    return false;
  }

  @Override
  public synchronized List<Delivery> deliveries(DeliveryState state, int max) {
    return outbox.stream().filter(d -> d.state() == state).limit(max).toList();
  }

  @Override
  public synchronized Optional<Delivery> delivery(UUID notificationId, String channel) {
    return outbox.stream().filter(d -> d.notification().id().equals(notificationId) && d.channel().equals(channel))
        .findFirst();
  }

  @Override
  public synchronized long countDeliveries(DeliveryState state) {
    return outbox.stream().filter(d -> d.state() == state).count();
  }

  @Override
  public synchronized boolean requeue(UUID notificationId, String channel, Instant now, String requeuedBy,
      String reason) {
    for (int i = 0; i < outbox.size(); i++) {
      Delivery d = outbox.get(i);
      if (d.notification().id().equals(notificationId) && d.channel().equals(channel)
          && d.state() == DeliveryState.FAILED) {
        outbox.set(i, new Delivery(d.notification(), channel, DeliveryState.PENDING, d.attempts(), now, now,
            d.lastAttemptAt(), d.lastError()));
        return true;
      }
    }
    return false;
  }

  @Override
  public synchronized int purgeDelivered(Instant before, int max) {
    List<UUID> done = outbox.stream().map(d -> d.notification().id()).distinct()
        .filter(id -> outbox.stream().filter(d -> d.notification().id().equals(id)).allMatch(d ->
            d.notification().occurredAt().isBefore(before) && d.state() == DeliveryState.DELIVERED
                && d.lastAttemptAt() != null && d.lastAttemptAt().isBefore(before)))
        .limit(max).toList();
    int size = outbox.size();
    outbox.removeIf(d -> done.contains(d.notification().id()));
    return size - outbox.size();
  }

  @Override
  public synchronized List<Long> usageHistory(TenantId tenant, Meter meter, List<Instant> edges) {
    enter(false);
    List<Long> sums = new ArrayList<>();
    for (int i = 0; i + 1 < edges.size(); i++) {
      Instant start = edges.get(i);
      Instant end = edges.get(i + 1);
      sums.add(data(tenant).ledger.stream()
          .filter(e -> e.meter().equals(meter) && !e.occurredAt().isBefore(start) && e.occurredAt().isBefore(end))
          .mapToLong(LedgerEntry::amount).sum());
    }
    return sums;
  }

  /** This store keeps no one-time credits: there are no draws to check. */
  @Override
  public synchronized List<dev.quota.admin.CreditCheck> verifyCredits(TenantId tenant) {
    enter(false);
    return List.of();
  }

  @Override
  public synchronized List<CounterCheck> verify(TenantId tenant) {
    enter(false);
    // Counters are summed from the ledger on every read, so they cannot drift here.
    Map<List<Object>, Long> sums = new LinkedHashMap<>();
    for (LedgerEntry e : data(tenant).ledger) {
      sums.merge(List.of(e.meter(), e.period()), e.amount(), Long::sum);
    }
    List<CounterCheck> checks = new ArrayList<>();
    sums.forEach((k, used) -> checks.add(new CounterCheck((Meter) k.get(0), (Period) k.get(1), used, used)));
    return checks;
  }
}

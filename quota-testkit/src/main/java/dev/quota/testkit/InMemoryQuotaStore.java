package dev.quota.testkit;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.Window;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.CreditCheck;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PlanSource;
import dev.quota.admin.PurgeSummary;
import dev.quota.admin.Revocation;
import dev.quota.alert.Delivery;
import dev.quota.alert.DeliveryState;
import dev.quota.alert.Notification;
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
import dev.quota.spi.StoredReservation;
import dev.quota.spi.StoredServiceConfiguration;
import dev.quota.spi.TenantState;
import dev.quota.spi.TenantSuggestions;
import dev.quota.spi.UsageListing;
import dev.quota.spi.WriteOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A complete, thread-safe {@link QuotaStore} in memory: the reference model every backend is compared
 * with, and a fast store for the tests of services that embed quota.
 *
 * <p>Each tenant's data sits behind its own lock, so every primitive is atomic per tenant, as the SPI
 * requires, and different tenants do not contend. The audit log is global and appended under the
 * tenant's lock, so a change and its entry are never seen apart.
 *
 * <p><b>Paths.</b> A write on a tenant's path (its ancestors, and short windows) takes the monitors of every tenant it
 * touches in tenant id order, the first key of {@link PathCounter#compareLockOrder} (a tenant's counters all sit behind
 * its one monitor), so crossing writes cannot deadlock. A hold taken on a path is one object kept by its tenant and by
 * every other level it holds in; commit, release and expiry end it everywhere at once. Changes of the tree take a
 * store-wide tree lock before any tenant's monitor, so two moves cannot together close a cycle.
 *
 * {@snippet :
 * TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
 * Quota quota = Quota.builder().store(new InMemoryQuotaStore()).clock(clock).build();
 * }
 *
 * <p><b>Plans in the host's table.</b> A service whose PostgreSQL store reads tenants' tiers from its own table
 * ({@code PostgresQuotaStore.Builder.plansFromHostTable}, or the Spring Boot starter's
 * {@code quota.host-tier-table.*}) gives the in-memory store the same source in its tests, so that a pro tenant is
 * not treated as one without a plan:
 *
 * {@snippet :
 * InMemoryQuotaStore store = InMemoryQuotaStore.builder()
 *     .plansFrom(tenant -> accounts.tierOf(tenant.value()).map(Tier::of))   // the host's own lookup
 *     .build();
 * }
 */
public final class InMemoryQuotaStore implements QuotaStore {
  /** How long ended reservations are remembered, so that a late commit or release can be told apart. */
  public static final Duration DEFAULT_RESERVATION_RETENTION = Duration.ofDays(1);
  /** The threshold of the block mark: outside the thresholds' 1..1000, so it meets none of them. */
  private static final int BLOCK_MARK = -1;
  /** The longest error text kept with a delivery. */
  private static final int MAX_ERROR_LENGTH = 2_000;

  private final ConcurrentHashMap<TenantId, TenantData> tenants = new ConcurrentHashMap<>();
  /**
   * Taken by every change of a parent, before the tenant's monitor, and by the reads of the tree that decide one: a
   * parent is written holding both, so under this lock alone the tree reads as it is.
   */
  private final Object treeLock = new Object();
  private final ConcurrentHashMap<EntitlementId, TenantId> entitlementOwners = new ConcurrentHashMap<>();
  private final List<AuditEntry> auditLog = new ArrayList<>();
  /** The tenants of the audit log's entries, which stay known whatever else happens to them. */
  private final Set<TenantId> audited = ConcurrentHashMap.newKeySet();
  /** The notification outbox of all tenants, in the order written; its monitor guards it and {@link #sequence}. */
  private final Map<DeliveryKey, OutboxRow> outbox = new LinkedHashMap<>();
  private long sequence;
  private final Duration reservationRetention;
  /** The service's recorded configurations, version 1 first; appended under its own lock, never changed. */
  private final List<StoredServiceConfiguration> serviceConfigurations = new ArrayList<>();
  /** The host's lookup of tenants' tiers, or {@code null} when plans are the store's own ({@code setPlan}). */
  private final @Nullable Function<TenantId, Optional<Tier>> hostTiers;

  /** Creates an empty store that remembers ended reservations for one day. */
  public InMemoryQuotaStore() {
    this(DEFAULT_RESERVATION_RETENTION);
  }

  /**
   * Creates an empty store.
   *
   * @param reservationRetention how long after expiry a reservation is forgotten; positive
   */
  public InMemoryQuotaStore(Duration reservationRetention) {
    this(reservationRetention, null);
  }

  private InMemoryQuotaStore(Duration reservationRetention, @Nullable Function<TenantId, Optional<Tier>> hostTiers) {
    Objects.requireNonNull(reservationRetention, "reservationRetention");
    if (reservationRetention.isNegative() || reservationRetention.isZero()) {
      throw new IllegalArgumentException("reservation retention must be positive, was " + reservationRetention);
    }
    this.reservationRetention = reservationRetention;
    this.hostTiers = hostTiers;
  }

  /** @return a builder of an empty store; without settings it is the same as {@code new InMemoryQuotaStore()} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Tells whether tenants' tiers come from the host ({@link Builder#plansFrom}) rather than from {@code setPlan}.
   *
   * @return {@code true} if a host lookup was given
   */
  public boolean plansFromHost() {
    return hostTiers != null;
  }

  /** Builds an {@link InMemoryQuotaStore}. */
  public static final class Builder {
    private Duration reservationRetention = DEFAULT_RESERVATION_RETENTION;
    private @Nullable Function<TenantId, Optional<Tier>> hostTiers;

    private Builder() {}

    /**
     * Sets how long after expiry a reservation is forgotten; default {@link #DEFAULT_RESERVATION_RETENTION}.
     *
     * @param retention positive
     * @return this builder
     */
    public Builder reservationRetention(Duration retention) {
      Objects.requireNonNull(retention, "retention");
      if (retention.isNegative() || retention.isZero()) {
        throw new IllegalArgumentException("reservation retention must be positive, was " + retention);
      }
      this.reservationRetention = retention;
      return this;
    }

    /**
     * Takes tenants' tiers from the host, as the PostgreSQL store does with a host plan table: every read asks the
     * lookup for the tenant's tier (empty: no plan), and {@code setPlan} is refused with an
     * {@link IllegalStateException}, since the tier is changed in the host's table. A change there is seen by the
     * next read. The lookup is called outside the store's locks and may query a database; it must be thread-safe.
     *
     * @param tierOf the tier of a tenant as the host's table holds it, or empty for none
     * @return this builder
     */
    public Builder plansFrom(Function<TenantId, Optional<Tier>> tierOf) {
      this.hostTiers = Objects.requireNonNull(tierOf, "tierOf");
      return this;
    }

    /** @return the store */
    public InMemoryQuotaStore build() {
      return new InMemoryQuotaStore(reservationRetention, hostTiers);
    }
  }

  // --- reads ----------------------------------------------------------------------------------------

  @Override
  public TenantState read(TenantId tenant, Meter meter, Instant now) {
    Optional<Plan> hostPlan = hostPlan(tenant);
    TenantData data = tenants.get(tenant);
    TenantState state;
    if (data == null) {
      state = new TenantState(Optional.empty(), List.of(), 0, List.of());
    } else {
      synchronized (data) {
        state = data.state(meter, now);
      }
    }
    return withHostPlan(state, hostPlan);
  }

  /** The tenant's plan in the host's table, asked before any lock is taken; empty without a host lookup. */
  private Optional<Plan> hostPlan(TenantId tenant) {
    if (hostTiers == null) {
      return Optional.empty();
    }
    Optional<Tier> tier = Objects.requireNonNull(hostTiers.apply(tenant), "the host's tier lookup returned null");
    return tier.map(Plan::of);
  }

  private TenantState withHostPlan(TenantState state, Optional<Plan> hostPlan) {
    return hostTiers == null ? state
        : new TenantState(hostPlan, state.entitlements(), state.version(), state.counters(), state.parent());
  }

  @Override
  public TenantState readLatest(TenantId tenant, Meter meter, Instant now) {
    return read(tenant, meter, now); // nothing cached: every read is the latest
  }

  // --- usage writes -----------------------------------------------------------------------------------

  @Override
  public WriteOutcome consume(LedgerEntry entry, long ceiling, long expectedVersion) {
    TenantData data = data(entry.tenant());
    synchronized (data) {
      if (data.version != expectedVersion) {
        return new WriteOutcome.Stale();
      }
      LedgerEntry existing = data.entry(entry.meter(), entry.key());
      if (existing != null) {
        return new WriteOutcome.Duplicate(existing.amount(), data.counter(entry.meter(), entry.period(), entry.occurredAt()));
      }
      Counter counter = data.counter(entry.meter(), entry.period(), entry.occurredAt());
      if (saturatedSum(counter.used(), counter.reserved(), entry.amount()) > ceiling) {
        return new WriteOutcome.Insufficient(counter);
      }
      data.insert(entry);
      return new WriteOutcome.Written(data.counter(entry.meter(), entry.period(), entry.occurredAt()));
    }
  }

  @Override
  public WriteOutcome append(LedgerEntry entry, long expectedVersion) {
    TenantData data = data(entry.tenant());
    synchronized (data) {
      return appendLocked(data, entry, expectedVersion);
    }
  }

  @Override
  public List<WriteOutcome> appendAll(List<LedgerEntry> entries, long expectedVersion) {
    if (entries.isEmpty()) {
      return List.of();
    }
    TenantData data = data(entries.get(0).tenant());
    synchronized (data) {
      if (data.version != expectedVersion) {
        return entries.stream().<WriteOutcome>map(e -> new WriteOutcome.Stale()).toList();
      }
      List<WriteOutcome> outcomes = new ArrayList<>(entries.size());
      for (LedgerEntry entry : entries) {
        if (!entry.tenant().equals(entries.get(0).tenant())) {
          throw new IllegalArgumentException("appendAll takes the entries of one tenant");
        }
        outcomes.add(appendLocked(data, entry, expectedVersion));
      }
      return outcomes;
    }
  }

  private static WriteOutcome appendLocked(TenantData data, LedgerEntry entry, long expectedVersion) {
    if (data.version != expectedVersion) {
      return new WriteOutcome.Stale();
    }
    LedgerEntry existing = data.entry(entry.meter(), entry.key());
    if (existing != null) {
      return new WriteOutcome.Duplicate(existing.amount(), data.counter(entry.meter(), entry.period(), entry.occurredAt()));
    }
    data.insert(entry);
    return new WriteOutcome.Written(data.counter(entry.meter(), entry.period(), entry.occurredAt()));
  }

  @Override
  public WriteOutcome writeDrawingCredits(LedgerEntry entry, long allowance, boolean conditional,
      long expectedVersion) {
    TenantData data = data(entry.tenant());
    synchronized (data) {
      if (data.version != expectedVersion) {
        return new WriteOutcome.Stale();
      }
      LedgerEntry existing = data.entry(entry.meter(), entry.key());
      Counter counter = data.counter(entry.meter(), entry.period(), entry.occurredAt());
      if (existing != null) {
        return new WriteOutcome.Duplicate(existing.amount(), counter);
      }
      List<Integer> credits = data.activeCredits(entry.meter(), entry.occurredAt());
      long available = 0;
      for (int i : credits) {
        available = saturatedSum(available, ((OneTimeCredit) data.entitlements.get(i)).unspent(), 0);
      }
      long room = saturatedSum(saturatedSum(allowance, counter.creditDrawn(), 0), available, 0);
      if (conditional && saturatedSum(counter.used(), counter.reserved(), entry.amount()) > room) {
        return new WriteOutcome.Insufficient(counter);
      }
      data.insert(entry);
      draw(data, entry, allowance, counter.used(), counter.creditDrawn());
      return new WriteOutcome.Written(data.counter(entry.meter(), entry.period(), entry.occurredAt()));
    }
  }

  /**
   * Draws on the credits active at the entry's instant for what the period's usage, with the entry just written, goes
   * beyond the allowance and the draws before it; the caller holds the tenant's lock.
   */
  private static void draw(TenantData data, LedgerEntry entry, long allowance, long usedBefore, long drawnBefore) {
    List<Integer> credits = data.activeCredits(entry.meter(), entry.occurredAt());
    long available = 0;
    for (int i : credits) {
      available = saturatedSum(available, ((OneTimeCredit) data.entitlements.get(i)).unspent(), 0);
    }
    long beyond = saturatedSum(usedBefore, entry.amount(), 0) - saturatedSum(allowance, drawnBefore, 0);
    long drawn = Math.min(available, Math.max(0, beyond));
    long need = drawn;
    for (int i : credits) {
      if (need == 0) {
        break;
      }
      OneTimeCredit credit = (OneTimeCredit) data.entitlements.get(i);
      long take = Math.min(need, credit.unspent());
      data.entitlements.set(i, credit.withDrawn(credit.drawn() + take));
      need -= take;
    }
    data.creditDrawn.merge(new CounterKey(entry.meter(), entry.period()), drawn, Long::sum);
  }

  @Override
  public CommitOutcome commitDrawingCredits(TenantId tenant, ReservationId id, LedgerEntry entry, long allowance,
      long expectedVersion, Instant now) {
    TenantData data = data(tenant);
    return locked(holdLevels(tenant, id), () -> {
      if (data.version != expectedVersion) {
        return new CommitOutcome.Stale();
      }
      Counter before = data.counter(entry.meter(), entry.period(), now);
      CommitOutcome outcome = commitLocked(data, id, entry, null, now);
      if (!(outcome instanceof CommitOutcome.Committed committed)) {
        return outcome;
      }
      draw(data, entry, allowance, before.used(), before.creditDrawn());
      return new CommitOutcome.Committed(data.counter(entry.meter(), entry.period(), now), committed.expired());
    });
  }

  @Override
  public WriteOutcome reserve(StoredReservation reservation, long ceiling, long expectedVersion, Instant now) {
    TenantData data = data(reservation.tenant());
    synchronized (data) {
      if (data.version != expectedVersion) {
        return new WriteOutcome.Stale();
      }
      data.sweep(now, reservationRetention);
      Counter counter = data.counter(reservation.meter(), reservation.period(), now);
      if (saturatedSum(counter.used(), counter.reserved(), reservation.amount()) > ceiling) {
        return new WriteOutcome.Insufficient(counter);
      }
      data.reservations.put(reservation.id(), new Hold(reservation, null));
      return new WriteOutcome.Written(data.counter(reservation.meter(), reservation.period(), now));
    }
  }

  @Override
  public CommitOutcome commit(TenantId tenant, ReservationId id, LedgerEntry entry, long expectedVersion, Instant now) {
    TenantData data = data(tenant);
    // A hold taken on a path ends in every counter it holds in: take the monitors of all its levels.
    return locked(holdLevels(tenant, id), () -> {
      if (data.version != expectedVersion) {
        return new CommitOutcome.Stale();
      }
      return commitLocked(data, id, entry, null, now);
    });
  }

  /**
   * Ends a hold by recording its usage, the monitors of the hold's levels (and of the write's, if any) held: the entry
   * goes to its own period's counter ({@code write} null, a plain commit) or to every counter of {@code write}.
   */
  private CommitOutcome commitLocked(TenantData data, ReservationId id, LedgerEntry entry, @Nullable PathWrite write,
      Instant now) {
    Hold hold = data.reservations.get(id);
    if (hold == null) {
      return new CommitOutcome.NotFound();
    }
    if (hold.released) {
      return new CommitOutcome.Released();
    }
    if (!hold.reservation.meter().equals(entry.meter())) {
      return new CommitOutcome.WrongMeter(hold.reservation.meter());
    }
    if (hold.committedKey != null) {
      if (hold.committedKey.equals(entry.key())) {
        LedgerEntry recorded = data.entry(entry.meter(), entry.key());
        long amount = recorded == null ? entry.amount() : recorded.amount();
        return new CommitOutcome.Duplicate(amount, reportedCounter(data, entry, write, now));
      }
      return new CommitOutcome.CommittedUnderOtherKey(hold.committedKey);
    }
    LedgerEntry existing = data.entry(entry.meter(), entry.key());
    if (existing != null) {
      if (existing.amount() == entry.amount()) {
        // The usage this hold stood for is already in the ledger: end the hold, or it blocks for nothing.
        hold.committedKey = entry.key();
      }
      return new CommitOutcome.Duplicate(existing.amount(), reportedCounter(data, entry, write, now));
    }
    boolean expired = !now.isBefore(hold.reservation.expiresAt());
    if (write == null) {
      data.insert(entry);
    } else {
      insertOnPath(entry, write);
    }
    hold.committedKey = entry.key();
    return new CommitOutcome.Committed(reportedCounter(data, entry, write, now), expired);
  }

  /** The counter a commit reports: the entry's period's, or the first of the path write's. */
  private Counter reportedCounter(TenantData data, LedgerEntry entry, @Nullable PathWrite write, Instant now) {
    if (write == null || write.counters().isEmpty()) {
      return data.counter(entry.meter(), entry.period(), now);
    }
    PathCounter first = write.counters().get(0);
    return data(first.tenant()).counter(entry.meter(), first.period(), now);
  }

  @Override
  public ReleaseOutcome release(TenantId tenant, ReservationId id, Instant now) {
    TenantData data = tenants.get(tenant);
    if (data == null) {
      return ReleaseOutcome.NOT_FOUND;
    }
    return locked(holdLevels(tenant, id), () -> {
      Hold hold = data.reservations.get(id);
      if (hold == null) {
        return ReleaseOutcome.NOT_FOUND;
      }
      if (hold.committedKey != null) {
        return ReleaseOutcome.COMMITTED;
      }
      if (hold.released) {
        return ReleaseOutcome.ALREADY_ENDED;
      }
      if (!now.isBefore(hold.reservation.expiresAt())) {
        // Expired holds stay open: the usage they stood for may still be committed late.
        return ReleaseOutcome.ALREADY_ENDED;
      }
      hold.released = true; // in every counter it holds in: they all ask the one hold
      return ReleaseOutcome.RELEASED;
    });
  }

  // --- usage writes on paths ---------------------------------------------------------------------------

  @Override
  public PathOutcome consumePath(LedgerEntry entry, PathWrite write, boolean conditional) {
    requireWriter(entry.tenant(), write);
    return locked(write.path(), () -> {
      if (isStale(write)) {
        return new PathOutcome.Stale();
      }
      Instant at = entry.occurredAt(); // holds count if unexpired at the entry's time
      LedgerEntry existing = data(entry.tenant()).entry(entry.meter(), entry.key());
      if (existing != null) {
        return new PathOutcome.Duplicate(existing.amount(), counters(write, entry.meter(), at));
      }
      List<Counter> before = counters(write, entry.meter(), at);
      if (conditional) {
        int refusing = firstRefusing(write, before, entry.amount());
        if (refusing >= 0) {
          return new PathOutcome.Insufficient(refusing, before);
        }
      }
      insertOnPath(entry, write);
      return new PathOutcome.Written(counters(write, entry.meter(), at));
    });
  }

  @Override
  public PathOutcome reservePath(StoredReservation reservation, PathWrite write, boolean conditional, Instant now) {
    requireWriter(reservation.tenant(), write);
    return locked(write.path(), () -> {
      if (isStale(write)) {
        return new PathOutcome.Stale();
      }
      for (TenantId level : write.path()) {
        data(level).sweep(now, reservationRetention);
      }
      List<Counter> before = counters(write, reservation.meter(), now);
      if (conditional) {
        int refusing = firstRefusing(write, before, reservation.amount());
        if (refusing >= 0) {
          return new PathOutcome.Insufficient(refusing, before);
        }
      }
      List<CounterRef> heldIn = write.counters().stream().map(c -> new CounterRef(c.tenant(), c.period())).toList();
      Hold hold = new Hold(reservation, heldIn);
      data(reservation.tenant()).reservations.put(reservation.id(), hold);
      for (TenantId level : hold.levels()) {
        if (!level.equals(reservation.tenant())) {
          data(level).heldFromBelow.put(reservation.id(), hold);
        }
      }
      return new PathOutcome.Written(counters(write, reservation.meter(), now));
    });
  }

  @Override
  public CommitOutcome commitPath(TenantId tenant, ReservationId id, LedgerEntry entry, PathWrite write, Instant now) {
    requireWriter(tenant, write);
    requireWriter(entry.tenant(), write);
    Set<TenantId> levels = new HashSet<>(write.path());
    levels.addAll(holdLevels(tenant, id));
    return locked(levels, () -> {
      if (isStale(write)) {
        return new CommitOutcome.Stale();
      }
      return commitLocked(data(tenant), id, entry, write, now);
    });
  }

  private static void requireWriter(TenantId tenant, PathWrite write) {
    if (!write.tenant().equals(tenant)) {
      throw new IllegalArgumentException("the write's path starts at " + write.tenant() + ", not at the writing tenant "
          + tenant);
    }
  }

  /** Whether some level's version moved on from its counter's; the caller holds every level's monitor. */
  private boolean isStale(PathWrite write) {
    return write.counters().stream().anyMatch(c -> data(c.tenant()).version != c.expectedVersion());
  }

  /** Every counter of a write as it stands at an instant, in the write's order; every level's monitor held. */
  private List<Counter> counters(PathWrite write, Meter meter, Instant now) {
    return write.counters().stream().map(c -> data(c.tenant()).counter(meter, c.period(), now)).toList();
  }

  /** The first counter, in the write's order, that cannot take the amount; -1 if every one can. */
  private static int firstRefusing(PathWrite write, List<Counter> counters, long amount) {
    for (int i = 0; i < counters.size(); i++) {
      Counter c = counters.get(i);
      if (saturatedSum(c.used(), c.reserved(), amount) > write.counters().get(i).ceiling()) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Writes an entry once, at its tenant, with the path it counted against, and adds it to every counter of the write;
   * every level's monitor held. Each level above the tenant keeps the entry too, to verify its counters against.
   */
  private void insertOnPath(LedgerEntry entry, PathWrite write) {
    for (PathCounter c : write.counters()) {
      // Check every sum before touching anything, so an overflow writes nothing.
      long current = data(c.tenant()).used.getOrDefault(new CounterKey(entry.meter(), c.period()), 0L);
      if (current + entry.amount() < 0) {
        throw new InvalidRequestException("amount", "would overflow the usage of " + c.tenant() + " in " + c.period()
            + " (" + current + " + " + entry.amount() + ")");
      }
    }
    TenantData writer = data(entry.tenant());
    writer.ledger.computeIfAbsent(entry.meter(), m -> new LinkedHashMap<>()).put(entry.key(), entry);
    writer.countedPaths.put(new EntryKey(entry.meter(), entry.key()), write.path());
    for (TenantId level : write.path().subList(1, write.path().size())) {
      data(level).countedFromBelow.put(new CountedKey(entry.tenant(), entry.meter(), entry.key()), entry);
    }
    for (PathCounter c : write.counters()) {
      TenantData level = data(c.tenant());
      level.add(entry.meter(), c.period(), entry.amount());
      if (c.window().isFixed()) {
        level.windows.add(new CounterKey(entry.meter(), c.period()));
      }
    }
  }

  /** The tenants a hold holds in (just its own for a flat hold, or when it is unknown), read under its monitor. */
  private Set<TenantId> holdLevels(TenantId tenant, ReservationId id) {
    TenantData data = tenants.get(tenant);
    if (data == null) {
      return Set.of(tenant);
    }
    synchronized (data) {
      Hold hold = data.reservations.get(id);
      return hold == null ? Set.of(tenant) : hold.levels();
    }
  }

  /**
   * Runs an action holding the monitors of several tenants, taken in tenant id order: the order
   * {@link PathCounter#compareLockOrder} gives every store, so that two writes on crossing paths cannot each hold what
   * the other waits for. The caller holds no tenant's monitor.
   */
  private <T> T locked(Collection<TenantId> levels, Supplier<T> action) {
    List<TenantData> ordered = levels.stream().distinct().sorted(Comparator.comparing(TenantId::value))
        .map(this::data).toList();
    return lockedFrom(ordered, 0, action);
  }

  private static <T> T lockedFrom(List<TenantData> ordered, int next, Supplier<T> action) {
    if (next == ordered.size()) {
      return action.get();
    }
    synchronized (ordered.get(next)) {
      return lockedFrom(ordered, next + 1, action);
    }
  }

  // --- admin writes ------------------------------------------------------------------------------------

  @Override
  public void addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements, AuditEntry audit) {
    TenantData data = data(tenant);
    synchronized (data) {
      for (Entitlement e : entitlements) {
        if (!e.tenant().equals(tenant)) {
          throw new IllegalArgumentException("entitlement " + e.id() + " belongs to another tenant");
        }
      }
      for (Entitlement e : entitlements) {
        data.entitlements.add(e);
        entitlementOwners.put(e.id(), tenant);
      }
      data.version++;
      appendAudit(audit);
    }
  }

  @Override
  public boolean addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements, AuditEntry audit,
      long expectedVersion) {
    TenantData data = data(tenant);
    synchronized (data) {
      if (data.version != expectedVersion) {
        return false;
      }
      addEntitlements(tenant, entitlements, audit);
      return true;
    }
  }

  @Override
  public boolean addRollover(Grant rollover, AuditEntry audit) {
    if (rollover.kind() != Grant.Kind.ROLLOVER) {
      throw new IllegalArgumentException("grant " + rollover.id() + " is not a rollover: " + rollover.kind());
    }
    TenantData data = data(rollover.tenant());
    synchronized (data) {
      // Once per tenant, meter and period, revoked or not: the check and the write under the tenant's monitor.
      for (Entitlement e : data.entitlements) {
        if (e instanceof Grant g && g.kind() == Grant.Kind.ROLLOVER && g.meter().equals(rollover.meter())
            && g.validFrom().equals(rollover.validFrom())) {
          return false;
        }
      }
      addEntitlements(rollover.tenant(), List.of(rollover), audit);
      return true;
    }
  }

  @Override
  public Optional<Entitlement> findEntitlement(EntitlementId id) {
    TenantId owner = entitlementOwners.get(id);
    if (owner == null) {
      return Optional.empty();
    }
    TenantData data = data(owner);
    synchronized (data) {
      return data.entitlements.stream().filter(e -> e.id().equals(id)).findFirst();
    }
  }

  @Override
  public RevokeOutcome revoke(TenantId tenant, EntitlementId id, Revocation revocation, AuditEntry audit) {
    TenantData data = data(tenant);
    synchronized (data) {
      for (int i = 0; i < data.entitlements.size(); i++) {
        Entitlement e = data.entitlements.get(i);
        if (!e.id().equals(id)) {
          continue;
        }
        if (!e.isActiveAt(revocation.at())) {
          return new RevokeOutcome.AlreadyEnded(e);
        }
        Entitlement revoked = e.revoked(revocation);
        data.entitlements.set(i, revoked);
        data.version++;
        appendAudit(audit);
        return new RevokeOutcome.Revoked(revoked);
      }
      return new RevokeOutcome.NotFound();
    }
  }

  @Override
  public List<Entitlement> entitlements(TenantId tenant) {
    TenantData data = tenants.get(tenant);
    if (data == null) {
      return List.of();
    }
    synchronized (data) {
      List<Entitlement> newestFirst = new ArrayList<>(data.entitlements);
      java.util.Collections.reverse(newestFirst);
      return newestFirst;
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if plans come from the host ({@link Builder#plansFrom}): change the tier there
   */
  @Override
  public void setPlan(TenantId tenant, Plan plan, Map<Meter, Period> currentPeriods, AuditEntry audit) {
    if (hostTiers != null) {
      throw new IllegalStateException("plans come from the host's table; change the tier there, not through quota");
    }
    TenantData data = data(tenant);
    synchronized (data) {
      data.plan = plan;
      data.version++;
      currentPeriods.forEach(data::rebucket);
      appendAudit(audit);
    }
  }

  @Override
  public ParentOutcome setParent(TenantId tenant, Optional<TenantId> parent, int maxDepth, AuditEntry audit) {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(parent, "parent");
    Objects.requireNonNull(audit, "audit");
    synchronized (treeLock) {
      if (parent.isPresent()) {
        List<TenantId> above = ancestry(parent.get());
        if (above.contains(tenant)) {
          return ParentOutcome.WOULD_CYCLE;
        }
        if (above.size() + height(tenant) > maxDepth) {
          return ParentOutcome.TOO_DEEP;
        }
      }
      TenantData data = data(tenant);
      synchronized (data) {
        data.parent = parent.orElse(null);
        data.version++; // writes computed on the old path are stale now
        appendAudit(audit);
      }
      return ParentOutcome.CHANGED;
    }
  }

  /** A tenant and its ancestors, up to the root; the caller holds the tree lock. */
  private List<TenantId> ancestry(TenantId tenant) {
    List<TenantId> path = new ArrayList<>();
    TenantId next = tenant;
    while (next != null && !path.contains(next)) {
      path.add(next);
      TenantData data = tenants.get(next);
      next = data == null ? null : data.parent;
    }
    return path;
  }

  /** The levels of a tenant's subtree: 1 for a tenant without children; the caller holds the tree lock. */
  private int height(TenantId tenant) {
    int below = 0;
    for (TenantId child : childrenOf(tenant)) {
      below = Math.max(below, height(child));
    }
    return 1 + below;
  }

  /** A tenant's children, in no order; the caller holds the tree lock. */
  private List<TenantId> childrenOf(TenantId tenant) {
    List<TenantId> children = new ArrayList<>();
    tenants.forEach((id, data) -> {
      if (tenant.equals(data.parent)) {
        children.add(id);
      }
    });
    return children;
  }

  @Override
  public Page<TenantId> children(TenantId tenant, PageRequest page) {
    List<TenantId> children;
    synchronized (treeLock) {
      children = childrenOf(tenant);
    }
    children.sort((a, b) -> codePointOrder(a.value(), b.value()));
    return Page.of(children, page);
  }

  @Override
  public Page<AuditEntry> audit(AuditQuery query, PageRequest page) {
    List<AuditEntry> matching = new ArrayList<>();
    synchronized (auditLog) {
      for (int i = auditLog.size() - 1; i >= 0; i--) {
        AuditEntry entry = auditLog.get(i);
        if (query.matches(entry)) {
          matching.add(entry);
        }
      }
    }
    return Page.of(matching, page);
  }

  @Override
  public Page<LedgerEntry> ledger(TenantId tenant, PageRequest page) {
    Comparator<LedgerEntry> newestFirst = Comparator.comparing(LedgerEntry::occurredAt).reversed()
        .thenComparing((a, b) -> codePointOrder(a.meter().name(), b.meter().name()))
        .thenComparing((a, b) -> codePointOrder(a.key().value(), b.key().value()));
    List<LedgerEntry> entries = new ArrayList<>(ledger(tenant));
    entries.sort(newestFirst);
    return Page.of(entries, page);
  }

  private static int codePointOrder(String x, String y) {
    return java.util.Arrays.compare(x.codePoints().toArray(), y.codePoints().toArray());
  }

  @Override
  public boolean knowsTenant(TenantId tenant) {
    if (audited.contains(tenant)) {
      return true;
    }
    TenantData data = tenants.get(tenant);
    if (data == null) {
      return false;
    }
    synchronized (data) {
      return data.holdsAnything();
    }
  }

  @Override
  public PlanSource planSource() {
    return hostTiers == null ? PlanSource.QUOTA_TABLE : PlanSource.HOST_LOOKUP;
  }

  @Override
  public Optional<StoredServiceConfiguration> latestServiceConfiguration() {
    synchronized (serviceConfigurations) {
      return serviceConfigurations.isEmpty() ? Optional.empty()
          : Optional.of(serviceConfigurations.get(serviceConfigurations.size() - 1));
    }
  }

  @Override
  public boolean appendServiceConfiguration(StoredServiceConfiguration next) {
    Objects.requireNonNull(next, "next");
    synchronized (serviceConfigurations) {
      if (next.version() != serviceConfigurations.size() + 1) {
        return false; // that version exists already, or the one before it does not
      }
      serviceConfigurations.add(next);
      return true;
    }
  }

  @Override
  public List<TenantId> knownTenantsLike(TenantId tenant, int limit) {
    TenantSuggestions suggestions = TenantSuggestions.forUnknown(tenant);
    Set<TenantId> candidates = new HashSet<>(tenants.keySet());
    candidates.addAll(audited);
    for (TenantId candidate : candidates) {
      if (knowsTenant(candidate)) {
        suggestions.offer(candidate);
      }
    }
    return suggestions.closest(limit);
  }

  @Override
  public Page<UsageListing.Row> listUsage(UsageListing listing) {
    // The reference listing: every tenant's report computed as the guard would, then the query's own definition of
    // its filters and order. A database store computes the same in one query.
    record Listed(UsageListing.Row row, UsageReport report) {}
    List<Listed> listed = new ArrayList<>();
    tenants.forEach((tenant, data) -> {
      Optional<Plan> hostPlan = hostPlan(tenant);
      TenantState state;
      synchronized (data) {
        state = data.state(listing.meter(), listing.now());
      }
      state = withHostPlan(state, hostPlan);
      UsageReport report = listing.report(tenant, state);
      if (listing.query().matches(report)) {
        listed.add(new Listed(new UsageListing.Row(tenant, state), report));
      }
    });
    Comparator<UsageReport> order = listing.query().order().comparator();
    listed.sort((x, y) -> order.compare(x.report(), y.report()));
    return Page.of(listed.stream().map(Listed::row).toList(), listing.page());
  }

  @Override
  public List<Long> usageHistory(TenantId tenant, Meter meter, List<Instant> edges) {
    long[] sums = new long[edges.size() - 1];
    TenantData data = tenants.get(tenant);
    if (data != null) {
      synchronized (data) {
        for (LedgerEntry e : data.ledger.getOrDefault(meter, Map.of()).values()) {
          int at = Collections.binarySearch(edges, e.occurredAt());
          int bucket = at >= 0 ? at : -at - 2; // an entry at an edge starts that edge's bucket
          if (bucket >= 0 && bucket < sums.length) {
            long sum = sums[bucket] + e.amount();
            sums[bucket] = sum < 0 ? Long.MAX_VALUE : sum; // amounts are positive: a negative sum overflowed
          }
        }
      }
    }
    return Arrays.stream(sums).boxed().toList();
  }

  @Override
  public PurgeSummary previewPurge(TenantId tenant, Instant since) {
    TenantData data = tenants.get(tenant);
    if (data == null) {
      return new PurgeSummary(tenant, since, 0, Map.of());
    }
    synchronized (data) {
      return data.summarize(tenant, since);
    }
  }

  @Override
  public PurgeSummary purge(TenantId tenant, Instant since, Function<PurgeSummary, AuditEntry> audit) {
    TenantData data = data(tenant);
    while (true) {
      // The entries' counted paths name the levels whose counters change; a path write may add a level between this
      // look and the locks, so it is checked again under them.
      Set<TenantId> levels;
      synchronized (data) {
        levels = data.levelsCountedSince(tenant, since);
      }
      PurgeSummary summary = locked(levels, () -> {
        if (!levels.containsAll(data.levelsCountedSince(tenant, since))) {
          return null;
        }
        return purgeLocked(tenant, data, since, audit);
      });
      if (summary != null) {
        return summary;
      }
    }
  }

  /**
   * Deletes a tenant's entries at or after an instant and subtracts each from every counter it counted in: at the
   * tenant its period's counter and the short windows still stored that contain its instant, and at every other level
   * of its counted path each counter still stored whose period contains its instant (what {@link #verify} sums).
   */
  private PurgeSummary purgeLocked(TenantId tenant, TenantData data, Instant since,
      Function<PurgeSummary, AuditEntry> audit) {
    PurgeSummary summary = data.summarize(tenant, since);
    AuditEntry entry = audit.apply(summary);
    for (Map<UsageKey, LedgerEntry> entries : data.ledger.values()) {
      entries.values().removeIf(e -> {
        if (e.occurredAt().isBefore(since)) {
          return false;
        }
        List<TenantId> path = data.countedPath(e);
        data.countedPaths.remove(new EntryKey(e.meter(), e.key()));
        data.add(e.meter(), e.period(), -e.amount());
        for (CounterKey window : data.windows) {
          if (window.meter().equals(e.meter()) && window.period().contains(e.occurredAt())) {
            data.add(e.meter(), window.period(), -e.amount());
          }
        }
        for (TenantId level : path.subList(1, path.size())) {
          TenantData above = data(level);
          above.countedFromBelow.remove(new CountedKey(tenant, e.meter(), e.key()));
          for (CounterKey key : List.copyOf(above.used.keySet())) {
            if (key.meter().equals(e.meter()) && key.period().contains(e.occurredAt())) {
              above.add(e.meter(), key.period(), -e.amount());
            }
          }
        }
        return true;
      });
    }
    appendAudit(entry);
    return summary;
  }

  // --- alerts and verification ---------------------------------------------------------------------------

  @Override
  public boolean markAlertFired(Notification notification, Collection<String> channels) {
    AlertMark mark = switch (notification.kind()) {
      case THRESHOLD_CROSSED -> new AlertMark(notification.meter(), notification.period(),
          notification.thresholdPercent());
      case BLOCKED -> new AlertMark(notification.meter(), notification.period(), BLOCK_MARK);
      case UNBLOCKED -> throw new IllegalArgumentException("an UNBLOCKED notification is written by rearmAlerts");
    };
    TenantData data = data(notification.tenant());
    synchronized (data) {
      if (!data.alerts.add(mark)) {
        return false;
      }
      queue(notification, channels);
      return true;
    }
  }

  @Override
  public boolean rearmAlerts(TenantId tenant, Meter meter, Period period, Collection<Integer> thresholdPercents,
      @Nullable Notification unblocked, Collection<String> channels) {
    TenantData data = tenants.get(tenant);
    if (data == null) {
      return false;
    }
    synchronized (data) {
      for (int threshold : thresholdPercents) {
        data.alerts.remove(new AlertMark(meter, period, threshold));
      }
      if (unblocked != null && data.alerts.remove(new AlertMark(meter, period, BLOCK_MARK))) {
        queue(unblocked, channels);
        return true;
      }
      return false;
    }
  }

  /** Queues a notification for each channel; called under the tenant's lock, so the mark and it are seen together. */
  private void queue(Notification notification, Collection<String> channels) {
    synchronized (outbox) {
      for (String channel : channels) {
        outbox.put(new DeliveryKey(notification.id(), channel), new OutboxRow(notification, channel,
            notification.occurredAt(), sequence++));
      }
    }
  }

  @Override
  public List<Delivery> claimDeliveries(Collection<String> channels, String claimer, Instant now, Duration lease,
      int max) {
    synchronized (outbox) {
      List<OutboxRow> due = outbox.values().stream()
          .filter(r -> r.state == DeliveryState.PENDING && channels.contains(r.channel)
              && !r.nextAttemptAt.isAfter(now) && (r.leasedUntil == null || !r.leasedUntil.isAfter(now)))
          .sorted(Comparator.comparing((OutboxRow r) -> r.nextAttemptAt).thenComparingLong(r -> r.sequence))
          .limit(max)
          .toList();
      List<Delivery> claimed = new ArrayList<>();
      for (OutboxRow row : due) {
        claimed.add(row.delivery());
        row.claimer = claimer;
        row.leasedUntil = now.plus(lease);
      }
      return claimed;
    }
  }

  @Override
  public boolean recordDelivered(UUID notificationId, String channel, String claimer, Instant now) {
    synchronized (outbox) {
      OutboxRow row = leased(notificationId, channel, claimer);
      if (row == null) {
        return false;
      }
      row.state = DeliveryState.DELIVERED;
      row.attempts++;
      row.lastAttemptAt = now;
      row.lastError = "";
      row.release();
      return true;
    }
  }

  @Override
  public boolean recordFailure(UUID notificationId, String channel, String claimer, Instant now, String error,
      @Nullable Instant retryAt) {
    synchronized (outbox) {
      OutboxRow row = leased(notificationId, channel, claimer);
      if (row == null) {
        return false;
      }
      row.attempts++;
      row.lastAttemptAt = now;
      row.lastError = error.length() > MAX_ERROR_LENGTH ? error.substring(0, MAX_ERROR_LENGTH) : error;
      if (retryAt == null) {
        row.state = DeliveryState.FAILED;
      } else {
        row.nextAttemptAt = retryAt;
      }
      row.release();
      return true;
    }
  }

  /**
   * The pending row claimed by the claimer, or null. A claimer whose lease expired may still record an outcome as
   * long as no one else has claimed the row since, as on PostgreSQL.
   */
  private @Nullable OutboxRow leased(UUID notificationId, String channel, String claimer) {
    OutboxRow row = outbox.get(new DeliveryKey(notificationId, channel));
    if (row == null || row.state != DeliveryState.PENDING || !claimer.equals(row.claimer)) {
      return null;
    }
    return row;
  }

  @Override
  public List<Delivery> deliveries(DeliveryState state, int max) {
    Comparator<OutboxRow> order = state == DeliveryState.PENDING
        ? Comparator.comparing((OutboxRow r) -> r.nextAttemptAt).thenComparingLong(r -> r.sequence)
        : Comparator.comparing((OutboxRow r) -> r.lastAttemptAt == null ? r.queuedAt : r.lastAttemptAt)
            .thenComparingLong(r -> r.sequence).reversed();
    synchronized (outbox) {
      return outbox.values().stream().filter(r -> r.state == state).sorted(order).limit(max)
          .map(OutboxRow::delivery).toList();
    }
  }

  @Override
  public Optional<Delivery> delivery(UUID notificationId, String channel) {
    synchronized (outbox) {
      return Optional.ofNullable(outbox.get(new DeliveryKey(notificationId, channel))).map(OutboxRow::delivery);
    }
  }

  @Override
  public long countDeliveries(DeliveryState state) {
    synchronized (outbox) {
      return outbox.values().stream().filter(r -> r.state == state).count();
    }
  }

  @Override
  public boolean requeue(UUID notificationId, String channel, Instant now, String requeuedBy, String reason) {
    synchronized (outbox) {
      OutboxRow row = outbox.get(new DeliveryKey(notificationId, channel));
      if (row == null || row.state != DeliveryState.FAILED) {
        return false;
      }
      row.state = DeliveryState.PENDING;
      row.queuedAt = now;
      row.nextAttemptAt = now;
      row.release();
      return true;
    }
  }

  @Override
  public int purgeDelivered(Instant before, int max) {
    synchronized (outbox) {
      Map<UUID, List<OutboxRow>> byNotification = new LinkedHashMap<>();
      outbox.values().forEach(r -> byNotification.computeIfAbsent(r.notification.id(), id -> new ArrayList<>()).add(r));
      int deleted = 0;
      int notifications = 0;
      for (List<OutboxRow> rows : byNotification.values()) {
        if (notifications == max) {
          break;
        }
        boolean done = rows.get(0).notification.occurredAt().isBefore(before) && rows.stream().allMatch(r ->
            r.state == DeliveryState.DELIVERED && r.lastAttemptAt != null && r.lastAttemptAt.isBefore(before));
        if (done) {
          rows.forEach(r -> outbox.remove(new DeliveryKey(r.notification.id(), r.channel)));
          deleted += rows.size();
          notifications++;
        }
      }
      return deleted;
    }
  }

  @Override
  public List<CounterCheck> verify(TenantId tenant) {
    TenantData data = tenants.get(tenant);
    if (data == null) {
      return List.of();
    }
    synchronized (data) {
      // A period's counter against the tenant's entries of that period (as rebucketing keeps them); a short window's
      // against the tenant's entries inside it; and either against the entries of tenants below counted at this
      // level inside its bounds.
      Map<CounterKey, Long> ledgerSums = new LinkedHashMap<>();
      for (Map<UsageKey, LedgerEntry> entries : data.ledger.values()) {
        for (LedgerEntry e : entries.values()) {
          ledgerSums.merge(new CounterKey(e.meter(), e.period()), e.amount(), Long::sum);
        }
      }
      Set<CounterKey> keys = new HashSet<>(data.used.keySet());
      keys.addAll(ledgerSums.keySet());
      for (CounterKey window : data.windows) {
        ledgerSums.put(window, data.ownEntries().filter(e -> window.counts(e)).mapToLong(LedgerEntry::amount).sum());
      }
      for (CounterKey key : keys) {
        long below = data.countedFromBelow.values().stream().filter(key::counts).mapToLong(LedgerEntry::amount).sum();
        ledgerSums.merge(key, below, Long::sum);
      }
      return keys.stream()
          .sorted(Comparator.comparing((CounterKey k) -> k.period().start()).thenComparing(k -> k.meter().name())
              .thenComparing(k -> k.period().end()))
          .map(k -> new CounterCheck(k.meter(), k.period(), data.used.getOrDefault(k, 0L), ledgerSums.getOrDefault(k, 0L)))
          .toList();
    }
  }

  /**
   * Deletes the counters of short windows that ended at or before {@code endedBefore}, tenant by tenant under each
   * one's monitor; period counters are never among them.
   */
  @Override
  public int compactWindows(Instant endedBefore, int max) {
    if (max < 1) {
      throw new InvalidRequestException("max", "must be positive, was " + max);
    }
    int deleted = 0;
    for (TenantData data : tenants.values()) {
      synchronized (data) {
        for (var windows = data.windows.iterator(); windows.hasNext() && deleted < max; ) {
          CounterKey window = windows.next();
          if (!window.period().end().isAfter(endedBefore)) {
            windows.remove();
            data.used.remove(window);
            data.creditDrawn.remove(window);
            deleted++;
          }
        }
      }
      if (deleted == max) {
        break;
      }
    }
    return deleted;
  }

  @Override
  public List<CreditCheck> verifyCredits(TenantId tenant) {
    TenantData data = tenants.get(tenant);
    if (data == null) {
      return List.of();
    }
    synchronized (data) {
      Map<Meter, Long> counterDrawn = new TreeMap<>(Comparator.comparing(Meter::name));
      Map<Meter, long[]> credits = new TreeMap<>(Comparator.comparing(Meter::name));
      data.creditDrawn.forEach((key, drawn) -> counterDrawn.merge(key.meter(), drawn, Long::sum));
      for (Entitlement e : data.entitlements) {
        if (e instanceof OneTimeCredit c) {
          long[] sums = credits.computeIfAbsent(c.meter(), m -> new long[2]);
          sums[0] += c.drawn();
          sums[1] += Math.max(0, c.drawn() - c.amount());
        }
      }
      Set<Meter> meters = new TreeSet<>(Comparator.comparing(Meter::name));
      meters.addAll(counterDrawn.keySet());
      meters.addAll(credits.keySet());
      return meters.stream().map(m -> {
        long[] sums = credits.getOrDefault(m, new long[2]);
        return new CreditCheck(m, counterDrawn.getOrDefault(m, 0L), sums[0], sums[1]);
      }).toList();
    }
  }

  // --- inspection for tests ------------------------------------------------------------------------------

  /**
   * Returns a tenant's ledger entries, oldest first: for tests that check what was (or was not) written.
   *
   * @param tenant the tenant
   * @return a copy of its entries
   */
  public List<LedgerEntry> ledger(TenantId tenant) {
    TenantData data = tenants.get(tenant);
    if (data == null) {
      return List.of();
    }
    synchronized (data) {
      return data.ledger.values().stream().flatMap(m -> m.values().stream())
          .sorted(Comparator.comparing(LedgerEntry::occurredAt)).toList();
    }
  }

  /** @return how many audit entries the store holds, for all tenants */
  public int auditSize() {
    synchronized (auditLog) {
      return auditLog.size();
    }
  }

  /** Forgets everything, for reuse between tests. */
  public void clear() {
    tenants.clear();
    entitlementOwners.clear();
    synchronized (auditLog) {
      auditLog.clear();
      audited.clear();
    }
    synchronized (outbox) {
      outbox.clear();
    }
  }

  // --- internals -----------------------------------------------------------------------------------------

  private TenantData data(TenantId tenant) {
    return tenants.computeIfAbsent(tenant, TenantData::new);
  }

  private void appendAudit(AuditEntry entry) {
    synchronized (auditLog) {
      auditLog.add(entry);
      audited.add(entry.tenant());
    }
  }

  private static long saturatedSum(long a, long b, long c) {
    long ab = a + b < 0 ? Long.MAX_VALUE : a + b;
    return ab + c < 0 ? Long.MAX_VALUE : ab + c;
  }

  private record CounterKey(Meter meter, Period period) {
    /** Whether an entry's instant lies in this counter's period, on its meter. */
    boolean counts(LedgerEntry entry) {
      return entry.meter().equals(meter) && period.contains(entry.occurredAt());
    }
  }

  /** A ledger entry of one tenant: its meter and key. */
  private record EntryKey(Meter meter, UsageKey key) {}

  /** A ledger entry of a tenant below, as a level above keeps it. */
  private record CountedKey(TenantId tenant, Meter meter, UsageKey key) {}

  /** One counter a path hold holds in: a level and the period of one of its windows (the meter is the hold's). */
  private record CounterRef(TenantId tenant, Period period) {}

  /** A mark per threshold, and one (with {@link #BLOCK_MARK} as its threshold) for a block. */
  private record AlertMark(Meter meter, Period period, int threshold) {}

  private record DeliveryKey(UUID notificationId, String channel) {}

  /** One delivery of the outbox; every access holds the outbox's monitor. */
  private static final class OutboxRow {
    private final Notification notification;
    private final String channel;
    private final long sequence;
    private DeliveryState state = DeliveryState.PENDING;
    private int attempts;
    private Instant queuedAt;
    private Instant nextAttemptAt;
    private @Nullable Instant lastAttemptAt;
    private String lastError = "";
    private @Nullable String claimer;
    private @Nullable Instant leasedUntil;

    OutboxRow(Notification notification, String channel, Instant queuedAt, long sequence) {
      this.notification = notification;
      this.channel = channel;
      this.queuedAt = queuedAt;
      this.nextAttemptAt = queuedAt;
      this.sequence = sequence;
    }

    void release() {
      claimer = null;
      leasedUntil = null;
    }

    Delivery delivery() {
      return new Delivery(notification, channel, state, attempts, queuedAt,
          state == DeliveryState.PENDING ? nextAttemptAt : null, lastAttemptAt, lastError);
    }
  }

  /**
   * A reservation. A flat one holds in its period's counter; one taken on a path holds in the counters it names, and
   * the same object is kept by every level it holds in, so ending it (released, committed, or expired) ends it in all.
   * Its flags change only under the monitors of all its levels.
   */
  private static final class Hold {
    private StoredReservation reservation;
    private boolean released;
    private @Nullable UsageKey committedKey;
    /** The counters of a path hold; null for a flat hold. */
    private final @Nullable List<CounterRef> heldIn;

    Hold(StoredReservation reservation, @Nullable List<CounterRef> heldIn) {
      this.reservation = reservation;
      this.heldIn = heldIn == null ? null : List.copyOf(heldIn);
    }

    /** The tenants it holds in: its own, and the levels above of a path hold. */
    Set<TenantId> levels() {
      Set<TenantId> levels = new HashSet<>();
      levels.add(reservation.tenant());
      if (heldIn != null) {
        heldIn.forEach(c -> levels.add(c.tenant()));
      }
      return levels;
    }

    /** The periods of a level's counters it holds in. */
    List<Period> periodsAt(TenantId level) {
      if (heldIn == null) {
        return level.equals(reservation.tenant()) ? List.of(reservation.period()) : List.of();
      }
      return heldIn.stream().filter(c -> c.tenant().equals(level)).map(CounterRef::period).toList();
    }

    boolean holdsAt(Instant now) {
      return !released && committedKey == null && now.isBefore(reservation.expiresAt());
    }
  }

  /** One tenant's data; every access holds its monitor. */
  private static final class TenantData {
    private final TenantId id;
    private @Nullable Plan plan;
    private long version;
    /** The parent; written holding the tree lock too. */
    private @Nullable TenantId parent;
    /** Which of {@link #used}'s counters are short windows ({@link Window#isFixed}): only those are compacted. */
    private final Set<CounterKey> windows = new HashSet<>();
    /** The counted path of each entry written on a path (an entry not in it counted at the tenant alone). */
    private final Map<EntryKey, List<TenantId>> countedPaths = new HashMap<>();
    /** The entries of tenants below whose counted path contains this tenant: what its counters count besides its own. */
    private final Map<CountedKey, LedgerEntry> countedFromBelow = new LinkedHashMap<>();
    /** The path holds of tenants below that hold in this tenant's counters. */
    private final Map<ReservationId, Hold> heldFromBelow = new LinkedHashMap<>();
    private final List<Entitlement> entitlements = new ArrayList<>();
    private final Map<Meter, Map<UsageKey, LedgerEntry>> ledger = new LinkedHashMap<>();
    private final Map<CounterKey, Long> used = new LinkedHashMap<>();
    /** Per counter, the units of one-time credits its usage drew; never taken back. */
    private final Map<CounterKey, Long> creditDrawn = new LinkedHashMap<>();
    private final Map<ReservationId, Hold> reservations = new LinkedHashMap<>();
    private final Set<AlertMark> alerts = new HashSet<>();

    TenantData(TenantId id) {
      this.id = id;
    }

    /** Every hold that counts in one of this tenant's counters: its own and those of tenants below. */
    List<Hold> holds() {
      List<Hold> holds = new ArrayList<>(reservations.values());
      holds.addAll(heldFromBelow.values());
      return holds;
    }

    java.util.stream.Stream<LedgerEntry> ownEntries() {
      return ledger.values().stream().flatMap(m -> m.values().stream());
    }

    List<TenantId> countedPath(LedgerEntry entry) {
      return countedPaths.getOrDefault(new EntryKey(entry.meter(), entry.key()), List.of(id));
    }

    /** The levels whose counters a purge of the entries at or after an instant changes. */
    Set<TenantId> levelsCountedSince(TenantId tenant, Instant since) {
      Set<TenantId> levels = new HashSet<>();
      levels.add(tenant);
      ownEntries().filter(e -> !e.occurredAt().isBefore(since)).forEach(e -> levels.addAll(countedPath(e)));
      return levels;
    }

    /** Whether anything of the tenant is kept: a plan, entitlements, usage or reservations (see knowsTenant). */
    boolean holdsAnything() {
      return plan != null || !entitlements.isEmpty() || ledger.values().stream().anyMatch(m -> !m.isEmpty())
          || used.values().stream().anyMatch(amount -> amount != 0) || !reservations.isEmpty();
    }

    TenantState state(Meter meter, Instant now) {
      // Counters whose period contains now: those with usage, and those holding reservations only.
      Map<Period, Counter> counters = new TreeMap<>(Comparator.comparing(Period::start).thenComparing(Period::end));
      used.forEach((key, value) -> {
        if (key.meter().equals(meter) && key.period().contains(now)) {
          counters.put(key.period(), counter(meter, key.period(), now));
        }
      });
      for (Hold hold : holds()) {
        if (hold.reservation.meter().equals(meter) && hold.holdsAt(now)) {
          for (Period period : hold.periodsAt(id)) {
            if (period.contains(now)) {
              counters.computeIfAbsent(period, p -> counter(meter, p, now));
            }
          }
        }
      }
      return new TenantState(Optional.ofNullable(plan), entitlements, version, List.copyOf(counters.values()),
          Optional.ofNullable(parent));
    }

    Counter counter(Meter meter, Period period, Instant now) {
      long reserved = 0;
      for (Hold hold : holds()) {
        StoredReservation r = hold.reservation;
        if (hold.holdsAt(now) && r.meter().equals(meter) && hold.periodsAt(id).contains(period)) {
          reserved += r.amount();
        }
      }
      CounterKey key = new CounterKey(meter, period);
      return new Counter(period, used.getOrDefault(key, 0L), reserved, creditDrawn.getOrDefault(key, 0L));
    }

    /** The positions in {@link #entitlements} of the credits a write on a meter at an instant draws on, in order. */
    List<Integer> activeCredits(Meter meter, Instant at) {
      List<Integer> positions = new ArrayList<>();
      for (int i = 0; i < entitlements.size(); i++) {
        if (entitlements.get(i) instanceof OneTimeCredit c && c.meter().equals(meter) && c.availableAt(at) > 0) {
          positions.add(i);
        }
      }
      positions.sort((a, b) -> {
        OneTimeCredit x = (OneTimeCredit) entitlements.get(a);
        OneTimeCredit y = (OneTimeCredit) entitlements.get(b);
        return x.drawnBefore(y) ? -1 : y.drawnBefore(x) ? 1 : 0;
      });
      return positions;
    }

    @Nullable LedgerEntry entry(Meter meter, UsageKey key) {
      Map<UsageKey, LedgerEntry> entries = ledger.get(meter);
      return entries == null ? null : entries.get(key);
    }

    void insert(LedgerEntry entry) {
      // Check the sum before touching anything, so an overflow writes nothing.
      long current = used.getOrDefault(new CounterKey(entry.meter(), entry.period()), 0L);
      if (current + entry.amount() < 0) {
        throw new InvalidRequestException("amount", "would overflow the period's usage (" + current + " + "
            + entry.amount() + ")");
      }
      ledger.computeIfAbsent(entry.meter(), m -> new LinkedHashMap<>()).put(entry.key(), entry);
      add(entry.meter(), entry.period(), entry.amount());
    }

    void add(Meter meter, Period period, long amount) {
      used.merge(new CounterKey(meter, period), amount, Long::sum);
    }

    void rebucket(Meter meter, Period target) {
      Map<UsageKey, LedgerEntry> entries = ledger.get(meter);
      if (entries != null) {
        for (Map.Entry<UsageKey, LedgerEntry> item : entries.entrySet()) {
          LedgerEntry e = item.getValue();
          if (target.contains(e.occurredAt()) && !e.period().equals(target)) {
            add(meter, e.period(), -e.amount());
            add(meter, target, e.amount());
            moveCreditDrawn(meter, e.period(), target, e.amount());
            item.setValue(new LedgerEntry(e.tenant(), e.meter(), e.amount(), e.key(), e.occurredAt(), target,
                e.attributes()));
          }
        }
      }
      for (Hold hold : reservations.values()) {
        StoredReservation r = hold.reservation;
        if (hold.heldIn == null && r.meter().equals(meter) && target.contains(r.createdAt())
            && !r.period().equals(target)) {
          hold.reservation = new StoredReservation(r.id(), r.tenant(), r.meter(), r.amount(), target, r.createdAt(),
              r.expiresAt());
        }
      }
    }

    /**
     * Moves up to {@code moved} units of a period's credit draws with usage rebucketed out of it: a period's draws
     * paid for its latest usage, which is what a new billing day moves.
     */
    void moveCreditDrawn(Meter meter, Period from, Period to, long moved) {
      CounterKey source = new CounterKey(meter, from);
      long drawn = creditDrawn.getOrDefault(source, 0L);
      long move = Math.min(drawn, moved);
      if (move > 0) {
        creditDrawn.put(source, drawn - move);
        creditDrawn.merge(new CounterKey(meter, to), move, Long::sum);
      }
    }

    PurgeSummary summarize(TenantId tenant, Instant since) {
      long count = 0;
      Map<Meter, Long> amounts = new LinkedHashMap<>();
      for (Map<UsageKey, LedgerEntry> entries : ledger.values()) {
        for (LedgerEntry e : entries.values()) {
          if (!e.occurredAt().isBefore(since)) {
            count++;
            amounts.merge(e.meter(), e.amount(), Long::sum);
          }
        }
      }
      return new PurgeSummary(tenant, since, count, amounts);
    }

    void sweep(Instant now, Duration retention) {
      reservations.values().removeIf(h -> !now.isBefore(h.reservation.expiresAt().plus(retention)));
      heldFromBelow.values().removeIf(h -> !now.isBefore(h.reservation.expiresAt().plus(retention)));
    }
  }
}

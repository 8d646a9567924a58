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
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PurgeSummary;
import dev.quota.admin.Revocation;
import dev.quota.spi.CommitOutcome;
import dev.quota.spi.Counter;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.ReleaseOutcome;
import dev.quota.spi.RevokeOutcome;
import dev.quota.spi.StoredReservation;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A complete, thread-safe {@link QuotaStore} in memory: the reference model every backend is compared
 * with, and a fast store for the tests of services that embed quota.
 *
 * <p>Each tenant's data sits behind its own lock, so every primitive is atomic per tenant, as the SPI
 * requires, and different tenants do not contend. The audit log is global and appended under the
 * tenant's lock, so a change and its entry are never seen apart.
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

  private final ConcurrentHashMap<TenantId, TenantData> tenants = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<EntitlementId, TenantId> entitlementOwners = new ConcurrentHashMap<>();
  private final List<AuditEntry> auditLog = new ArrayList<>();
  /** The tenants of the audit log's entries, which stay known whatever else happens to them. */
  private final Set<TenantId> audited = ConcurrentHashMap.newKeySet();
  private final Duration reservationRetention;
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
        : new TenantState(hostPlan, state.entitlements(), state.version(), state.counters());
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
      data.reservations.put(reservation.id(), new Hold(reservation));
      return new WriteOutcome.Written(data.counter(reservation.meter(), reservation.period(), now));
    }
  }

  @Override
  public CommitOutcome commit(TenantId tenant, ReservationId id, LedgerEntry entry, long expectedVersion, Instant now) {
    TenantData data = data(tenant);
    synchronized (data) {
      if (data.version != expectedVersion) {
        return new CommitOutcome.Stale();
      }
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
          return new CommitOutcome.Duplicate(amount, data.counter(entry.meter(), entry.period(), now));
        }
        return new CommitOutcome.CommittedUnderOtherKey(hold.committedKey);
      }
      LedgerEntry existing = data.entry(entry.meter(), entry.key());
      if (existing != null) {
        if (existing.amount() == entry.amount()) {
          // The usage this hold stood for is already in the ledger: end the hold, or it blocks for nothing.
          hold.committedKey = entry.key();
        }
        return new CommitOutcome.Duplicate(existing.amount(), data.counter(entry.meter(), entry.period(), now));
      }
      boolean expired = !now.isBefore(hold.reservation.expiresAt());
      hold.committedKey = entry.key();
      data.insert(entry);
      return new CommitOutcome.Committed(data.counter(entry.meter(), entry.period(), now), expired);
    }
  }

  @Override
  public ReleaseOutcome release(TenantId tenant, ReservationId id, Instant now) {
    TenantData data = tenants.get(tenant);
    if (data == null) {
      return ReleaseOutcome.NOT_FOUND;
    }
    synchronized (data) {
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
      hold.released = true;
      return ReleaseOutcome.RELEASED;
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
    synchronized (data) {
      PurgeSummary summary = data.summarize(tenant, since);
      AuditEntry entry = audit.apply(summary);
      for (Map<UsageKey, LedgerEntry> entries : data.ledger.values()) {
        entries.values().removeIf(e -> {
          if (e.occurredAt().isBefore(since)) {
            return false;
          }
          data.add(e.meter(), e.period(), -e.amount());
          return true;
        });
      }
      appendAudit(entry);
      return summary;
    }
  }

  // --- alerts and verification ---------------------------------------------------------------------------

  @Override
  public boolean markAlertFired(TenantId tenant, Meter meter, Period period, int thresholdPercent) {
    TenantData data = data(tenant);
    synchronized (data) {
      return data.alerts.add(new AlertMark(meter, period, thresholdPercent));
    }
  }

  @Override
  public void rearmAlerts(TenantId tenant, Meter meter, Period period, Collection<Integer> thresholdPercents) {
    TenantData data = tenants.get(tenant);
    if (data == null) {
      return;
    }
    synchronized (data) {
      for (int threshold : thresholdPercents) {
        data.alerts.remove(new AlertMark(meter, period, threshold));
      }
    }
  }

  @Override
  public List<CounterCheck> verify(TenantId tenant) {
    TenantData data = tenants.get(tenant);
    if (data == null) {
      return List.of();
    }
    synchronized (data) {
      Map<CounterKey, Long> ledgerSums = new LinkedHashMap<>();
      for (Map<UsageKey, LedgerEntry> entries : data.ledger.values()) {
        for (LedgerEntry e : entries.values()) {
          ledgerSums.merge(new CounterKey(e.meter(), e.period()), e.amount(), Long::sum);
        }
      }
      Set<CounterKey> keys = new HashSet<>(data.used.keySet());
      keys.addAll(ledgerSums.keySet());
      return keys.stream()
          .sorted(Comparator.comparing((CounterKey k) -> k.period().start()).thenComparing(k -> k.meter().name()))
          .map(k -> new CounterCheck(k.meter(), k.period(), data.used.getOrDefault(k, 0L), ledgerSums.getOrDefault(k, 0L)))
          .toList();
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
  }

  // --- internals -----------------------------------------------------------------------------------------

  private TenantData data(TenantId tenant) {
    return tenants.computeIfAbsent(tenant, t -> new TenantData());
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

  private record CounterKey(Meter meter, Period period) {}

  private record AlertMark(Meter meter, Period period, int threshold) {}

  private static final class Hold {
    private StoredReservation reservation;
    private boolean released;
    private @Nullable UsageKey committedKey;

    Hold(StoredReservation reservation) {
      this.reservation = reservation;
    }

    boolean holdsAt(Instant now) {
      return !released && committedKey == null && now.isBefore(reservation.expiresAt());
    }
  }

  /** One tenant's data; every access holds its monitor. */
  private static final class TenantData {
    private @Nullable Plan plan;
    private long version;
    private final List<Entitlement> entitlements = new ArrayList<>();
    private final Map<Meter, Map<UsageKey, LedgerEntry>> ledger = new LinkedHashMap<>();
    private final Map<CounterKey, Long> used = new LinkedHashMap<>();
    private final Map<ReservationId, Hold> reservations = new LinkedHashMap<>();
    private final Set<AlertMark> alerts = new HashSet<>();

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
      for (Hold hold : reservations.values()) {
        StoredReservation r = hold.reservation;
        if (r.meter().equals(meter) && r.period().contains(now) && hold.holdsAt(now)) {
          counters.computeIfAbsent(r.period(), p -> counter(meter, p, now));
        }
      }
      return new TenantState(Optional.ofNullable(plan), entitlements, version, List.copyOf(counters.values()));
    }

    Counter counter(Meter meter, Period period, Instant now) {
      long reserved = 0;
      for (Hold hold : reservations.values()) {
        StoredReservation r = hold.reservation;
        if (hold.holdsAt(now) && r.meter().equals(meter) && r.period().equals(period)) {
          reserved += r.amount();
        }
      }
      return new Counter(period, used.getOrDefault(new CounterKey(meter, period), 0L), reserved);
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
            item.setValue(new LedgerEntry(e.tenant(), e.meter(), e.amount(), e.key(), e.occurredAt(), target,
                e.attributes()));
          }
        }
      }
      for (Hold hold : reservations.values()) {
        StoredReservation r = hold.reservation;
        if (r.meter().equals(meter) && target.contains(r.createdAt()) && !r.period().equals(target)) {
          hold.reservation = new StoredReservation(r.id(), r.tenant(), r.meter(), r.amount(), target, r.createdAt(),
              r.expiresAt());
        }
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
    }
  }
}

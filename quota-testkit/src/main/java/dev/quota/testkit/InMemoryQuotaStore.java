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
  /** The threshold of the block mark: outside the thresholds' 1..1000, so it meets none of them. */
  private static final int BLOCK_MARK = -1;
  /** The longest error text kept with a delivery. */
  private static final int MAX_ERROR_LENGTH = 2_000;

  private final ConcurrentHashMap<TenantId, TenantData> tenants = new ConcurrentHashMap<>();
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
    synchronized (data) {
      Counter before = data.counter(entry.meter(), entry.period(), now);
      CommitOutcome outcome = commit(tenant, id, entry, expectedVersion, now);
      if (!(outcome instanceof CommitOutcome.Committed committed)) {
        return outcome;
      }
      draw(data, entry, allowance, before.used(), before.creditDrawn());
      return new CommitOutcome.Committed(data.counter(entry.meter(), entry.period(), now), committed.expired());
    }
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
    /** Per counter, the units of one-time credits its usage drew; never taken back. */
    private final Map<CounterKey, Long> creditDrawn = new LinkedHashMap<>();
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
        if (r.meter().equals(meter) && target.contains(r.createdAt()) && !r.period().equals(target)) {
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
    }
  }
}

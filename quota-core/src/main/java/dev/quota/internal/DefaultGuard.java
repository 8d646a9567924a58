package dev.quota.internal;

import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.Decision.Reason;
import dev.quota.EnforcementMode;
import dev.quota.FailurePolicy;
import dev.quota.InvalidRequestException;
import dev.quota.LevelUsage;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.QuotaGuard;
import dev.quota.QuotaObserver;
import dev.quota.QuotaObserver.Operation;
import dev.quota.QuotaObserver.ReservationEvent;
import dev.quota.RecordResult;
import dev.quota.Reservation;
import dev.quota.ReservationId;
import dev.quota.ReservationStateException;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.TierCatalogue;
import dev.quota.UsageConflictException;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.Window;
import dev.quota.internal.access.ApiAccess;
import dev.quota.spi.CommitOutcome;
import dev.quota.spi.Counter;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.PathOutcome;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.ReleaseOutcome;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.spi.StoredReservation;
import dev.quota.spi.TenantState;
import dev.quota.spi.WriteOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The guard: validation, the policy via {@link Evaluator}, the store's atomic primitives, alerts. */
public final class DefaultGuard implements QuotaGuard {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultGuard.class);
  private static final Duration SHADOW_LOG_INTERVAL = Duration.ofMinutes(1);

  private final QuotaStore store;
  private final TierCatalogue catalogue;
  private final Clock clock;
  private final EnforcementMode mode;
  private final FailurePolicy failurePolicy;
  private final Duration maxReservationTtl;
  private final Evaluator evaluator;
  private final Alerts alerts;
  private final QuotaObserver observer;
  private final Outage outage = new Outage();
  /** Holds of reserves that failed with the store unavailable, released once it answers again. */
  private final UnsettledHolds unsettled;
  /** Usage writes: a first attempt may read the store's cache, a retry after a stale refusal the committed state. */
  private final StaleRetry retry;
  private final Map<String, Instant> shadowLogged = new ConcurrentHashMap<>();
  /** Tiers' rollovers, settled on the slow paths only: a denial, a report. */
  private final Rollovers rollovers;

  /**
   * Creates the guard.
   *
   * @param settings the validated configuration
   * @param evaluator the policy
   */
  public DefaultGuard(Settings settings, Evaluator evaluator) {
    this.store = settings.store();
    this.catalogue = settings.catalogue();
    this.clock = settings.clock();
    this.mode = settings.mode();
    this.failurePolicy = settings.failurePolicy();
    this.maxReservationTtl = settings.maxReservationTtl();
    this.evaluator = evaluator;
    this.alerts = new Alerts(store, settings.alertThresholds(), settings.channelNames());
    this.observer = settings.observer();
    this.unsettled = new UnsettledHolds(store, clock);
    this.rollovers = new Rollovers(store, evaluator, clock);
    this.retry = new StaleRetry((tenant, meter, now) -> read(tenant, meter, now, false),
        (tenant, meter, now) -> read(tenant, meter, now, true));
  }

  Alerts alerts() {
    return alerts;
  }

  UnsettledHolds unsettled() {
    return unsettled;
  }

  @Override
  public boolean canProceed(TenantId tenant) {
    // The hot path: the same policy as check(), through Evaluator.verdict, which builds no report. Only the
    // rare paths (store failure, shadowed denials) fall back to the full decision.
    Checks.notNull("tenant", tenant);
    Meter meter = catalogue.defaultMeter();
    Instant now = clock.instant();
    TenantState state;
    try {
      state = store.read(tenant, meter, now);
      outage.succeeded();
    } catch (StoreUnavailableException e) {
      return observed(Operation.CAN_PROCEED, onStoreFailure(tenant, meter, 1, now, e)).allowed();
    }
    if (state.parent().isPresent() || catalogue.hasWindows(meter)) {
      return canProceedOnPath(tenant, meter, state, now);
    }
    Reason verdict = evaluator.verdict(tenant, meter, state, now, 1);
    if (verdict != Reason.WITHIN_BALANCE && verdict != Reason.BYPASSED) {
      return canProceedDenied(tenant, meter, state, now, verdict);
    }
    observer.onDecision(Operation.CAN_PROCEED, meter, true, verdict, false);
    return true;
  }

  /**
   * The rest of {@link #canProceed} when the verdict denies: kept apart so that the allowing path, by far the most
   * frequent, stays small enough for the JIT to inline whole.
   */
  private boolean canProceedDenied(TenantId tenant, Meter meter, TenantState state, Instant now, Reason verdict) {
    if (catalogue.hasRollover(meter) && rollovers.pending(tenant, meter, state, evaluator.periodOf(state, meter, now))) {
      // A denial before the period's rollover is settled: the full decision settles it first.
      return check(Operation.CAN_PROCEED, tenant, meter, 1).allowed();
    }
    if (mode == EnforcementMode.SHADOW) {
      return observed(Operation.CAN_PROCEED, decide(evaluator.evaluate(tenant, meter, state, now), 1)).allowed();
    }
    observer.onDecision(Operation.CAN_PROCEED, meter, false, verdict, false);
    observer.onDenied(Operation.CAN_PROCEED, meter, verdict, 0, Window.PERIOD);
    return false;
  }

  /**
   * {@link #canProceed} for a tenant with a parent or a meter with short windows: the ancestors are read one level
   * after the other and decided without reports ({@link Evaluator#pathVerdict}); a denial takes the full decision,
   * which settles rollovers, honours shadow mode and says at which level and window it denies.
   */
  private boolean canProceedOnPath(TenantId tenant, Meter meter, TenantState state, Instant now) {
    Reason verdict;
    try {
      verdict = evaluator.pathVerdict(tenant, meter, state, store, now, 1);
      outage.succeeded();
    } catch (StoreUnavailableException e) {
      return observed(Operation.CAN_PROCEED, onStoreFailure(tenant, meter, 1, now, e)).allowed();
    }
    if (verdict != Reason.WITHIN_BALANCE && verdict != Reason.BYPASSED) {
      return check(Operation.CAN_PROCEED, tenant, meter, 1).allowed();
    }
    observer.onDecision(Operation.CAN_PROCEED, meter, true, verdict, false);
    return true;
  }

  @Override
  public Decision check(TenantId tenant, Meter meter, long amount) {
    return check(Operation.CHECK, tenant, meter, amount);
  }

  private Decision check(Operation operation, TenantId tenant, Meter meter, long amount) {
    validate(tenant, meter);
    Checks.positive("amount", amount);
    Instant now = clock.instant();
    UsageReport report;
    try {
      TenantState state = store.read(tenant, meter, now);
      outage.succeeded();
      if (state.parent().isPresent() || catalogue.hasWindows(meter)) {
        return observed(operation, checkOnPath(tenant, meter, amount, now));
      }
      report = evaluator.evaluate(tenant, meter, state, now);
      if (wouldDeny(report, amount)) {
        report = withRollover(tenant, meter, state, report, now);
      }
    } catch (StoreUnavailableException e) {
      return observed(operation, onStoreFailure(tenant, meter, amount, now, e));
    }
    return observed(operation, decide(report, amount));
  }

  @Override
  public ConsumeResult tryConsume(TenantId tenant, Meter meter, long amount, UsageKey key) {
    ConsumeResult result = consume(tenant, meter, amount, key);
    observed(Operation.TRY_CONSUME, result.decision());
    switch (result.outcome()) {
      case CONSUMED -> observer.onUsageRecorded(meter, amount, false);
      case ALREADY_CONSUMED -> observer.onUsageRecorded(meter, amount, true);
      default -> { }
    }
    return result;
  }

  private ConsumeResult consume(TenantId tenant, Meter meter, long amount, UsageKey key) {
    validate(tenant, meter);
    checkAmount("amount", meter, amount);
    Checks.notNull("key", key);
    Instant now = clock.instant();
    try {
      return retry.run(tenant, reads -> consumeOnce(tenant, meter, amount, key, now, reads));
    } catch (StoreUnavailableException e) {
      Decision decision = onStoreFailure(tenant, meter, amount, now, e);
      return new ConsumeResult(decision.allowed() ? ConsumeResult.Outcome.ALLOWED_UNRECORDED
          : ConsumeResult.Outcome.DENIED, decision);
    }
  }

  private Optional<ConsumeResult> consumeOnce(TenantId tenant, Meter meter, long amount, UsageKey key, Instant now,
      StaleRetry.Reads reads) {
    TenantState state = reads.read(tenant, meter, now);
    if (state.parent().isPresent() || catalogue.hasWindows(meter)) {
      return consumeOnPath(tenant, meter, amount, key, now, retry.latest(reads));
    }
    UsageReport before = evaluator.evaluate(tenant, meter, state, now);
    if (wouldDeny(before, amount) && rollovers.pending(state, before)
        && rollovers.settle(tenant, meter, state, before.period())) {
      return Optional.empty(); // read again, with the period's rollover
    }
    Decision planned = decide(before, amount);
    LedgerEntry entry = new LedgerEntry(tenant, meter, amount, key, now, before.period(), Map.of());
    // Bypassed calls, and every call in shadow mode, go through whatever the balance, so their usage is
    // recorded unconditionally; everything else is a conditional write the store decides atomically.
    boolean unconditional = mode == EnforcementMode.SHADOW || planned.reason() == Reason.BYPASSED;
    WriteOutcome outcome = Evaluator.drawsCredits(state, meter, now)
        ? store.writeDrawingCredits(entry, Evaluator.allowance(before), !unconditional, state.version())
        : unconditional
        ? store.append(entry, state.version())
        : store.consume(entry, before.ceiling(), state.version());
    outage.succeeded();
    unsettled.settle();
    return switch (outcome) {
      case WriteOutcome.Written w -> {
        UsageReport after = Evaluator.withCounter(before, w.counter());
        alerts.afterUsage(after, now);
        Decision decision = unconditional ? withReport(planned, after) : Decision.allow(after, amount);
        yield Optional.of(new ConsumeResult(ConsumeResult.Outcome.CONSUMED, decision));
      }
      case WriteOutcome.Insufficient i -> {
        UsageReport after = Evaluator.withCounter(before, i.counter());
        alerts.afterRefusal(after, now);
        yield Optional.of(new ConsumeResult(ConsumeResult.Outcome.DENIED, denied(after, amount)));
      }
      case WriteOutcome.Duplicate d -> {
        if (d.recordedAmount() != amount) {
          throw new UsageConflictException(tenant, key, d.recordedAmount(), amount);
        }
        UsageReport after = Evaluator.withCounter(before, d.counter());
        yield Optional.of(new ConsumeResult(ConsumeResult.Outcome.ALREADY_CONSUMED,
            Decision.allow(after, amount)));
      }
      case WriteOutcome.Stale s -> Optional.empty();
    };
  }

  @Override
  public ReserveResult reserve(TenantId tenant, Meter meter, long estimate, Duration ttl) {
    ReserveResult result = hold(tenant, meter, estimate, ttl);
    observed(Operation.RESERVE, result.decision());
    if (result.granted()) {
      observer.onReservation(ReservationEvent.OPENED);
    }
    return result;
  }

  private ReserveResult hold(TenantId tenant, Meter meter, long estimate, Duration ttl) {
    validate(tenant, meter);
    checkAmount("estimate", meter, estimate);
    Checks.positiveAtMost("ttl", ttl, maxReservationTtl);
    Instant now = clock.instant();
    try {
      return retry.run(tenant, reads -> holdOnce(tenant, meter, estimate, ttl, now, reads));
    } catch (StoreUnavailableException e) {
      // No hold can be taken without the store. When the failure policy allows the call anyway, the caller
      // still gets a handle, so the usual reserve-call-commit code works unchanged: the handle holds nothing,
      // and its commit records the usage once the store answers (the store does not know the id, so the
      // commit falls back to recording it).
      Decision decision = onStoreFailure(tenant, meter, estimate, now, e);
      if (!decision.allowed()) {
        return new ReserveResult(decision, Optional.empty());
      }
      Reservation detached =
          ApiAccess.reservation(ReservationId.random(), tenant, meter, estimate, now, now.plus(ttl), this);
      return new ReserveResult(decision, Optional.of(detached));
    }
  }

  private Optional<ReserveResult> holdOnce(TenantId tenant, Meter meter, long estimate, Duration ttl, Instant now,
      StaleRetry.Reads reads) {
    TenantState state = reads.read(tenant, meter, now);
    if (state.parent().isPresent() || catalogue.hasWindows(meter)) {
      return holdOnPath(tenant, meter, estimate, ttl, now, retry.latest(reads));
    }
    UsageReport before = evaluator.evaluate(tenant, meter, state, now);
    if (wouldDeny(before, estimate) && rollovers.pending(state, before)
        && rollovers.settle(tenant, meter, state, before.period())) {
      return Optional.empty(); // read again, with the period's rollover
    }
    Decision planned = decide(before, estimate);
    // A denial is not taken from the read, which a store may serve from a cache: the store's conditional
    // write decides, as for tryConsume, so a hold freed elsewhere a moment ago is seen.
    boolean unconditional = mode == EnforcementMode.SHADOW || planned.reason() == Reason.BYPASSED;
    StoredReservation hold = new StoredReservation(ReservationId.random(), tenant, meter, estimate,
        before.period(), now, now.plus(ttl));
    WriteOutcome outcome;
    try {
      outcome = store.reserve(hold, unconditional ? TierCatalogue.UNLIMITED : before.ceiling(), state.version(), now);
    } catch (StoreUnavailableException e) {
      // The store may have committed the hold and lost the connection before answering: release it by its id once
      // the store answers, so that a reserve reported as failed leaves no hold behind.
      unsettled.reserveFailed(tenant, hold.id());
      throw e;
    }
    outage.succeeded();
    unsettled.settle();
    return switch (outcome) {
      case WriteOutcome.Written w -> {
        UsageReport after = Evaluator.withCounter(before, w.counter());
        Decision decision = unconditional ? withReport(planned, after) : Decision.allow(after, estimate);
        Reservation reservation =
            ApiAccess.reservation(hold.id(), tenant, meter, estimate, now, hold.expiresAt(), this);
        yield Optional.of(new ReserveResult(decision, Optional.of(reservation)));
      }
      case WriteOutcome.Insufficient i -> {
        UsageReport after = Evaluator.withCounter(before, i.counter());
        alerts.afterRefusal(after, now);
        yield Optional.of(new ReserveResult(denied(after, estimate), Optional.empty()));
      }
      case WriteOutcome.Duplicate d -> throw new IllegalStateException("store reported a duplicate reservation id");
      case WriteOutcome.Stale s -> Optional.empty();
    };
  }

  @Override
  public RecordResult commit(TenantId tenant, ReservationId reservationId, Meter meter, long amount, UsageKey key) {
    validate(tenant, meter);
    Checks.notNull("reservation id", reservationId);
    checkAmount("amount", meter, amount);
    Checks.notNull("key", key);
    Instant now = clock.instant();
    return retry.run(tenant, reads -> commitOnce(tenant, reservationId, meter, amount, key, now, reads));
  }

  private Optional<RecordResult> commitOnce(TenantId tenant, ReservationId id, Meter meter, long actual, UsageKey key,
      Instant now, StaleRetry.Reads reads) {
    TenantState state = reads.read(tenant, meter, now);
    if (state.parent().isPresent() || catalogue.hasWindows(meter)) {
      return commitOnPath(tenant, id, meter, actual, key, now, retry.latest(reads));
    }
    UsageReport before = evaluator.evaluate(tenant, meter, state, now);
    LedgerEntry entry = new LedgerEntry(tenant, meter, actual, key, now, before.period(), Map.of());
    CommitOutcome outcome = Evaluator.drawsCredits(state, meter, now)
        ? call(() -> store.commitDrawingCredits(tenant, id, entry, Evaluator.allowance(before), state.version(), now))
        : call(() -> store.commit(tenant, id, entry, state.version(), now));
    return switch (outcome) {
      case CommitOutcome.Committed c -> {
        UsageReport after = Evaluator.withCounter(before, c.counter());
        alerts.afterUsage(after, now);
        observer.onUsageRecorded(meter, actual, false);
        observer.onReservation(ReservationEvent.COMMITTED);
        yield Optional.of(new RecordResult(tenant, meter, key, actual, false, before.period(), after.used()));
      }
      case CommitOutcome.Duplicate d ->
          Optional.of(duplicate(tenant, meter, key, actual, d.recordedAmount(), before.period(), d.counter()));
      case CommitOutcome.Released r -> throw new ReservationStateException(
          "reservation " + id + " of tenant '" + tenant + "' was released; it cannot be committed");
      case CommitOutcome.WrongMeter w -> throw new ReservationStateException(
          "reservation " + id + " of tenant '" + tenant + "' holds meter '" + w.reservedMeter()
              + "'; it cannot be committed on '" + meter + "'");
      case CommitOutcome.CommittedUnderOtherKey k -> throw new ReservationStateException(
          "reservation " + id + " of tenant '" + tenant + "' was committed under usage key '" + k.key()
              + "'; it cannot be committed again under '" + key + "'");
      case CommitOutcome.NotFound n -> {
        // The store no longer knows the hold (swept long after expiry). The usage happened, so record it.
        LOG.debug("reservation {} of tenant '{}' is unknown to the store; recording its usage directly", id, tenant);
        yield appendOnce(before, entry, state, now);
      }
      case CommitOutcome.Stale s -> Optional.empty();
    };
  }

  @Override
  public boolean release(TenantId tenant, ReservationId reservationId) {
    Checks.notNull("tenant", tenant);
    Checks.notNull("reservation id", reservationId);
    ReleaseOutcome outcome = call(() -> store.release(tenant, reservationId, clock.instant()));
    return switch (outcome) {
      case RELEASED -> {
        observer.onReservation(ReservationEvent.RELEASED);
        yield true;
      }
      case ALREADY_ENDED, NOT_FOUND -> false;
      case COMMITTED -> throw new ReservationStateException(
          "reservation " + reservationId + " of tenant '" + tenant + "' was committed; it cannot be released");
    };
  }

  @Override
  public RecordResult record(UsageEvent event) {
    Checks.notNull("event", event);
    validate(event.tenant(), event.meter());
    checkAmount("amount", event.meter(), event.amount());
    Instant now = clock.instant();
    return retry.run(event.tenant(), reads -> {
      TenantState state = reads.read(event.tenant(), event.meter(), now);
      if (state.parent().isPresent() || catalogue.hasWindows(event.meter())) {
        return appendOnPath(event.tenant(), event.meter(), event.amount(), event.key(), event.attributes(), now,
            retry.latest(reads));
      }
      UsageReport before = evaluator.evaluate(event.tenant(), event.meter(), state, now);
      LedgerEntry entry = new LedgerEntry(event.tenant(), event.meter(), event.amount(), event.key(), now,
          before.period(), event.attributes());
      return appendOnce(before, entry, state, now);
    });
  }

  @Override
  public List<RecordResult> recordAll(List<UsageEvent> events) {
    Checks.notNull("events", events);
    for (int i = 0; i < events.size(); i++) {
      UsageEvent event = Checks.notNull("events[" + i + "]", events.get(i));
      validate(event.tenant(), event.meter());
      checkAmount("events[" + i + "].amount", event.meter(), event.amount());
    }
    Instant now = clock.instant();
    RecordResult[] results = new RecordResult[events.size()];
    Map<TenantId, List<Integer>> byTenant = new LinkedHashMap<>();
    for (int i = 0; i < events.size(); i++) {
      byTenant.computeIfAbsent(events.get(i).tenant(), t -> new ArrayList<>()).add(i);
    }
    // A conflicting event writes nothing, but the batch's other events happened and are recorded, with their
    // alerts, before the first conflict is thrown.
    UsageConflictException conflict = null;
    for (Map.Entry<TenantId, List<Integer>> group : byTenant.entrySet()) {
      UsageConflictException found = recordTenantBatch(group.getKey(), group.getValue(), events, results, now);
      if (conflict == null) {
        conflict = found;
      }
    }
    if (conflict != null) {
      throw conflict;
    }
    return Arrays.asList(results);
  }

  /** Records one tenant's events; returns the first conflict among them, or null. */
  private UsageConflictException recordTenantBatch(TenantId tenant, List<Integer> indexes, List<UsageEvent> events,
      RecordResult[] results, Instant now) {
    TenantBatch batch = new TenantBatch(tenant, indexes, events, results, now);
    return retry.run(tenant, batch::appendPending).conflict;
  }

  /**
   * One tenant's events of a {@link #recordAll} batch. Each attempt appends the events still pending; the store
   * may refuse some as stale and write the others, so a retry appends only those it refused.
   */
  private final class TenantBatch {
    private final TenantId tenant;
    private final List<UsageEvent> events;
    private final RecordResult[] results;
    private final Instant now;
    private List<Integer> pending;
    private UsageConflictException conflict;

    TenantBatch(TenantId tenant, List<Integer> indexes, List<UsageEvent> events, RecordResult[] results, Instant now) {
      this.tenant = tenant;
      this.pending = indexes;
      this.events = events;
      this.results = results;
      this.now = now;
    }

    /** Appends the pending events; returns this batch once none is left, empty while some were refused as stale. */
    Optional<TenantBatch> appendPending(StaleRetry.Reads reads) {
      // One state per meter; all share the tenant's version, or the batch is read again.
      Optional<Map<Meter, TenantState>> read = StaleRetry.readAll(reads, tenant,
          pending.stream().map(i -> events.get(i).meter()).toList(), now);
      if (read.isEmpty()) {
        return Optional.empty();
      }
      Map<Meter, TenantState> states = read.get();
      if (onPath(states)) {
        return appendEachOnPath();
      }
      Map<Meter, UsageReport> reports = new LinkedHashMap<>();
      states.forEach((meter, state) -> reports.put(meter, evaluator.evaluate(tenant, meter, state, now)));
      long version = states.values().iterator().next().version();
      List<LedgerEntry> entries = new ArrayList<>(pending.size());
      for (int i : pending) {
        UsageEvent e = events.get(i);
        entries.add(new LedgerEntry(tenant, e.meter(), e.amount(), e.key(), now, reports.get(e.meter()).period(),
            e.attributes()));
      }
      boolean drawsCredits = false;
      for (Map.Entry<Meter, TenantState> meterState : states.entrySet()) {
        drawsCredits |= Evaluator.drawsCredits(meterState.getValue(), meterState.getKey(), now);
      }
      // Credit draws are decided per entry, in order, each against the counter its predecessors left.
      List<WriteOutcome> outcomes = drawsCredits
          ? call(() -> entries.stream().map(e -> Evaluator.drawsCredits(states.get(e.meter()), e.meter(), now)
              ? store.writeDrawingCredits(e, Evaluator.allowance(reports.get(e.meter())), false, version)
              : store.append(e, version)).toList())
          : call(() -> store.appendAll(entries, version));
      List<Integer> stale = new ArrayList<>();
      Map<Meter, Counter> latest = new LinkedHashMap<>();
      for (int k = 0; k < pending.size(); k++) {
        int i = pending.get(k);
        UsageEvent e = events.get(i);
        Period period = reports.get(e.meter()).period();
        switch (outcomes.get(k)) {
          case WriteOutcome.Written w -> {
            results[i] = new RecordResult(tenant, e.meter(), e.key(), e.amount(), false, period, w.counter().used());
            observer.onUsageRecorded(e.meter(), e.amount(), false);
            latest.merge(e.meter(), w.counter(), (a, b) -> b.used() >= a.used() ? b : a);
          }
          case WriteOutcome.Duplicate d -> {
            if (d.recordedAmount() != e.amount()) {
              if (conflict == null) {
                conflict = new UsageConflictException(tenant, e.key(), d.recordedAmount(), e.amount());
              }
            } else {
              results[i] = duplicate(tenant, e.meter(), e.key(), e.amount(), d.recordedAmount(), period, d.counter());
              observer.onUsageRecorded(e.meter(), e.amount(), true);
            }
          }
          case WriteOutcome.Stale s -> stale.add(i);
          case WriteOutcome.Insufficient n -> throw new IllegalStateException("store refused an unconditional append");
        }
      }
      latest.forEach((meter, counter) -> alerts.afterUsage(Evaluator.withCounter(reports.get(meter), counter), now));
      pending = stale;
      return pending.isEmpty() ? Optional.of(this) : Optional.empty();
    }

    private boolean onPath(Map<Meter, TenantState> states) {
      for (Map.Entry<Meter, TenantState> meterState : states.entrySet()) {
        if (meterState.getValue().parent().isPresent() || catalogue.hasWindows(meterState.getKey())) {
          return true;
        }
      }
      return false;
    }

    /** The pending events of a tenant with a parent, or on meters with windows: one path write each. */
    private Optional<TenantBatch> appendEachOnPath() {
      for (int i : pending) {
        UsageEvent e = events.get(i);
        try {
          results[i] = retry.run(tenant, reads -> appendOnPath(tenant, e.meter(), e.amount(), e.key(),
              e.attributes(), now, retry.latest(reads)));
        } catch (UsageConflictException found) {
          if (conflict == null) {
            conflict = found;
          }
        }
      }
      pending = List.of();
      return Optional.of(this);
    }
  }

  @Override
  public UsageReport usage(TenantId tenant) {
    return usage(tenant, catalogue.defaultMeter());
  }

  @Override
  public UsageReport usage(TenantId tenant, Meter meter) {
    validate(tenant, meter);
    Instant now = clock.instant();
    try {
      TenantState state = store.read(tenant, meter, now);
      outage.succeeded();
      return withRollover(tenant, meter, state, evaluator.evaluate(tenant, meter, state, now), now);
    } catch (StoreUnavailableException e) {
      outage.failed(e, failurePolicy.kind().name());
      Optional<UsageReport> known = lastKnownReport(tenant, meter, now);
      if (known.isPresent()) {
        return known.get();
      }
      throw e;
    }
  }

  @Override
  public List<LevelUsage> usagePath(TenantId tenant, Meter meter) {
    validate(tenant, meter);
    Instant now = clock.instant();
    return evaluator.plan(tenant, meter, readPath(tenant, meter, now, false), now).usage();
  }

  // --- paths: a tenant with a parent, or a meter with short windows ------------------------------------
  //
  // Every level of the tenant's path counts the usage, in every window of the meter, in one atomic store write
  // (PathWrite). Each level is evaluated like any tenant (its own plan, entitlements and tier fallback); its period
  // ceiling is its limit plus its grants plus the credits its period drew already (path writes draw no one-time
  // credits), a short window's is its effective tier's limit in that window (overrides and grants raise only the
  // period's). A bypass lifts its own level and those below it; shadow mode writes unconditionally.

  private Decision checkOnPath(TenantId tenant, Meter meter, long amount, Instant now) {
    PathPlan plan = evaluator.plan(tenant, meter, readPath(tenant, meter, now, false), now);
    Decision decision = plan.decide(amount);
    if (!decision.allowed() && settleRollover(plan, plan.firstRefusal(amount))) {
      plan = evaluator.plan(tenant, meter, readPath(tenant, meter, now, true), now);
      decision = plan.decide(amount);
    }
    return decision.allowed() ? decision : shadowIfConfigured(decision);
  }

  private Optional<ConsumeResult> consumeOnPath(TenantId tenant, Meter meter, long amount, UsageKey key, Instant now,
      boolean latest) {
    PathPlan plan = evaluator.plan(tenant, meter, readPath(tenant, meter, now, latest), now);
    Decision planned = plan.decide(amount);
    int refused = planned.allowed() ? -1 : plan.firstRefusal(amount);
    if (refused >= 0 && settleRollover(plan, refused)) {
      return Optional.empty(); // read again, with the period's rollover
    }
    boolean unconditional = mode == EnforcementMode.SHADOW || planned.reason() == Reason.BYPASSED;
    LedgerEntry entry = new LedgerEntry(tenant, meter, amount, key, now, plan.tenantReport().period(), Map.of());
    PathOutcome outcome = store.consumePath(entry, plan.write(), !unconditional);
    outage.succeeded();
    unsettled.settle();
    return switch (outcome) {
      case PathOutcome.Written w -> {
        PathPlan after = plan.withCounters(w.counters());
        afterUsage(after, now);
        Decision decision = unconditional ? plannedAfter(planned, refused, after, amount) : after.allowance(amount);
        yield Optional.of(new ConsumeResult(ConsumeResult.Outcome.CONSUMED, decision));
      }
      case PathOutcome.Insufficient i -> {
        PathPlan after = plan.withCounters(i.counters());
        afterRefusal(after, i.index(), now);
        yield Optional.of(new ConsumeResult(ConsumeResult.Outcome.DENIED,
            shadowIfConfigured(after.denial(i.index(), amount))));
      }
      case PathOutcome.Duplicate d -> {
        if (d.recordedAmount() != amount) {
          throw new UsageConflictException(tenant, key, d.recordedAmount(), amount);
        }
        yield Optional.of(new ConsumeResult(ConsumeResult.Outcome.ALREADY_CONSUMED,
            plan.withCounters(d.counters()).allowance(amount)));
      }
      case PathOutcome.Stale s -> Optional.empty();
    };
  }

  private Optional<ReserveResult> holdOnPath(TenantId tenant, Meter meter, long estimate, Duration ttl, Instant now,
      boolean latest) {
    PathPlan plan = evaluator.plan(tenant, meter, readPath(tenant, meter, now, latest), now);
    Decision planned = plan.decide(estimate);
    int refused = planned.allowed() ? -1 : plan.firstRefusal(estimate);
    if (refused >= 0 && settleRollover(plan, refused)) {
      return Optional.empty();
    }
    boolean unconditional = mode == EnforcementMode.SHADOW || planned.reason() == Reason.BYPASSED;
    StoredReservation hold = new StoredReservation(ReservationId.random(), tenant, meter, estimate,
        plan.tenantReport().period(), now, now.plus(ttl));
    PathOutcome outcome;
    try {
      outcome = store.reservePath(hold, plan.write(), !unconditional, now);
    } catch (StoreUnavailableException e) {
      unsettled.reserveFailed(tenant, hold.id());
      throw e;
    }
    outage.succeeded();
    unsettled.settle();
    return switch (outcome) {
      case PathOutcome.Written w -> {
        PathPlan after = plan.withCounters(w.counters());
        Decision decision = unconditional ? plannedAfter(planned, refused, after, estimate)
            : after.allowance(estimate);
        Reservation reservation =
            ApiAccess.reservation(hold.id(), tenant, meter, estimate, now, hold.expiresAt(), this);
        yield Optional.of(new ReserveResult(decision, Optional.of(reservation)));
      }
      case PathOutcome.Insufficient i -> {
        PathPlan after = plan.withCounters(i.counters());
        afterRefusal(after, i.index(), now);
        yield Optional.of(new ReserveResult(shadowIfConfigured(after.denial(i.index(), estimate)),
            Optional.empty()));
      }
      case PathOutcome.Duplicate d -> throw new IllegalStateException("store reported a duplicate reservation id");
      case PathOutcome.Stale s -> Optional.empty();
    };
  }

  private Optional<RecordResult> commitOnPath(TenantId tenant, ReservationId id, Meter meter, long actual,
      UsageKey key, Instant now, boolean latest) {
    // The usage counts on the path and in the windows current at the commit, whatever they were at the reserve.
    PathPlan plan = evaluator.plan(tenant, meter, readPath(tenant, meter, now, latest), now);
    UsageReport before = plan.tenantReport();
    LedgerEntry entry = new LedgerEntry(tenant, meter, actual, key, now, before.period(), Map.of());
    CommitOutcome outcome = call(() -> store.commitPath(tenant, id, entry, plan.write(), now));
    return switch (outcome) {
      case CommitOutcome.Committed c -> {
        // The store returns the tenant's own period counter; the ancestors' periods grew by the same amount.
        UsageReport after = Evaluator.withCounter(before, c.counter());
        alerts.afterUsage(after, now);
        for (int level = 1; level < plan.levels().size(); level++) {
          UsageReport report = plan.periodReports().get(level);
          alerts.afterUsage(Evaluator.withCounter(report, new Counter(report.period(),
              Checks.saturatedAdd(report.used(), actual), report.reserved(), report.creditDrawn())), now);
        }
        observer.onUsageRecorded(meter, actual, false);
        observer.onReservation(ReservationEvent.COMMITTED);
        yield Optional.of(new RecordResult(tenant, meter, key, actual, false, before.period(), after.used()));
      }
      case CommitOutcome.Duplicate d ->
          Optional.of(duplicate(tenant, meter, key, actual, d.recordedAmount(), before.period(), d.counter()));
      case CommitOutcome.Released r -> throw new ReservationStateException(
          "reservation " + id + " of tenant '" + tenant + "' was released; it cannot be committed");
      case CommitOutcome.WrongMeter w -> throw new ReservationStateException(
          "reservation " + id + " of tenant '" + tenant + "' holds meter '" + w.reservedMeter()
              + "'; it cannot be committed on '" + meter + "'");
      case CommitOutcome.CommittedUnderOtherKey k -> throw new ReservationStateException(
          "reservation " + id + " of tenant '" + tenant + "' was committed under usage key '" + k.key()
              + "'; it cannot be committed again under '" + key + "'");
      case CommitOutcome.NotFound n -> {
        LOG.debug("reservation {} of tenant '{}' is unknown to the store; recording its usage directly", id, tenant);
        yield appendOnPath(plan, entry, now);
      }
      case CommitOutcome.Stale s -> Optional.empty();
    };
  }

  private Optional<RecordResult> appendOnPath(TenantId tenant, Meter meter, long amount, UsageKey key,
      Map<String, String> attributes, Instant now, boolean latest) {
    PathPlan plan = evaluator.plan(tenant, meter, readPath(tenant, meter, now, latest), now);
    LedgerEntry entry = new LedgerEntry(tenant, meter, amount, key, now, plan.tenantReport().period(), attributes);
    return appendOnPath(plan, entry, now);
  }

  /** Records usage on a path unconditionally: it happened. */
  private Optional<RecordResult> appendOnPath(PathPlan plan, LedgerEntry entry, Instant now) {
    PathOutcome outcome = call(() -> store.consumePath(entry, plan.write(), false));
    return switch (outcome) {
      case PathOutcome.Written w -> {
        PathPlan after = plan.withCounters(w.counters());
        afterUsage(after, now);
        observer.onUsageRecorded(entry.meter(), entry.amount(), false);
        yield Optional.of(new RecordResult(entry.tenant(), entry.meter(), entry.key(), entry.amount(), false,
            entry.period(), after.tenantReport().used()));
      }
      case PathOutcome.Duplicate d -> {
        RecordResult result = duplicate(entry.tenant(), entry.meter(), entry.key(), entry.amount(),
            d.recordedAmount(), entry.period(), d.counters().get(0));
        observer.onUsageRecorded(entry.meter(), entry.amount(), true);
        yield Optional.of(result);
      }
      case PathOutcome.Stale s -> Optional.empty();
      case PathOutcome.Insufficient i -> throw new IllegalStateException("store refused an unconditional path write");
    };
  }

  /** The planned decision of an unconditional path write (bypassed, or in shadow mode), with the counters after it. */
  private Decision plannedAfter(Decision planned, int refused, PathPlan after, long amount) {
    if (planned.reason() == Reason.BYPASSED) {
      return after.decide(amount);
    }
    if (refused >= 0) {
      return Decision.shadowAllowed(after.denial(refused, amount));
    }
    return after.allowance(amount);
  }

  /**
   * Settles the rollover of the level whose period refused, if it is pending.
   *
   * @return whether something rolled over, so the path must be read again
   */
  private boolean settleRollover(PathPlan plan, int refused) {
    if (refused < 0 || !catalogue.hasRollover(plan.tenantReport().meter())) {
      return false;
    }
    PathPlan.Slot slot = plan.slots().get(refused);
    if (slot.window() != Window.PERIOD) {
      return false;
    }
    TenantState state = plan.states().get(slot.level());
    UsageReport report = plan.periodReports().get(slot.level());
    return rollovers.pending(state, report)
        && rollovers.settle(plan.levels().get(slot.level()), report.meter(), state, report.period());
  }

  private void afterUsage(PathPlan after, Instant now) {
    for (UsageReport report : after.periodReports()) {
      alerts.afterUsage(report, now);
    }
  }

  private void afterRefusal(PathPlan after, int refused, Instant now) {
    PathPlan.Slot slot = after.slots().get(refused);
    if (slot.window() == Window.PERIOD) {
      alerts.afterRefusal(after.periodReports().get(slot.level()), now);
    }
  }

  /** Reads a tenant's path, noting whether the store answered. */
  private List<TenantState> readPath(TenantId tenant, Meter meter, Instant now, boolean latest) {
    try {
      List<TenantState> states = latest ? store.readLatestPath(tenant, meter, now) : store.readPath(tenant, meter, now);
      outage.succeeded();
      return states;
    } catch (StoreUnavailableException e) {
      outage.failed(e, failurePolicy.kind().name());
      throw e;
    }
  }

  // --- decisions ---------------------------------------------------------------------------------

  /** Whether an enforcing decision on the report would deny the amount. */
  private static boolean wouldDeny(UsageReport report, long amount) {
    return !report.bypassed() && report.remaining() < amount;
  }

  /**
   * The report with the period's rollover settled: the report itself when no tier rolls the meter over, the rollover
   * is settled already, or nothing rolled over; else the report of the state read again.
   */
  private UsageReport withRollover(TenantId tenant, Meter meter, TenantState state, UsageReport report, Instant now) {
    if (!rollovers.pending(state, report) || !rollovers.settle(tenant, meter, state, report.period())) {
      return report;
    }
    return evaluator.evaluate(tenant, meter, read(tenant, meter, now, true), now);
  }

  private Decision decide(UsageReport report, long amount) {
    if (report.bypassed()) {
      return Decision.bypassed(report, amount);
    }
    if (report.remaining() >= amount) {
      return Decision.allow(report, amount);
    }
    return denied(report, amount);
  }

  private Decision denied(UsageReport report, long amount) {
    return shadowIfConfigured(Decision.deny(Evaluator.denialReason(report.tierSource()), report, amount));
  }

  private Decision shadowIfConfigured(Decision denial) {
    if (mode != EnforcementMode.SHADOW) {
      return denial;
    }
    logShadowed(denial);
    return Decision.shadowAllowed(denial);
  }

  /** The decision planned for an unconditional write (bypassed, or in shadow mode), with the standing after it. */
  private static Decision withReport(Decision planned, UsageReport after) {
    if (planned.reason() == Reason.BYPASSED) {
      return Decision.bypassed(after, planned.requested());
    }
    if (planned.shadowed()) {
      return Decision.shadowAllowed(Decision.deny(planned.reason(), after, planned.requested()));
    }
    return Decision.allow(after, planned.requested());
  }

  private void logShadowed(Decision denial) {
    String key = denial.tenant().value() + '\u0000' + denial.meter().name();
    Instant now = clock.instant();
    Instant last = shadowLogged.get(key);
    if (last != null && Duration.between(last, now).compareTo(SHADOW_LOG_INTERVAL) < 0) {
      LOG.debug("shadow mode let tenant '{}' through on {}: {}", denial.tenant(), denial.meter(), denial.reason());
      return;
    }
    if (shadowLogged.size() > 10_000) {
      shadowLogged.clear();
    }
    shadowLogged.put(key, now);
    LOG.info("shadow mode let tenant '{}' through on {} although enforcement would deny it: {} (requested {}, remaining {})",
        denial.tenant(), denial.meter(), denial.reason(), denial.requested(), denial.remaining());
  }

  private Decision observed(Operation operation, Decision decision) {
    observer.onDecision(operation, decision.meter(), decision.allowed(), decision.reason(), decision.shadowed());
    if (!decision.allowed() || decision.shadowed()) {
      observer.onDenied(operation, decision.meter(), decision.reason(), decision.levelsUp(), decision.window());
    }
    return decision;
  }

  // --- failures ------------------------------------------------------------------------------------

  private Decision onStoreFailure(TenantId tenant, Meter meter, long amount, Instant now, StoreUnavailableException e) {
    outage.failed(e, failurePolicy.kind().name());
    Decision decision = switch (failurePolicy.kind()) {
      case ALLOW -> Decision.allowedByFailurePolicy(tenant, meter, amount);
      case DENY -> Decision.deniedByFailurePolicy(tenant, meter, amount);
      case LAST_KNOWN_STATE -> lastKnownReport(tenant, meter, now)
          .map(report -> decide(report, amount))
          .orElseGet(() -> Decision.deniedByFailurePolicy(tenant, meter, amount));
    };
    if (!decision.allowed() && !decision.shadowed()) {
      return shadowIfConfigured(decision);
    }
    return decision;
  }

  private Optional<UsageReport> lastKnownReport(TenantId tenant, Meter meter, Instant now) {
    if (failurePolicy.kind() != FailurePolicy.Kind.LAST_KNOWN_STATE) {
      return Optional.empty();
    }
    return store.lastKnown(tenant, meter)
        .filter(known -> !known.readAt().plus(failurePolicy.maxAge()).isBefore(now))
        .map(known -> evaluator.evaluate(tenant, meter, known.state(), now));
  }

  // --- helpers ---------------------------------------------------------------------------------------

  private Optional<RecordResult> appendOnce(UsageReport before, LedgerEntry entry, TenantState state, Instant now) {
    long version = state.version();
    WriteOutcome outcome = Evaluator.drawsCredits(state, entry.meter(), now)
        ? call(() -> store.writeDrawingCredits(entry, Evaluator.allowance(before), false, version))
        : call(() -> store.append(entry, version));
    return switch (outcome) {
      case WriteOutcome.Written w -> {
        UsageReport after = Evaluator.withCounter(before, w.counter());
        alerts.afterUsage(after, now);
        observer.onUsageRecorded(entry.meter(), entry.amount(), false);
        yield Optional.of(new RecordResult(entry.tenant(), entry.meter(), entry.key(), entry.amount(), false,
            entry.period(), after.used()));
      }
      case WriteOutcome.Duplicate d -> {
        RecordResult result = duplicate(entry.tenant(), entry.meter(), entry.key(), entry.amount(),
            d.recordedAmount(), entry.period(), d.counter());
        observer.onUsageRecorded(entry.meter(), entry.amount(), true);
        yield Optional.of(result);
      }
      case WriteOutcome.Stale s -> Optional.empty();
      case WriteOutcome.Insufficient i -> throw new IllegalStateException("store refused an unconditional append");
    };
  }

  private static RecordResult duplicate(TenantId tenant, Meter meter, UsageKey key, long amount, long recorded,
      Period period, Counter counter) {
    if (recorded != amount) {
      throw new UsageConflictException(tenant, key, recorded, amount);
    }
    long used = counter.period().equals(period) ? counter.used() : 0;
    return new RecordResult(tenant, meter, key, amount, true, period, used);
  }

  /** Reads the state, noting whether the store answered. */
  private TenantState read(TenantId tenant, Meter meter, Instant now, boolean latest) {
    try {
      TenantState state = latest ? store.readLatest(tenant, meter, now) : store.read(tenant, meter, now);
      outage.succeeded();
      return state;
    } catch (StoreUnavailableException e) {
      outage.failed(e, failurePolicy.kind().name());
      throw e;
    }
  }

  private <T> T call(java.util.function.Supplier<T> storeCall) {
    try {
      T result = storeCall.get();
      outage.succeeded();
      unsettled.settle();
      return result;
    } catch (StoreUnavailableException e) {
      outage.failed(e, failurePolicy.kind().name());
      throw e;
    }
  }

  private void validate(TenantId tenant, Meter meter) {
    Checks.notNull("tenant", tenant);
    catalogue.requireMeter(meter);
  }

  /**
   * Refuses an amount of one usage event that is not positive or above the meter's bound: a sum of such amounts could
   * overflow a period's counter and make every later write of the period fail.
   */
  private void checkAmount(String field, Meter meter, long amount) {
    Checks.positive(field, amount);
    long max = catalogue.maxEventAmount(meter);
    if (amount > max) {
      throw new InvalidRequestException(field, "must be at most " + max + " (the largest single event on meter '"
          + meter + "'; TierCatalogue.Builder.maxEventAmount), was " + amount);
    }
  }
}

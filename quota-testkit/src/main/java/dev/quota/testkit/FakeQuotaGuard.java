package dev.quota.testkit;

import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.Decision.Reason;
import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.RecordResult;
import dev.quota.Reservation;
import dev.quota.ReservationId;
import dev.quota.ReservationStateException;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageConflictException;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.UsageReport.TierSource;
import dev.quota.internal.access.ApiAccess;
import dev.quota.period.PeriodPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A {@link QuotaGuard} for the unit tests of services that call one: no store, no tiers, just a script per
 * tenant ("always allow", "start blocked", "allow 3 calls then deny", "a balance of 1,000 units") and a
 * record of every call it received, to assert on.
 *
 * {@snippet :
 * FakeQuotaGuard guard = new FakeQuotaGuard(TestClock.at("2026-11-25T10:00:00Z"));
 * guard.script(tenant, FakeQuotaGuard.Script.allowCalls(2));
 * PlannerService planner = new PlannerService(guard);
 *
 * planner.plan(tenant, "a");
 * planner.plan(tenant, "b");
 * assertThatThrownBy(() -> planner.plan(tenant, "c")).isInstanceOf(TooManyRequests.class);
 * assertThat(guard.calls(tenant)).extracting(FakeQuotaGuard.Call::method)
 *     .containsOnly(FakeQuotaGuard.Method.TRY_CONSUME);
 * }
 *
 * <p>What it keeps like the real guard: input validation (an {@link InvalidRequestException} naming the
 * field), idempotency by usage key per tenant and meter (a retry is {@link ConsumeResult.Outcome#ALREADY_CONSUMED},
 * another amount a {@link UsageConflictException}), reservations that count until committed, released or
 * expired, and calendar months in UTC by the given clock. What it leaves out: tiers, grants, alerts,
 * admin operations, failure policies. Any meter is accepted; {@link #canProceed} and {@link #usage(TenantId)}
 * use {@link Meter#AI_TOKENS}.
 *
 * <p>Reports are made up to tell the same story as the decisions: while a script allows, the limit is
 * {@link TierCatalogue#UNLIMITED}; once it denies, the limit is 0, so the tenant shows as
 * {@link UsageReport#blocked() blocked}; under {@link Script#limit(long)} the limit is that balance. Usage
 * and reservations in reports are the ones made through the fake. The tier is always {@link #SCRIPTED_TIER}.
 *
 * <p>Thread-safe: every method holds the fake's lock, so tests of concurrent callers see each call once.
 */
public final class FakeQuotaGuard implements QuotaGuard {
  /** The tier every made-up report names. */
  public static final Tier SCRIPTED_TIER = Tier.of("scripted");
  /** The longest reservation accepted, as with a real guard's default. */
  public static final Duration MAX_RESERVATION_TTL = Quota.Builder.DEFAULT_MAX_RESERVATION_TTL;

  private static final PeriodPolicy PERIODS = PeriodPolicy.calendarMonth();

  private final Clock clock;
  private final List<Call> calls = new ArrayList<>();
  private final Map<TenantId, TenantScript> tenants = new HashMap<>();
  private final Map<UsageSlot, Long> used = new HashMap<>();
  private final Map<KeySlot, Long> recordedKeys = new HashMap<>();
  private final Map<ReservationId, Hold> holds = new HashMap<>();
  private Script defaultScript = Script.allowAll();

  /** A fake that allows everything, on the system clock in UTC. */
  public FakeQuotaGuard() {
    this(Clock.systemUTC());
  }

  /**
   * A fake that allows everything until scripted otherwise.
   *
   * @param clock the time of calls, periods and reservation expiries; a {@link TestClock} in tests
   */
  public FakeQuotaGuard(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  // --- scripting -----------------------------------------------------------------------------------------

  /** What the fake decides for a tenant. Immutable; a fake counts each tenant's calls under it separately. */
  public static final class Script {
    private enum Kind { ALLOW_ALL, DENY_ALL, ALLOW_CALLS, LIMIT }

    private final Kind kind;
    private final long count;

    private Script(Kind kind, long count) {
      this.kind = kind;
      this.count = count;
    }

    /** @return a script that allows every call */
    public static Script allowAll() {
      return new Script(Kind.ALLOW_ALL, 0);
    }

    /** @return a script that denies every call: the tenant starts blocked */
    public static Script denyAll() {
      return new Script(Kind.DENY_ALL, 0);
    }

    /**
     * Allows a tenant's first {@code calls} deciding calls ({@link #canProceed}, {@link #check},
     * {@link #tryConsume} and {@link #reserve}, each counting one, whatever its amount) and denies every
     * later one. A retried consume that is {@link ConsumeResult.Outcome#ALREADY_CONSUMED} decides nothing
     * and does not count.
     *
     * @param calls how many calls to allow; 0 or more
     * @return the script
     */
    public static Script allowCalls(int calls) {
      if (calls < 0) {
        throw new IllegalArgumentException("calls must not be negative, was " + calls);
      }
      return new Script(Kind.ALLOW_CALLS, calls);
    }

    /**
     * Gives a tenant a balance per meter and calendar month, like a real tier's limit: a call is allowed
     * while {@code used + reserved + amount <= units}.
     *
     * @param units the limit per meter and month, in the meter's unit; 0 or more
     * @return the script
     */
    public static Script limit(long units) {
      if (units < 0) {
        throw new IllegalArgumentException("units must not be negative, was " + units);
      }
      return new Script(Kind.LIMIT, units);
    }

    @Override
    public String toString() {
      return switch (kind) {
        case ALLOW_ALL -> "allowAll()";
        case DENY_ALL -> "denyAll()";
        case ALLOW_CALLS -> "allowCalls(" + count + ")";
        case LIMIT -> "limit(" + count + ")";
      };
    }
  }

  /**
   * Sets the script of every tenant that has none of its own, and starts counting their calls afresh.
   *
   * @param script the script
   * @return this fake
   */
  public synchronized FakeQuotaGuard scriptAll(Script script) {
    defaultScript = Objects.requireNonNull(script, "script");
    tenants.values().removeIf(t -> t.script == null);
    return this;
  }

  /**
   * Sets one tenant's script, and starts counting its calls afresh.
   *
   * @param tenant the tenant
   * @param script the script
   * @return this fake
   */
  public synchronized FakeQuotaGuard script(TenantId tenant, Script script) {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(script, "script");
    tenants.put(tenant, new TenantScript(script));
    return this;
  }

  // --- recorded calls ----------------------------------------------------------------------------------

  /** The guard methods a {@link Call} can be. */
  public enum Method {
    /** {@link QuotaGuard#canProceed}. */
    CAN_PROCEED,
    /** {@link QuotaGuard#check}. */
    CHECK,
    /** {@link QuotaGuard#tryConsume}. */
    TRY_CONSUME,
    /** {@link QuotaGuard#reserve}. */
    RESERVE,
    /** {@link QuotaGuard#commit}, directly or through {@link Reservation#commit}. */
    COMMIT,
    /** {@link QuotaGuard#release}, directly or through {@link Reservation#release}. */
    RELEASE,
    /** {@link QuotaGuard#record}, and each event of {@link QuotaGuard#recordAll}. */
    RECORD,
    /** {@link QuotaGuard#usage}. */
    USAGE
  }

  /**
   * One call the fake received, as the caller made it. A call is recorded as soon as its tenant and meter are
   * known, before its other arguments are checked, so that a test also sees calls refused as bad input.
   *
   * @param method which method
   * @param tenant the tenant
   * @param meter the meter; empty only for a release of a reservation this fake never made
   * @param amount the units asked for, estimated or recorded, in the meter's unit; 1 for
   *     {@code canProceed}, 0 for {@code usage} and {@code release}
   * @param key the usage key, for consumes, commits and records
   * @param reservation the reservation, for commits and releases
   * @param at the fake's clock at the call
   */
  public record Call(Method method, TenantId tenant, Optional<Meter> meter, long amount, Optional<UsageKey> key,
      Optional<ReservationId> reservation, Instant at) {}

  /** @return every call received so far, oldest first */
  public synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  /**
   * Returns the calls about one tenant.
   *
   * @param tenant the tenant
   * @return its calls, oldest first
   */
  public synchronized List<Call> calls(TenantId tenant) {
    return calls.stream().filter(c -> c.tenant().equals(tenant)).toList();
  }

  /**
   * Returns the calls of one method.
   *
   * @param method the method
   * @return its calls, oldest first
   */
  public synchronized List<Call> calls(Method method) {
    return calls.stream().filter(c -> c.method() == method).toList();
  }

  /** Forgets the calls received so far; scripts, usage and reservations stay. */
  public synchronized void clearCalls() {
    calls.clear();
  }

  // --- QuotaGuard ------------------------------------------------------------------------------------------

  @Override
  public synchronized boolean canProceed(TenantId tenant) {
    notNull("tenant", tenant);
    Instant now = clock.instant();
    log(Method.CAN_PROCEED, tenant, Meter.AI_TOKENS, 1, null, null, now);
    return decide(tenant, Meter.AI_TOKENS, 1, now).allowed();
  }

  @Override
  public synchronized Decision check(TenantId tenant, Meter meter, long amount) {
    validate(tenant, meter);
    Instant now = clock.instant();
    log(Method.CHECK, tenant, meter, amount, null, null, now);
    positive("amount", amount);
    return decide(tenant, meter, amount, now);
  }

  @Override
  public synchronized ConsumeResult tryConsume(TenantId tenant, Meter meter, long amount, UsageKey key) {
    validate(tenant, meter);
    Instant now = clock.instant();
    log(Method.TRY_CONSUME, tenant, meter, amount, key, null, now);
    positive("amount", amount);
    notNull("key", key);
    Long recorded = recordedKeys.get(new KeySlot(tenant, meter, key));
    if (recorded != null) {
      if (recorded != amount) {
        throw new UsageConflictException(tenant, key, recorded, amount);
      }
      Decision decision = Decision.allow(report(tenant, meter, now), amount);
      return new ConsumeResult(ConsumeResult.Outcome.ALREADY_CONSUMED, decision);
    }
    Decision decision = decide(tenant, meter, amount, now);
    if (!decision.allowed()) {
      return new ConsumeResult(ConsumeResult.Outcome.DENIED, decision);
    }
    add(tenant, meter, amount, key, now);
    return new ConsumeResult(ConsumeResult.Outcome.CONSUMED, afterWrite(decision, now));
  }

  @Override
  public synchronized ReserveResult reserve(TenantId tenant, Meter meter, long estimate, Duration ttl) {
    validate(tenant, meter);
    Instant now = clock.instant();
    log(Method.RESERVE, tenant, meter, estimate, null, null, now);
    positive("estimate", estimate);
    notNull("ttl", ttl);
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_RESERVATION_TTL) > 0) {
      throw new InvalidRequestException("ttl", "must be positive and at most " + MAX_RESERVATION_TTL
          + ", was " + ttl);
    }
    Decision decision = decide(tenant, meter, estimate, now);
    if (!decision.allowed()) {
      return new ReserveResult(decision, Optional.empty());
    }
    ReservationId id = ReservationId.random();
    holds.put(id, new Hold(tenant, meter, estimate, PERIODS.periodAt(now), now.plus(ttl)));
    Reservation reservation = ApiAccess.reservation(id, tenant, meter, estimate, now, now.plus(ttl), this);
    return new ReserveResult(afterWrite(decision, now), Optional.of(reservation));
  }

  @Override
  public synchronized RecordResult commit(TenantId tenant, ReservationId reservationId, Meter meter, long amount,
      UsageKey key) {
    validate(tenant, meter);
    Instant now = clock.instant();
    calls.add(new Call(Method.COMMIT, tenant, Optional.of(meter), amount, Optional.ofNullable(key),
        Optional.ofNullable(reservationId), now));
    notNull("reservation id", reservationId);
    positive("amount", amount);
    notNull("key", key);
    Hold hold = holds.get(reservationId);
    if (hold != null && hold.tenant.equals(tenant)) {
      if (hold.released) {
        throw new ReservationStateException("reservation " + reservationId + " of tenant '" + tenant
            + "' was released; it cannot be committed");
      }
      if (hold.committedKey != null && !hold.committedKey.equals(key)) {
        throw new ReservationStateException("reservation " + reservationId + " of tenant '" + tenant
            + "' was committed under usage key '" + hold.committedKey + "'; it cannot be committed again under '" + key
            + "'");
      }
    }
    RecordResult result = recordOnce(tenant, meter, amount, key, now);
    if (hold != null && hold.tenant.equals(tenant)) {
      hold.committedKey = key;
    }
    return result;
  }

  @Override
  public synchronized boolean release(TenantId tenant, ReservationId reservationId) {
    notNull("tenant", tenant);
    Hold hold = holds.get(reservationId);
    Instant now = clock.instant();
    calls.add(new Call(Method.RELEASE, tenant, Optional.ofNullable(hold).map(h -> h.meter), 0, Optional.empty(),
        Optional.ofNullable(reservationId), now));
    notNull("reservation id", reservationId);
    if (hold == null || !hold.tenant.equals(tenant)) {
      return false;
    }
    if (hold.committedKey != null) {
      throw new ReservationStateException("reservation " + reservationId + " of tenant '" + tenant
          + "' was committed; it cannot be released");
    }
    boolean wasHolding = hold.holdsAt(now);
    hold.released = true;
    return wasHolding;
  }

  @Override
  public synchronized RecordResult record(UsageEvent event) {
    notNull("event", event);
    Instant now = clock.instant();
    log(Method.RECORD, event.tenant(), event.meter(), event.amount(), event.key(), null, now);
    return recordOnce(event.tenant(), event.meter(), event.amount(), event.key(), now);
  }

  @Override
  public synchronized List<RecordResult> recordAll(List<UsageEvent> events) {
    notNull("events", events);
    for (int i = 0; i < events.size(); i++) {
      notNull("events[" + i + "]", events.get(i));
    }
    // Like the real guard: every event that does not conflict is recorded, then the first conflict is thrown.
    List<RecordResult> results = new ArrayList<>(events.size());
    UsageConflictException conflict = null;
    for (UsageEvent event : events) {
      try {
        results.add(record(event));
      } catch (UsageConflictException e) {
        conflict = conflict == null ? e : conflict;
        results.add(null);
      }
    }
    if (conflict != null) {
      throw conflict;
    }
    return results;
  }

  @Override
  public synchronized UsageReport usage(TenantId tenant) {
    return usage(tenant, Meter.AI_TOKENS);
  }

  @Override
  public synchronized UsageReport usage(TenantId tenant, Meter meter) {
    validate(tenant, meter);
    Instant now = clock.instant();
    log(Method.USAGE, tenant, meter, 0, null, null, now);
    return report(tenant, meter, now);
  }

  // --- internals -------------------------------------------------------------------------------------------

  private Decision decide(TenantId tenant, Meter meter, long amount, Instant now) {
    TenantScript state = tenants.computeIfAbsent(tenant, t -> new TenantScript(null));
    Script script = state.script == null ? defaultScript : state.script;
    boolean allowed = switch (script.kind) {
      case ALLOW_ALL -> true;
      case DENY_ALL -> false;
      case ALLOW_CALLS -> state.decided < script.count;
      case LIMIT -> {
        long taken = saturatedAdd(used(tenant, meter, now), reserved(tenant, meter, now));
        yield saturatedAdd(taken, amount) <= script.count;
      }
    };
    // The report is made before the call is counted, so that it shows the standing this call was decided on.
    UsageReport report = report(tenant, meter, now);
    state.decided++;
    return allowed ? Decision.allow(report, amount) : Decision.deny(Reason.INSUFFICIENT_BALANCE, report, amount);
  }

  /** The allowing decision with the standing after its write, as the real guard reports it. */
  private Decision afterWrite(Decision decision, Instant now) {
    return Decision.allow(report(decision.tenant(), decision.meter(), now), decision.requested());
  }

  private RecordResult recordOnce(TenantId tenant, Meter meter, long amount, UsageKey key, Instant now) {
    Period period = PERIODS.periodAt(now);
    Long recorded = recordedKeys.get(new KeySlot(tenant, meter, key));
    if (recorded != null) {
      if (recorded != amount) {
        throw new UsageConflictException(tenant, key, recorded, amount);
      }
      return new RecordResult(tenant, meter, key, amount, true, period, used(tenant, meter, now));
    }
    add(tenant, meter, amount, key, now);
    return new RecordResult(tenant, meter, key, amount, false, period, used(tenant, meter, now));
  }

  private void add(TenantId tenant, Meter meter, long amount, UsageKey key, Instant now) {
    recordedKeys.put(new KeySlot(tenant, meter, key), amount);
    used.merge(new UsageSlot(tenant, meter, PERIODS.periodAt(now)), amount, FakeQuotaGuard::saturatedAdd);
  }

  private UsageReport report(TenantId tenant, Meter meter, Instant now) {
    TenantScript state = tenants.get(tenant);
    Script script = state == null || state.script == null ? defaultScript : state.script;
    long limit = switch (script.kind) {
      case ALLOW_ALL -> TierCatalogue.UNLIMITED;
      case DENY_ALL -> 0;
      case ALLOW_CALLS -> (state == null ? 0 : state.decided) < script.count ? TierCatalogue.UNLIMITED : 0;
      case LIMIT -> script.count;
    };
    Optional<Tier> tier = Optional.of(SCRIPTED_TIER);
    return new UsageReport(tenant, meter, tier, tier, TierSource.PLAN, limit, 0, used(tenant, meter, now),
        reserved(tenant, meter, now), PERIODS.periodAt(now), Optional.empty(), List.of(), now);
  }

  private long used(TenantId tenant, Meter meter, Instant now) {
    return used.getOrDefault(new UsageSlot(tenant, meter, PERIODS.periodAt(now)), 0L);
  }

  private long reserved(TenantId tenant, Meter meter, Instant now) {
    Period period = PERIODS.periodAt(now);
    long sum = 0;
    for (Hold hold : holds.values()) {
      if (hold.tenant.equals(tenant) && hold.meter.equals(meter) && hold.period.equals(period) && hold.holdsAt(now)) {
        sum = saturatedAdd(sum, hold.amount);
      }
    }
    return sum;
  }

  private void log(Method method, TenantId tenant, Meter meter, long amount, @Nullable UsageKey key,
      @Nullable ReservationId id, Instant now) {
    calls.add(new Call(method, tenant, Optional.of(meter), amount, Optional.ofNullable(key), Optional.ofNullable(id),
        now));
  }

  private static void validate(TenantId tenant, Meter meter) {
    notNull("tenant", tenant);
    notNull("meter", meter);
  }

  private static void notNull(String field, @Nullable Object value) {
    if (value == null) {
      throw new InvalidRequestException(field, "must not be null");
    }
  }

  private static void positive(String field, long value) {
    if (value <= 0) {
      throw new InvalidRequestException(field, "must be positive, was " + value);
    }
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  /** A tenant's own script (null: the default) and how many deciding calls it has made under it. */
  private static final class TenantScript {
    private final @Nullable Script script;
    private long decided;

    TenantScript(@Nullable Script script) {
      this.script = script;
    }
  }

  private record UsageSlot(TenantId tenant, Meter meter, Period period) {}

  private record KeySlot(TenantId tenant, Meter meter, UsageKey key) {}

  private static final class Hold {
    private final TenantId tenant;
    private final Meter meter;
    private final long amount;
    private final Period period;
    private final Instant expiresAt;
    private boolean released;
    private @Nullable UsageKey committedKey;

    Hold(TenantId tenant, Meter meter, long amount, Period period, Instant expiresAt) {
      this.tenant = tenant;
      this.meter = meter;
      this.amount = amount;
      this.period = period;
      this.expiresAt = expiresAt;
    }

    boolean holdsAt(Instant now) {
      return !released && committedKey == null && now.isBefore(expiresAt);
    }
  }
}

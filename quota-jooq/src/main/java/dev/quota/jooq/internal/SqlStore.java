package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.generated.Tables.ALERT_MARK;
import static dev.quota.jooq.internal.generated.Tables.AUDIT_LOG;
import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static dev.quota.jooq.internal.generated.Tables.ENTITLEMENT;
import static dev.quota.jooq.internal.generated.Tables.RESERVATION;
import static dev.quota.jooq.internal.generated.Tables.TENANT;
import static dev.quota.jooq.internal.generated.Tables.USAGE_ARCHIVE;
import static dev.quota.jooq.internal.generated.Tables.USAGE_LEDGER;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.currentInstant;
import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.least;
import static org.jooq.impl.DSL.min;
import static org.jooq.impl.DSL.multiset;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.sum;
import static org.jooq.impl.DSL.trueCondition;
import static org.jooq.impl.DSL.val;
import static org.jooq.impl.DSL.when;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.Bypass;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PurgeSummary;
import dev.quota.admin.Revocation;
import dev.quota.admin.TierOverride;
import dev.quota.jooq.internal.generated.tables.records.ReservationRecord;
import dev.quota.spi.CommitOutcome;
import dev.quota.spi.Counter;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.ReleaseOutcome;
import dev.quota.spi.RevokeOutcome;
import dev.quota.spi.StoredReservation;
import dev.quota.spi.TenantState;
import dev.quota.spi.UsageListing;
import dev.quota.spi.WriteOutcome;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jooq.CommonTableExpression;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSON;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Record1;
import org.jooq.Record3;
import org.jooq.Result;
import org.jooq.SelectFieldOrAsterisk;
import org.jooq.impl.SQLDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's SQL, without a cache: every {@link dev.quota.spi.QuotaStore} primitive as jOOQ statements over
 * the generated tables, each atomic in one transaction under READ COMMITTED.
 *
 * <p>How the conditional writes stay exact under concurrency, across threads and JVMs:
 * <ul>
 *   <li>A usage write is one statement: an {@code UPDATE} of the period's counter row whose every condition is
 *       on that row ({@code version = expected}, {@code next_hold_expiry} not passed, {@code used + reserved +
 *       amount <= ceiling}), joined in a data-modifying CTE with the ledger {@code INSERT ... ON CONFLICT DO
 *       NOTHING}. When a concurrent writer holds the row, PostgreSQL waits and re-evaluates those conditions
 *       on the row as committed, so no interleaving overshoots.</li>
 *   <li>The entitlement version is stamped on the tenant's counter rows by every admin change, in the admin
 *       change's transaction (see {@link #bumpVersion}). A sub-select on the tenant table would be evaluated on
 *       the statement's snapshot and not re-checked after a lock wait; the stamp on the locked row is. A counter
 *       row is created only under a share lock on the tenant row (see {@link #ensureCounter}), so an admin
 *       change either sees the new row or is seen by it.</li>
 *   <li>Holds stop counting by themselves at expiry: {@code next_hold_expiry} on the counter row is no later
 *       than the earliest expiry among the holds in {@code reserved}; a write finding it passed sweeps the
 *       tenant's expired holds first (see {@link #sweep}), and reads subtract expired holds on the fly.</li>
 * </ul>
 */
public final class SqlStore {
  private static final Logger LOG = LoggerFactory.getLogger(SqlStore.class);
  /** Rounds of counter creation, sweeping and lost races one write may go through; a few suffice. */
  private static final int MAX_ROUNDS = 16;

  private static final org.jooq.Name RESERVED_NOW = name("reserved_now");
  private static final org.jooq.Name NEXT_EXPIRY = name("next_expiry");
  private static final String OPEN = "OPEN";
  private static final String COMMITTED = "COMMITTED";
  private static final String RELEASED = "RELEASED";
  private static final String GRANT = "GRANT";
  private static final String TIER_OVERRIDE = "TIER_OVERRIDE";
  private static final String BYPASS = "BYPASS";

  private final Db db;
  private final HostPlans hostPlans;
  private final String channel;
  private final Duration reservationRetention;
  private final ChangeSink sink;
  private final Set<String> badHostTiersLogged = ConcurrentHashMap.newKeySet();
  private final StateQuery stateQuery;
  private final UsageRanking ranking;

  /**
   * Creates the SQL layer.
   *
   * @param db the statements' runner
   * @param hostPlans where plans come from when the host keeps them, or {@code null} for the tenant table
   * @param channel the notification channel of admin changes, or {@code null} for none
   * @param reservationRetention how long after expiry ended holds are kept
   * @param sink hears about committed changes
   */
  public SqlStore(Db db, HostPlans hostPlans, String channel, Duration reservationRetention, ChangeSink sink) {
    this.db = db;
    this.hostPlans = hostPlans;
    this.channel = channel;
    this.reservationRetention = reservationRetention;
    this.sink = sink;
    this.stateQuery = new StateQuery(db.dsl(), hostPlans);
    this.ranking = new UsageRanking(db, hostPlans);
  }

  // --- reads ----------------------------------------------------------------------------------------

  /**
   * A state as read, with the first instant from which it may no longer hold (a period ends, a hold expires).
   *
   * @param state the state
   * @param validUntil until when the counters in it stay exact without other writes
   */
  public record ReadResult(TenantState state, Instant validUntil) {}

  /**
   * Reads plan, entitlements, version and the meter's current counters in one statement.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param now the time of the read
   * @return the state
   */
  public ReadResult read(TenantId tenant, Meter meter, Instant now) {
    Instant at = micros(now);
    return db.statement(connection -> {
      try (PreparedStatement statement = stateQuery.bind(connection, tenant.value(), meter.name(), at);
          ResultSet rs = statement.executeQuery()) {
        String tier = null;
        String hostTier = null;
        Long version = null;
        Long billingDay = null;
        List<Entitlement> entitlements = new ArrayList<>(2);
        List<Long> sequence = new ArrayList<>(2);
        List<Counter> counters = new ArrayList<>(1);
        Instant validUntil = Instant.MAX;
        while (rs.next()) {
          switch (rs.getInt(StateQuery.KIND)) {
            case StateQuery.TENANT_ROW -> {
              tier = rs.getString(StateQuery.S1);
              hostTier = rs.getString(StateQuery.S2);
              version = StateQuery.nullableLong(rs, StateQuery.N1);
              billingDay = StateQuery.nullableLong(rs, StateQuery.N2);
            }
            case StateQuery.ENTITLEMENT_ROW -> {
              entitlements.add(entitlement(tenant, rs));
              sequence.add(rs.getLong(StateQuery.ORD));
            }
            case StateQuery.COUNTER_ROW -> {
              Period period = new Period(StateQuery.instant(rs, StateQuery.T1), StateQuery.instant(rs, StateQuery.T2));
              Instant nextExpiry = StateQuery.instant(rs, StateQuery.T3);
              counters.add(new Counter(period, rs.getLong(StateQuery.N1), rs.getLong(StateQuery.N2)));
              validUntil = earliest(earliest(validUntil, period.end()), nextExpiry);
            }
            default -> throw new IllegalStateException("unknown row kind " + rs.getInt(StateQuery.KIND));
          }
        }
        if (entitlements.size() > 1) {
          entitlements = inCreationOrder(entitlements, sequence);
        }
        if (counters.size() > 1) {
          counters.sort(Comparator.comparing((Counter c) -> c.period().start()).thenComparing(c -> c.period().end()));
        }
        Optional<Plan> plan = planOf(tenant, tier, billingDay == null ? null : billingDay.shortValue(), hostTier);
        return new ReadResult(new TenantState(plan, entitlements, version == null ? 0 : version, counters),
            validUntil);
      }
    });
  }

  private static List<Entitlement> inCreationOrder(List<Entitlement> entitlements, List<Long> sequence) {
    Integer[] order = new Integer[entitlements.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, Comparator.comparing(sequence::get));
    List<Entitlement> sorted = new ArrayList<>(order.length);
    for (int i : order) {
      sorted.add(entitlements.get(i));
    }
    return sorted;
  }

  private Optional<Plan> planOf(TenantId tenant, String tier, Short billingDay, String hostTier) {
    if (hostPlans != null) {
      return hostTier == null ? Optional.empty() : tierNamed(tenant, hostTier).map(Plan::of);
    }
    if (tier == null) {
      return Optional.empty();
    }
    return Optional.of(new Plan(Tier.of(tier), billingDay == null ? OptionalInt.empty() : OptionalInt.of(billingDay)));
  }

  private static Entitlement entitlement(TenantId tenant, ResultSet rs) throws SQLException {
    EntitlementId id = new EntitlementId(rs.getObject(StateQuery.ID, UUID.class));
    Instant from = StateQuery.instant(rs, StateQuery.T1);
    Instant until = StateQuery.instant(rs, StateQuery.T2);
    Actor by = Actor.of(rs.getString(StateQuery.S5));
    String reason = rs.getString(StateQuery.S6);
    Instant revokedAt = StateQuery.instant(rs, StateQuery.T3);
    Optional<Revocation> revocation = revokedAt == null ? Optional.empty()
        : Optional.of(new Revocation(revokedAt, Actor.of(rs.getString(StateQuery.S7)), rs.getString(StateQuery.S8)));
    String kind = rs.getString(StateQuery.S1);
    return switch (kind) {
      case GRANT -> new Grant(id, tenant, Grant.Kind.valueOf(rs.getString(StateQuery.S2)),
          Meter.of(rs.getString(StateQuery.S3)), rs.getLong(StateQuery.N1), from, until, by, reason, revocation);
      case TIER_OVERRIDE -> new TierOverride(id, tenant, Tier.of(rs.getString(StateQuery.S4)), from, until, by, reason,
          revocation);
      case BYPASS -> new Bypass(id, tenant, from, until, by, reason, revocation);
      default -> throw new IllegalStateException("unknown entitlement kind " + kind);
    };
  }

  /**
   * Lists one page of the admin listing: ranked and cut by {@link UsageRanking}, then the page's states read in one
   * statement.
   *
   * @param listing what to list
   * @return the page
   */
  public Page<UsageListing.Row> listUsage(UsageListing listing) {
    Page<TenantId> ranked = ranking.rank(listing, reservedAt(micros(listing.now())));
    Map<TenantId, TenantState> states = statesOf(ranked.items(), listing.meter(), listing.now());
    List<UsageListing.Row> rows = new ArrayList<>(ranked.items().size());
    for (TenantId tenant : ranked.items()) {
      TenantState state = states.get(tenant);
      if (state != null) { // null only if the tenant's counter moved out of the period between the two statements
        rows.add(new UsageListing.Row(tenant, state));
      }
    }
    return new Page<>(rows, ranked.request(), ranked.hasMore());
  }

  /** The states of some tenants on a meter at an instant, in one statement. */
  private Map<TenantId, TenantState> statesOf(List<TenantId> tenants, Meter meter, Instant now) {
    if (tenants.isEmpty()) {
      return Map.of();
    }
    Instant at = micros(now);
    Field<Result<Record>> entitlements = entitlementsActiveOrLater(ENTITLEMENT.TENANT_ID.eq(TENANT.TENANT_ID), at);
    Field<Result<Record>> counters = countersContaining(COUNTER.TENANT_ID.eq(TENANT.TENANT_ID), meter, at);
    Field<String> hostTier = hostPlans == null ? val((String) null) : hostPlans.tierOfCorrelated(TENANT.TENANT_ID);
    var rows = db.read(dsl -> dsl
        .select(TENANT.TENANT_ID, TENANT.TIER, TENANT.BILLING_DAY, TENANT.VERSION, hostTier, entitlements, counters)
        .from(TENANT)
        .where(TENANT.TENANT_ID.in(tenants.stream().map(TenantId::value).toList()))
        .fetch());
    Map<TenantId, TenantState> all = new LinkedHashMap<>();
    for (Record row : rows) {
      TenantId tenant = TenantId.of(row.get(TENANT.TENANT_ID));
      all.put(tenant, toReadResult(tenant, row.get(TENANT.TIER), row.get(TENANT.BILLING_DAY),
          row.get(TENANT.VERSION), row.get(hostTier), row.get(entitlements), row.get(counters), at).state());
    }
    return all;
  }

  private static Field<Result<Record>> entitlementsActiveOrLater(Condition ofTenant, Instant at) {
    return multiset(select(List.<SelectFieldOrAsterisk>of(ENTITLEMENT.ENTITLEMENT_ID, ENTITLEMENT.KIND,
            ENTITLEMENT.GRANT_KIND, ENTITLEMENT.METER, ENTITLEMENT.AMOUNT, ENTITLEMENT.TIER, ENTITLEMENT.VALID_FROM,
            ENTITLEMENT.VALID_UNTIL, ENTITLEMENT.CREATED_BY, ENTITLEMENT.REASON, ENTITLEMENT.REVOKED_AT,
            ENTITLEMENT.REVOKED_BY, ENTITLEMENT.REVOKE_REASON))
        .from(ENTITLEMENT)
        .where(ofTenant, ENTITLEMENT.VALID_UNTIL.gt(at),
            ENTITLEMENT.REVOKED_AT.isNull().or(ENTITLEMENT.REVOKED_AT.gt(at)))
        .orderBy(ENTITLEMENT.SEQ));
  }

  private static Field<Result<Record>> countersContaining(Condition ofTenant, Meter meter, Instant at) {
    return multiset(select(List.<SelectFieldOrAsterisk>of(COUNTER.PERIOD_START, COUNTER.PERIOD_END, COUNTER.USED,
            reservedAt(at).as(RESERVED_NOW), nextExpiryAfter(at).as(NEXT_EXPIRY)))
        .from(COUNTER)
        .where(ofTenant, COUNTER.METER.eq(meter.name()), COUNTER.PERIOD_START.le(at), COUNTER.PERIOD_END.gt(at))
        .orderBy(COUNTER.PERIOD_START, COUNTER.PERIOD_END));
  }

  private ReadResult toReadResult(TenantId tenant, String tier, Short billingDay, Long version, String hostTier,
      Result<Record> entitlementRows, Result<Record> counterRows, Instant at) {
    Optional<Plan> plan = planOf(tenant, tier, billingDay, hostTier);
    List<Entitlement> entitlements = new ArrayList<>(entitlementRows.size());
    for (Record r : entitlementRows) {
      entitlements.add(entitlement(tenant, r));
    }
    List<Counter> counters = new ArrayList<>(counterRows.size());
    Instant validUntil = Instant.MAX;
    for (Record r : counterRows) {
      StoredCounter c = counterAt(r, 0);
      counters.add(c.counter());
      validUntil = earliest(validUntil, c.period().end());
      validUntil = earliest(validUntil, c.nextExpiry());
    }
    return new ReadResult(new TenantState(plan, entitlements, version == null ? 0 : version, counters), validUntil);
  }

  private Optional<Tier> tierNamed(TenantId tenant, String name) {
    try {
      return Optional.of(Tier.of(name));
    } catch (RuntimeException e) {
      if (badHostTiersLogged.size() < 1_000 && badHostTiersLogged.add(name)) {
        LOG.warn("tenant '{}' has tier '{}' in the host's plan table, which is not a valid tier name; "
            + "treating the tenant as having no plan (logged once per name)", tenant, name);
      }
      return Optional.empty();
    }
  }

  /** A counter from five consecutive values: period start and end, used, reserved now, next expiry. */
  private static StoredCounter counterAt(Record r, int offset) {
    return new StoredCounter(new Period(r.get(offset, Instant.class), r.get(offset + 1, Instant.class)),
        r.get(offset + 2, Long.class), r.get(offset + 3, Long.class), r.get(offset + 4, Instant.class));
  }

  private static Entitlement entitlement(TenantId tenant, Record r) {
    EntitlementId id = new EntitlementId(r.get(ENTITLEMENT.ENTITLEMENT_ID));
    Instant from = r.get(ENTITLEMENT.VALID_FROM);
    Instant until = r.get(ENTITLEMENT.VALID_UNTIL);
    Actor by = Actor.of(r.get(ENTITLEMENT.CREATED_BY));
    String reason = r.get(ENTITLEMENT.REASON);
    Optional<Revocation> revocation = r.get(ENTITLEMENT.REVOKED_AT) == null ? Optional.empty()
        : Optional.of(new Revocation(r.get(ENTITLEMENT.REVOKED_AT), Actor.of(r.get(ENTITLEMENT.REVOKED_BY)),
            r.get(ENTITLEMENT.REVOKE_REASON)));
    return switch (r.get(ENTITLEMENT.KIND)) {
      case GRANT -> new Grant(id, tenant, Grant.Kind.valueOf(r.get(ENTITLEMENT.GRANT_KIND)),
          Meter.of(r.get(ENTITLEMENT.METER)), r.get(ENTITLEMENT.AMOUNT), from, until, by, reason, revocation);
      case TIER_OVERRIDE -> new TierOverride(id, tenant, Tier.of(r.get(ENTITLEMENT.TIER)), from, until, by, reason,
          revocation);
      case BYPASS -> new Bypass(id, tenant, from, until, by, reason, revocation);
      default -> throw new IllegalStateException("unknown entitlement kind " + r.get(ENTITLEMENT.KIND));
    };
  }

  // --- counter expressions -----------------------------------------------------------------------------

  /**
   * One counter row, as bounds on the primary key that no other index can serve (a row comparison both ways): the
   * driver's prepared statements get generic plans, and with statistics that lag behind, the index on (meter, period)
   * can look as cheap as the key and would read every tenant's counter of the period.
   */
  private static Condition counterKey(TenantId tenant, Meter meter, Period period) {
    var key = row(COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END);
    var value = row(val(tenant.value()), val(meter.name()), val(micros(period.start())), val(micros(period.end())));
    return key.ge(value).and(key.le(value));
  }

  /** The holds of the counter row in scope. */
  private static Condition holdsOfCounter() {
    return RESERVATION.TENANT_ID.eq(COUNTER.TENANT_ID).and(RESERVATION.METER.eq(COUNTER.METER))
        .and(RESERVATION.PERIOD_START.eq(COUNTER.PERIOD_START)).and(RESERVATION.PERIOD_END.eq(COUNTER.PERIOD_END));
  }

  /** The counter's reserved without the holds expired at {@code at}; the sub-select runs only when one may be. */
  private static Field<Long> reservedAt(Instant at) {
    Field<Long> expired = field(select(coalesce(sum(RESERVATION.AMOUNT).cast(SQLDataType.BIGINT), 0L))
        .from(RESERVATION)
        .where(holdsOfCounter(), RESERVATION.COUNTED.isTrue(), RESERVATION.EXPIRES_AT.le(at)));
    return when(COUNTER.NEXT_HOLD_EXPIRY.le(at), COUNTER.RESERVED.minus(expired)).otherwise(COUNTER.RESERVED);
  }

  /** The earliest expiry after {@code at} of the counter's holds, or null. */
  private static Field<Instant> nextExpiryAfter(Instant at) {
    Field<Instant> next = field(select(min(RESERVATION.EXPIRES_AT)).from(RESERVATION)
        .where(holdsOfCounter(), RESERVATION.COUNTED.isTrue(), RESERVATION.EXPIRES_AT.gt(at)));
    return when(COUNTER.NEXT_HOLD_EXPIRY.le(at), next).otherwise(COUNTER.NEXT_HOLD_EXPIRY);
  }

  /** No hold counted in the row has expired at {@code at}, so its reserved is exact. */
  private static Condition holdsUnexpired(Instant at) {
    return COUNTER.NEXT_HOLD_EXPIRY.isNull().or(COUNTER.NEXT_HOLD_EXPIRY.gt(at));
  }

  private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

  /**
   * {@code used + reserved + amount <= ceiling}, the sum in numeric and saturating at {@link Long#MAX_VALUE} as the
   * core's ceilings do: so no sum overflows, and an unlimited ceiling admits a write whose counter then overflows,
   * which fails as bad input rather than as a denial.
   */
  private static Condition fits(long amount, long ceiling) {
    return least(COUNTER.USED.cast(SQLDataType.NUMERIC).plus(COUNTER.RESERVED).plus(val(amount)), val(LONG_MAX))
        .le(BigDecimal.valueOf(ceiling));
  }

  private static boolean fits(StoredCounter c, long amount, long ceiling) {
    BigDecimal sum = BigDecimal.valueOf(c.used()).add(BigDecimal.valueOf(c.reserved())).add(BigDecimal.valueOf(amount))
        .min(LONG_MAX);
    return sum.compareTo(BigDecimal.valueOf(ceiling)) <= 0;
  }

  // --- usage writes -------------------------------------------------------------------------------------

  /** What one round of a write did: finished with an outcome, or needs a preparation and another round. */
  private sealed interface Step<T> {
    record Done<T>(T outcome, StoredCounter written, long version) implements Step<T> {}

    record CreateCounter<T>(Period period) implements Step<T> {}

    record Sweep<T>() implements Step<T> {}

    record Again<T>() implements Step<T> {}
  }

  private static <T> Step<T> done(T outcome) {
    return new Step.Done<>(outcome, null, -1);
  }

  /**
   * Runs a write in rounds: each round is one transaction; between rounds the counter row is created or expired
   * holds are swept, as the round asked.
   */
  private <T> T rounds(TenantId tenant, Meter meter, long expectedVersion, Instant now, T stale,
      Function<Db.Tx, Step<T>> round) {
    for (int i = 0; i < MAX_ROUNDS; i++) {
      Step<T> step = db.transaction(round);
      switch (step) {
        case Step.Done<T> d -> {
          if (d.outcome() == stale) {
            sink.tenantChanged(tenant);
          } else if (d.written() != null) {
            sink.counterWritten(tenant, meter, d.version(), d.written());
          }
          return d.outcome();
        }
        case Step.CreateCounter<T> c -> {
          if (!ensureCounter(tenant, meter, c.period(), expectedVersion)) {
            sink.tenantChanged(tenant);
            return stale;
          }
        }
        case Step.Sweep<T> s -> sweep(tenant, meter, now);
        case Step.Again<T> a -> {
          // a concurrent write changed the row between the snapshot and the update: look again
        }
      }
    }
    throw new IllegalStateException("tenant '" + tenant + "' on " + meter + ": a write did not settle after "
        + MAX_ROUNDS + " rounds");
  }

  /**
   * Opens a hold if it fits, in one statement.
   *
   * @param hold the hold
   * @param ceiling the most {@code used + reserved} may reach
   * @param expectedVersion the version the ceiling came from
   * @param now the time of the write
   * @return the outcome
   */
  public WriteOutcome reserve(StoredReservation hold, long ceiling, long expectedVersion, Instant now) {
    Instant at = micros(now);
    Instant expiresAt = micros(hold.expiresAt());
    WriteOutcome stale = new WriteOutcome.Stale();
    return rounds(hold.tenant(), hold.meter(), expectedVersion, at, stale, tx -> {
      DSLContext dsl = tx.dsl();
      CommonTableExpression<Record3<Long, Long, Instant>> upd = name("upd").as(dsl.update(COUNTER)
          .set(COUNTER.RESERVED, COUNTER.RESERVED.plus(hold.amount()))
          .set(COUNTER.NEXT_HOLD_EXPIRY, least(coalesce(COUNTER.NEXT_HOLD_EXPIRY, val(expiresAt)), val(expiresAt)))
          .where(counterKey(hold.tenant(), hold.meter(), hold.period()))
          .and(COUNTER.VERSION.eq(expectedVersion))
          .and(holdsUnexpired(at))
          .and(fits(hold.amount(), ceiling))
          .returningResult(COUNTER.USED, COUNTER.RESERVED, COUNTER.NEXT_HOLD_EXPIRY));
      CommonTableExpression<Record1<Long>> ins = name("ins").as(dsl.insertInto(RESERVATION,
              RESERVATION.TENANT_ID, RESERVATION.RESERVATION_ID, RESERVATION.METER, RESERVATION.AMOUNT,
              RESERVATION.PERIOD_START, RESERVATION.PERIOD_END, RESERVATION.CREATED_AT, RESERVATION.EXPIRES_AT,
              RESERVATION.STATE, RESERVATION.COUNTED)
          .select(select(val(hold.tenant().value()), val(hold.id().value()), val(hold.meter().name()),
              val(hold.amount()), val(micros(hold.period().start())), val(micros(hold.period().end())),
              val(micros(hold.createdAt())), val(expiresAt), val(OPEN), val(true)).from(upd))
          .onConflictDoNothing()
          .returningResult(RESERVATION.AMOUNT));
      Record r = dsl.with(upd).with(ins)
          .select(upd.field(0), upd.field(1), upd.field(2),
              field(select(count()).from(ins)), COUNTER.VERSION, COUNTER.NEXT_HOLD_EXPIRY,
              COUNTER.PERIOD_START, COUNTER.PERIOD_END, COUNTER.USED, reservedAt(at), nextExpiryAfter(at))
          .from(selectOne().asTable())
          .leftJoin(upd).on(trueCondition())
          .leftJoin(COUNTER).on(counterKey(hold.tenant(), hold.meter(), hold.period()))
          .fetchSingle();
      boolean updated = r.get(0) != null;
      boolean inserted = r.get(3, Integer.class) == 1;
      if (updated && inserted) {
        StoredCounter after = new StoredCounter(hold.period(), r.get(0, Long.class), r.get(1, Long.class),
            r.get(2, Instant.class));
        return new Step.Done<>(new WriteOutcome.Written(after.counter()), after, expectedVersion);
      }
      if (updated) {
        tx.rollbackOnly();
        return done(new WriteOutcome.Duplicate(0, counterAt(r, 6).counter()));
      }
      Long version = r.get(4, Long.class);
      if (version == null) {
        return new Step.CreateCounter<>(hold.period());
      }
      if (version != expectedVersion) {
        return done(stale);
      }
      Instant holdExpiry = r.get(5, Instant.class);
      if (holdExpiry != null && !holdExpiry.isAfter(at)) {
        return new Step.Sweep<>();
      }
      StoredCounter current = counterAt(r, 6);
      if (fits(current, hold.amount(), ceiling)) {
        return new Step.Again<>();
      }
      return done(new WriteOutcome.Insufficient(current.counter()));
    });
  }

  /**
   * Ends an open hold by recording its usage, atomically: the hold leaves its counter's reserved, the entry
   * goes to the ledger and its period's counter.
   *
   * @param tenant the tenant
   * @param id the reservation
   * @param entry the usage
   * @param expectedVersion the version the entry's period came from
   * @param now the time of the write
   * @return the outcome
   */
  public CommitOutcome commit(TenantId tenant, ReservationId id, LedgerEntry entry, long expectedVersion, Instant now) {
    Instant at = micros(now);
    CommitOutcome stale = new CommitOutcome.Stale();
    return rounds(tenant, entry.meter(), expectedVersion, at, stale, tx -> {
      DSLContext dsl = tx.dsl();
      // The hold's row is locked first, then counter rows: the order every path that ends holds follows.
      ReservationRecord hold = dsl.selectFrom(RESERVATION)
          .where(RESERVATION.TENANT_ID.eq(tenant.value()), RESERVATION.RESERVATION_ID.eq(id.value()))
          .forUpdate()
          .fetchOne();
      if (hold == null || !OPEN.equals(hold.getState()) || !hold.getMeter().equals(entry.meter().name())) {
        if (versionOf(dsl, tenant) != expectedVersion) {
          return done(stale);
        }
        if (hold == null) {
          return done(new CommitOutcome.NotFound());
        }
        if (RELEASED.equals(hold.getState())) {
          return done(new CommitOutcome.Released());
        }
        if (!hold.getMeter().equals(entry.meter().name())) {
          return done(new CommitOutcome.WrongMeter(Meter.of(hold.getMeter())));
        }
        UsageKey committedKey = UsageKey.of(hold.getCommittedKey());
        if (!committedKey.equals(entry.key())) {
          return done(new CommitOutcome.CommittedUnderOtherKey(committedKey));
        }
        Long recorded = dsl.select(USAGE_LEDGER.AMOUNT).from(USAGE_LEDGER)
            .where(ledgerKey(tenant, entry.meter(), entry.key())).fetchOne(USAGE_LEDGER.AMOUNT);
        return done(new CommitOutcome.Duplicate(recorded == null ? entry.amount() : recorded,
            counterOf(dsl, tenant, entry.meter(), entry.period(), at)));
      }
      Period holdPeriod = new Period(hold.getPeriodStart(), hold.getPeriodEnd());
      long held = hold.getCounted() ? hold.getAmount() : 0;
      if (held > 0 && !holdPeriod.equals(new Period(micros(entry.period().start()), micros(entry.period().end())))) {
        // two counter rows change: lock them in the order of every path that locks several
        lockCounters(dsl, COUNTER.TENANT_ID.eq(tenant.value()).and(COUNTER.METER.eq(entry.meter().name()))
            .and(row(COUNTER.PERIOD_START, COUNTER.PERIOD_END).in(
                row(holdPeriod.start(), holdPeriod.end()),
                row(micros(entry.period().start()), micros(entry.period().end())))));
      }
      // The hold ends first, so that the counter statement's view of the holds no longer counts it; if the
      // usage cannot be written, the transaction rolls back and the hold stays open.
      dsl.update(RESERVATION)
          .set(RESERVATION.STATE, COMMITTED)
          .set(RESERVATION.COMMITTED_KEY, entry.key().value())
          .set(RESERVATION.COUNTED, false)
          .where(RESERVATION.TENANT_ID.eq(tenant.value()), RESERVATION.RESERVATION_ID.eq(id.value()))
          .execute();
      boolean samePeriod = holdPeriod.equals(new Period(micros(entry.period().start()), micros(entry.period().end())));
      CommonTableExpression<Record1<Long>> ins = name("ins").as(dsl.insertInto(USAGE_LEDGER,
              USAGE_LEDGER.TENANT_ID, USAGE_LEDGER.METER, USAGE_LEDGER.USAGE_KEY, USAGE_LEDGER.AMOUNT,
              USAGE_LEDGER.OCCURRED_AT, USAGE_LEDGER.PERIOD_START, USAGE_LEDGER.PERIOD_END, USAGE_LEDGER.ATTRIBUTES)
          .values(tenant.value(), entry.meter().name(), entry.key().value(), entry.amount(), micros(entry.occurredAt()),
              micros(entry.period().start()), micros(entry.period().end()), attributes(entry))
          .onConflictDoNothing()
          .returningResult(USAGE_LEDGER.AMOUNT));
      CommonTableExpression<Record3<Long, Long, Instant>> upd = name("upd").as(dsl.update(COUNTER)
          .set(COUNTER.USED, COUNTER.USED.plus(entry.amount()))
          .set(COUNTER.RESERVED, COUNTER.RESERVED.minus(samePeriod ? held : 0))
          .where(counterKey(tenant, entry.meter(), entry.period()))
          .and(COUNTER.VERSION.eq(expectedVersion))
          .and(exists(selectOne().from(ins)))
          .returningResult(COUNTER.USED, COUNTER.RESERVED, COUNTER.NEXT_HOLD_EXPIRY));
      Record r = dsl.with(ins).with(upd)
          .select(upd.field(0), upd.field(1), upd.field(2), field(select(count()).from(ins)), COUNTER.VERSION,
              COUNTER.NEXT_HOLD_EXPIRY, COUNTER.PERIOD_START, COUNTER.PERIOD_END, COUNTER.USED, reservedAt(at),
              nextExpiryAfter(at), USAGE_LEDGER.AMOUNT)
          .from(selectOne().asTable())
          .leftJoin(upd).on(trueCondition())
          .leftJoin(COUNTER).on(counterKey(tenant, entry.meter(), entry.period()))
          .leftJoin(USAGE_LEDGER).on(ledgerKey(tenant, entry.meter(), entry.key()))
          .fetchSingle();
      boolean updated = r.get(0) != null;
      boolean inserted = r.get(3, Integer.class) == 1;
      if (updated) {
        if (held > 0 && !samePeriod) {
          dsl.update(COUNTER).set(COUNTER.RESERVED, COUNTER.RESERVED.minus(held))
              .where(counterKey(tenant, entry.meter(), holdPeriod)).execute();
        }
        StoredCounter after = afterWrite(dsl, tenant, entry.meter(), entry.period(), r.get(0, Long.class),
            r.get(1, Long.class), r.get(2, Instant.class), at);
        boolean expired = !at.isBefore(hold.getExpiresAt());
        return new Step.Done<>(new CommitOutcome.Committed(after.counter(), expired), after, expectedVersion);
      }
      Long version = r.get(4, Long.class);
      Long recorded = r.get(11, Long.class);
      if (version != null && version == expectedVersion && recorded != null && !inserted
          && recorded == entry.amount()) {
        // The usage this hold stood for is already in the ledger: the hold ends (as marked above), no usage is
        // written.
        if (held > 0) {
          dsl.update(COUNTER).set(COUNTER.RESERVED, COUNTER.RESERVED.minus(held))
              .where(counterKey(tenant, entry.meter(), holdPeriod)).execute();
        }
        StoredCounter after = storedCounterOf(dsl, tenant, entry.meter(), entry.period(), at);
        return new Step.Done<>(new CommitOutcome.Duplicate(recorded, after.counter()), after, expectedVersion);
      }
      tx.rollbackOnly(); // the hold stays open
      if (version == null) {
        return new Step.CreateCounter<>(entry.period());
      }
      if (version != expectedVersion) {
        return done(stale);
      }
      if (recorded != null && !inserted) {
        return done(new CommitOutcome.Duplicate(recorded, counterAt(r, 6).counter()));
      }
      return new Step.Again<>();
    });
  }

  /**
   * Ends an open hold without usage.
   *
   * @param tenant the tenant
   * @param id the reservation
   * @param now the time of the write
   * @return the outcome
   */
  public ReleaseOutcome release(TenantId tenant, ReservationId id, Instant now) {
    Instant at = micros(now);
    record Released(ReleaseOutcome outcome, Meter meter, long version, StoredCounter counter) {}
    Released result = db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      ReservationRecord hold = dsl.selectFrom(RESERVATION)
          .where(RESERVATION.TENANT_ID.eq(tenant.value()), RESERVATION.RESERVATION_ID.eq(id.value()))
          .forUpdate()
          .fetchOne();
      if (hold == null) {
        return new Released(ReleaseOutcome.NOT_FOUND, null, -1, null);
      }
      if (COMMITTED.equals(hold.getState())) {
        return new Released(ReleaseOutcome.COMMITTED, null, -1, null);
      }
      if (RELEASED.equals(hold.getState())) {
        return new Released(ReleaseOutcome.ALREADY_ENDED, null, -1, null);
      }
      if (!at.isBefore(hold.getExpiresAt())) {
        // expired holds stay open (and no longer count): their usage may still be committed late
        return new Released(ReleaseOutcome.ALREADY_ENDED, null, -1, null);
      }
      dsl.update(RESERVATION).set(RESERVATION.STATE, RELEASED).set(RESERVATION.COUNTED, false)
          .where(RESERVATION.TENANT_ID.eq(tenant.value()), RESERVATION.RESERVATION_ID.eq(id.value()))
          .execute();
      ReleaseOutcome outcome = ReleaseOutcome.RELEASED;
      Meter meter = Meter.of(hold.getMeter());
      Period period = new Period(hold.getPeriodStart(), hold.getPeriodEnd());
      if (!hold.getCounted()) {
        return new Released(outcome, meter, -1, null);
      }
      Record r = dsl.update(COUNTER).set(COUNTER.RESERVED, COUNTER.RESERVED.minus(hold.getAmount()))
          .where(counterKey(tenant, meter, period))
          .returningResult(COUNTER.VERSION, COUNTER.USED, COUNTER.RESERVED, COUNTER.NEXT_HOLD_EXPIRY)
          .fetchOne();
      if (r == null) {
        return new Released(outcome, meter, -1, null);
      }
      return new Released(outcome, meter, r.get(0, Long.class), afterWrite(dsl, tenant, meter, period,
          r.get(1, Long.class), r.get(2, Long.class), r.get(3, Instant.class), at));
    });
    if (result.counter() != null) {
      sink.counterWritten(tenant, result.meter(), result.version(), result.counter());
    }
    return result.outcome();
  }

  /**
   * Creates a counter row, under a share lock on the tenant row so that it carries the tenant's current
   * version whatever admin change runs concurrently.
   *
   * @return {@code false} if the tenant's version is not the expected one (nothing created)
   */
  boolean ensureCounter(TenantId tenant, Meter meter, Period period, long expectedVersion) {
    return db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      dsl.insertInto(TENANT, TENANT.TENANT_ID, TENANT.VERSION).values(tenant.value(), 0L)
          .onConflictDoNothing().execute();
      long version = dsl.select(TENANT.VERSION).from(TENANT).where(TENANT.TENANT_ID.eq(tenant.value()))
          .forShare().fetchSingle(TENANT.VERSION);
      if (version != expectedVersion) {
        return false;
      }
      dsl.insertInto(COUNTER, COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END,
              COUNTER.USED, COUNTER.RESERVED, COUNTER.VERSION)
          .values(tenant.value(), meter.name(), micros(period.start()), micros(period.end()), 0L, 0L, version)
          .onConflictDoNothing()
          .execute();
      return true;
    });
  }

  /**
   * Stops expired holds of a tenant's meter from counting and recomputes the affected counters' next expiry;
   * forgets holds that ended longer than the retention ago.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param now the time of the sweep
   */
  public void sweep(TenantId tenant, Meter meter, Instant now) {
    Instant at = micros(now);
    db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      // Hold rows first, then counter rows: the lock order of commit and release.
      Map<Period, Long> expired = new LinkedHashMap<>();
      for (Record r : dsl.update(RESERVATION).set(RESERVATION.COUNTED, false)
          .where(RESERVATION.TENANT_ID.eq(tenant.value()), RESERVATION.METER.eq(meter.name()),
              RESERVATION.COUNTED.isTrue(), RESERVATION.EXPIRES_AT.le(at))
          .returningResult(RESERVATION.PERIOD_START, RESERVATION.PERIOD_END, RESERVATION.AMOUNT)
          .fetch()) {
        expired.merge(new Period(r.get(0, Instant.class), r.get(1, Instant.class)), r.get(2, Long.class), Long::sum);
      }
      // Lock the rows to fix; holds added to them meanwhile are committed by then, and the next statement's
      // snapshot sees them, so the recomputed expiry misses none.
      List<Period> locked = dsl.select(COUNTER.PERIOD_START, COUNTER.PERIOD_END).from(COUNTER)
          .where(COUNTER.TENANT_ID.eq(tenant.value()), COUNTER.METER.eq(meter.name()),
              COUNTER.NEXT_HOLD_EXPIRY.le(at))
          .orderBy(COUNTER.PERIOD_START, COUNTER.PERIOD_END)
          .forUpdate()
          .fetch(r -> new Period(r.value1(), r.value2()));
      for (Period period : locked) {
        dsl.update(COUNTER)
            .set(COUNTER.RESERVED, COUNTER.RESERVED.minus(expired.getOrDefault(period, 0L)))
            .set(COUNTER.NEXT_HOLD_EXPIRY, field(select(min(RESERVATION.EXPIRES_AT)).from(RESERVATION)
                .where(holdsOfCounter(), RESERVATION.COUNTED.isTrue())))
            .where(counterKey(tenant, meter, period))
            .execute();
      }
      dsl.deleteFrom(RESERVATION)
          .where(RESERVATION.TENANT_ID.eq(tenant.value()), RESERVATION.METER.eq(meter.name()),
              RESERVATION.COUNTED.isFalse(), RESERVATION.EXPIRES_AT.le(micros(at.minus(reservationRetention))))
          .execute();
      return null;
    });
  }

  private static long versionOf(DSLContext dsl, TenantId tenant) {
    Long version = dsl.select(TENANT.VERSION).from(TENANT).where(TENANT.TENANT_ID.eq(tenant.value()))
        .fetchOne(TENANT.VERSION);
    return version == null ? 0 : version;
  }

  /**
   * The counter as a write left it, from the raw row its statement returned. The row is the one updated, but a
   * sub-select in the same statement would read the statement's snapshot, which predates a sweep the write may
   * have waited for, and subtract holds that the sweep had already taken out of {@code reserved}. So
   * {@code reserved} comes back raw, and only when one of its holds has expired by {@code at} does a statement of
   * its own (a fresh snapshot, under the row lock this transaction now holds) subtract the expired holds.
   */
  private static StoredCounter afterWrite(DSLContext dsl, TenantId tenant, Meter meter, Period period, long used,
      long reserved, Instant nextHoldExpiry, Instant at) {
    if (nextHoldExpiry == null || nextHoldExpiry.isAfter(at)) {
      return new StoredCounter(period, used, reserved, nextHoldExpiry);
    }
    return storedCounterOf(dsl, tenant, meter, period, at);
  }

  private static Counter counterOf(DSLContext dsl, TenantId tenant, Meter meter, Period period, Instant at) {
    return storedCounterOf(dsl, tenant, meter, period, at).counter();
  }

  private static StoredCounter storedCounterOf(DSLContext dsl, TenantId tenant, Meter meter, Period period,
      Instant at) {
    Record r = dsl.select(COUNTER.PERIOD_START, COUNTER.PERIOD_END, COUNTER.USED, reservedAt(at), nextExpiryAfter(at))
        .from(COUNTER).where(counterKey(tenant, meter, period)).fetchOne();
    return r == null ? new StoredCounter(period, 0, 0, null) : counterAt(r, 0);
  }

  /** One ledger row, as bounds on the primary key (see {@link #counterKey}: the index on (tenant, meter, period) would
   * read every entry of the tenant). */
  private static Condition ledgerKey(TenantId tenant, Meter meter, UsageKey key) {
    var pk = row(USAGE_LEDGER.TENANT_ID, USAGE_LEDGER.METER, USAGE_LEDGER.USAGE_KEY);
    var value = row(val(tenant.value()), val(meter.name()), val(key.value()));
    return pk.ge(value).and(pk.le(value));
  }

  private static JSONB attributes(LedgerEntry entry) {
    return entry.attributes().isEmpty() ? null : JSONB.valueOf(Json.write(entry.attributes()));
  }

  // --- admin writes ----------------------------------------------------------------------------------------

  /**
   * Moves the tenant's version on and stamps it on all the tenant's counter rows, in the caller's transaction.
   * The counter update waits for usage writes in flight on those rows; writes waiting behind it re-check their
   * version condition on the stamped row and come out {@code Stale}.
   */
  private static long bumpVersion(DSLContext dsl, TenantId tenant) {
    long version = dsl.insertInto(TENANT, TENANT.TENANT_ID, TENANT.VERSION).values(tenant.value(), 1L)
        .onConflict(TENANT.TENANT_ID).doUpdate().set(TENANT.VERSION, TENANT.VERSION.plus(1))
        .returningResult(TENANT.VERSION)
        .fetchSingle().value1();
    stampVersion(dsl, tenant, version);
    return version;
  }

  /** Stamps a version on all the tenant's counter rows, locking them in order first. */
  private static void stampVersion(DSLContext dsl, TenantId tenant, long version) {
    lockCounters(dsl, COUNTER.TENANT_ID.eq(tenant.value()));
    dsl.update(COUNTER).set(COUNTER.VERSION, version).where(COUNTER.TENANT_ID.eq(tenant.value())).execute();
  }

  /**
   * Locks counter rows by meter, then period: the one order in which every transaction that changes several
   * counter rows of a tenant locks them (admin changes, sweeps, a commit across a period boundary), so that two
   * of them never wait for each other. An {@code UPDATE} alone locks rows in whatever order its plan visits them.
   */
  private static void lockCounters(DSLContext dsl, Condition which) {
    dsl.select(COUNTER.METER).from(COUNTER).where(which)
        .orderBy(COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END)
        .forUpdate()
        .fetch();
  }

  private void insertAudit(DSLContext dsl, AuditEntry audit) {
    dsl.insertInto(AUDIT_LOG, AUDIT_LOG.TENANT_ID, AUDIT_LOG.AUDIT_ID, AUDIT_LOG.AT, AUDIT_LOG.ACTOR,
            AUDIT_LOG.OPERATION, AUDIT_LOG.REASON, AUDIT_LOG.DETAILS)
        .values(audit.tenant().value(), audit.id(), micros(audit.at()), audit.actor().id(), audit.operation().name(),
            audit.reason(), JSON.valueOf(Json.write(audit.details())))
        .execute();
    notifyChange(dsl, audit.tenant());
  }

  /** Queues a notification of the change; PostgreSQL delivers it to every listener when the transaction commits. */
  private void notifyChange(DSLContext dsl, TenantId tenant) {
    if (channel != null) {
      dsl.select(DSL_PG_NOTIFY.apply(channel, tenant.value())).fetch();
    }
  }

  private static final java.util.function.BiFunction<String, String, Field<?>> DSL_PG_NOTIFY =
      (channel, payload) -> org.jooq.impl.DSL.function(name("pg_notify"), SQLDataType.OTHER, val(channel), val(payload));

  /**
   * Adds entitlements with their audit entry and moves the version on, in one transaction.
   *
   * @param tenant the tenant
   * @param entitlements the new entitlements
   * @param audit the audit entry
   */
  public void addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements, AuditEntry audit) {
    addEntitlements(tenant, entitlements, audit, -1);
  }

  /**
   * Adds entitlements with their audit entry and moves the version on, in one transaction, if the version was the
   * expected one.
   *
   * @param tenant the tenant
   * @param entitlements the new entitlements
   * @param audit the audit entry
   * @param expectedVersion the version the entitlements were computed from, or -1 to add whatever the version
   * @return whether they were added
   */
  public boolean addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements, AuditEntry audit,
      long expectedVersion) {
    for (Entitlement e : entitlements) {
      if (!e.tenant().equals(tenant)) {
        throw new IllegalArgumentException("entitlement " + e.id() + " belongs to another tenant");
      }
    }
    boolean added = db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      // the tenant row is locked by the bump, so the version read back is the one this change replaces, plus one
      if (bumpVersion(dsl, tenant) != expectedVersion + 1 && expectedVersion >= 0) {
        tx.rollbackOnly();
        return false;
      }
      for (Entitlement e : entitlements) {
        insertEntitlement(dsl, e);
      }
      insertAudit(dsl, audit);
      return true;
    });
    sink.tenantChanged(tenant);
    return added;
  }

  private static void insertEntitlement(DSLContext dsl, Entitlement e) {
    String kind;
    String grantKind = null;
    String meter = null;
    Long amount = null;
    String tier = null;
    switch (e) {
      case Grant g -> {
        kind = GRANT;
        grantKind = g.kind().name();
        meter = g.meter().name();
        amount = g.amount();
      }
      case TierOverride o -> {
        kind = TIER_OVERRIDE;
        tier = o.tier().name();
      }
      case Bypass b -> kind = BYPASS;
    }
    Revocation revocation = e.revocation().orElse(null);
    dsl.insertInto(ENTITLEMENT)
        .set(ENTITLEMENT.TENANT_ID, e.tenant().value())
        .set(ENTITLEMENT.ENTITLEMENT_ID, e.id().value())
        .set(ENTITLEMENT.KIND, kind)
        .set(ENTITLEMENT.GRANT_KIND, grantKind)
        .set(ENTITLEMENT.METER, meter)
        .set(ENTITLEMENT.AMOUNT, amount)
        .set(ENTITLEMENT.TIER, tier)
        .set(ENTITLEMENT.VALID_FROM, micros(e.validFrom()))
        .set(ENTITLEMENT.VALID_UNTIL, micros(e.validUntil()))
        .set(ENTITLEMENT.CREATED_BY, e.createdBy().id())
        .set(ENTITLEMENT.REASON, e.reason())
        .set(ENTITLEMENT.REVOKED_AT, revocation == null ? null : micros(revocation.at()))
        .set(ENTITLEMENT.REVOKED_BY, revocation == null ? null : revocation.by().id())
        .set(ENTITLEMENT.REVOKE_REASON, revocation == null ? null : revocation.reason())
        .execute();
  }

  /**
   * Finds an entitlement by id alone.
   *
   * @param id the entitlement
   * @return it, if it exists
   */
  public Optional<Entitlement> findEntitlement(EntitlementId id) {
    Record r = db.read(dsl -> dsl.select(ENTITLEMENT.fields()).from(ENTITLEMENT)
        .where(ENTITLEMENT.ENTITLEMENT_ID.eq(id.value())).fetchOne());
    return r == null ? Optional.empty() : Optional.of(entitlement(TenantId.of(r.get(ENTITLEMENT.TENANT_ID)), r));
  }

  /**
   * Revokes an active entitlement with its audit entry, moving the version on.
   *
   * @param tenant the tenant
   * @param id the entitlement
   * @param revocation when, by whom, why
   * @param audit the audit entry
   * @return the outcome
   */
  public RevokeOutcome revoke(TenantId tenant, EntitlementId id, Revocation revocation, AuditEntry audit) {
    RevokeOutcome outcome = db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      Record r = dsl.select(ENTITLEMENT.fields()).from(ENTITLEMENT)
          .where(ENTITLEMENT.TENANT_ID.eq(tenant.value()), ENTITLEMENT.ENTITLEMENT_ID.eq(id.value()))
          .forUpdate().fetchOne();
      if (r == null) {
        return new RevokeOutcome.NotFound();
      }
      Entitlement existing = entitlement(tenant, r);
      if (!existing.isActiveAt(revocation.at())) {
        return new RevokeOutcome.AlreadyEnded(existing);
      }
      dsl.update(ENTITLEMENT)
          .set(ENTITLEMENT.REVOKED_AT, micros(revocation.at()))
          .set(ENTITLEMENT.REVOKED_BY, revocation.by().id())
          .set(ENTITLEMENT.REVOKE_REASON, revocation.reason())
          .where(ENTITLEMENT.TENANT_ID.eq(tenant.value()), ENTITLEMENT.ENTITLEMENT_ID.eq(id.value()))
          .execute();
      bumpVersion(dsl, tenant);
      insertAudit(dsl, audit);
      return new RevokeOutcome.Revoked(existing.revoked(new Revocation(micros(revocation.at()), revocation.by(),
          revocation.reason())));
    });
    if (outcome instanceof RevokeOutcome.Revoked) {
      sink.tenantChanged(tenant);
    }
    return outcome;
  }

  /**
   * Lists all entitlements of a tenant, newest first.
   *
   * @param tenant the tenant
   * @return the entitlements
   */
  public List<Entitlement> entitlements(TenantId tenant) {
    return db.read(dsl -> dsl.select(ENTITLEMENT.fields()).from(ENTITLEMENT)
        .where(ENTITLEMENT.TENANT_ID.eq(tenant.value()))
        .orderBy(ENTITLEMENT.SEQ.desc())
        .fetch(r -> entitlement(tenant, r)));
  }

  /**
   * Sets the plan with its audit entry, moving the version on, and re-buckets the ledger entries (and holds)
   * that fall in each new current period, in one transaction.
   *
   * @param tenant the tenant
   * @param plan the plan
   * @param currentPeriods each meter's current period under the new plan
   * @param audit the audit entry
   */
  public void setPlan(TenantId tenant, Plan plan, Map<Meter, Period> currentPeriods, AuditEntry audit) {
    if (hostPlans != null) {
      throw new IllegalStateException("plans come from the host's table " + hostPlans.describe()
          + "; change the tier there, not through quota");
    }
    Short billingDay = plan.billingDay().isPresent() ? (short) plan.billingDay().getAsInt() : null;
    db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      long version = dsl.insertInto(TENANT, TENANT.TENANT_ID, TENANT.TIER, TENANT.BILLING_DAY, TENANT.VERSION)
          .values(tenant.value(), plan.tier().name(), billingDay, 1L)
          .onConflict(TENANT.TENANT_ID).doUpdate()
          .set(TENANT.TIER, plan.tier().name())
          .set(TENANT.BILLING_DAY, billingDay)
          .set(TENANT.VERSION, TENANT.VERSION.plus(1))
          .returningResult(TENANT.VERSION)
          .fetchSingle().value1();
      stampVersion(dsl, tenant, version);
      currentPeriods.forEach((meter, target) -> Rebucketing.rebucket(dsl, tenant, meter, target, version));
      insertAudit(dsl, audit);
      return null;
    });
    sink.tenantChanged(tenant);
  }

  /**
   * Reads the audit log, newest first.
   *
   * @param query which entries
   * @param page the slice
   * @return the entries
   */
  public Page<AuditEntry> audit(AuditQuery query, PageRequest page) {
    List<Condition> filters = new ArrayList<>();
    query.tenantIfSet().ifPresent(t -> filters.add(AUDIT_LOG.TENANT_ID.eq(t.value())));
    if (!query.operations().isEmpty()) {
      filters.add(AUDIT_LOG.OPERATION.in(query.operations().stream().map(Enum::name).toList()));
    }
    query.actorIfSet().ifPresent(a -> filters.add(AUDIT_LOG.ACTOR.eq(a.id())));
    if (query.from() != null) {
      filters.add(AUDIT_LOG.AT.ge(micros(query.from())));
    }
    if (query.until() != null) {
      filters.add(AUDIT_LOG.AT.lt(micros(query.until())));
    }
    List<AuditEntry> entries = db.read(dsl -> dsl.select(AUDIT_LOG.TENANT_ID, AUDIT_LOG.AUDIT_ID, AUDIT_LOG.AT,
            AUDIT_LOG.ACTOR, AUDIT_LOG.OPERATION, AUDIT_LOG.REASON, AUDIT_LOG.DETAILS)
        .from(AUDIT_LOG)
        .where(filters)
        .orderBy(AUDIT_LOG.SEQ.desc())
        .offset(page.offset())
        .limit(page.size() + 1)
        .fetch(r -> new AuditEntry(r.value2(), r.value3(), TenantId.of(r.value1()), Actor.of(r.value4()),
            AdminOperation.valueOf(r.value5()), r.value6(), Json.read(r.value7().data()))));
    boolean more = entries.size() > page.size();
    return new Page<>(more ? entries.subList(0, page.size()) : entries, page, more);
  }

  /**
   * Counts a tenant's usage at or after an instant, in the ledger and the archive.
   *
   * @param tenant the tenant
   * @param since the first instant counted
   * @return the summary
   */
  public PurgeSummary previewPurge(TenantId tenant, Instant since) {
    Instant from = micros(since);
    return db.read(dsl -> {
      Map<Meter, Long> amounts = new LinkedHashMap<>();
      long entries = 0;
      for (var r : dsl.select(USAGE_LEDGER.METER, count(), sum(USAGE_LEDGER.AMOUNT)).from(USAGE_LEDGER)
          .where(USAGE_LEDGER.TENANT_ID.eq(tenant.value()), USAGE_LEDGER.OCCURRED_AT.ge(from))
          .groupBy(USAGE_LEDGER.METER)
          .unionAll(select(USAGE_ARCHIVE.METER, count(), sum(USAGE_ARCHIVE.AMOUNT)).from(USAGE_ARCHIVE)
              .where(USAGE_ARCHIVE.TENANT_ID.eq(tenant.value()), USAGE_ARCHIVE.OCCURRED_AT.ge(from))
              .groupBy(USAGE_ARCHIVE.METER))
          .fetch()) {
        entries += r.value2();
        amounts.merge(Meter.of(r.value1()), r.value3().longValueExact(), Long::sum);
      }
      return new PurgeSummary(tenant, since, entries, amounts);
    });
  }

  /**
   * Deletes a tenant's usage at or after an instant from the ledger and the archive, subtracts it from the
   * counters and writes the audit entry, in one transaction.
   *
   * @param tenant the tenant
   * @param since the first instant deleted
   * @param audit makes the audit entry from what was deleted
   * @return what was deleted
   */
  public PurgeSummary purge(TenantId tenant, Instant since, Function<PurgeSummary, AuditEntry> audit) {
    Instant from = micros(since);
    PurgeSummary summary = db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      Map<CounterKey, Long> byCounter = new LinkedHashMap<>();
      Map<Meter, Long> amounts = new LinkedHashMap<>();
      long entries = 0;
      List<Record> deleted = new ArrayList<>(dsl.deleteFrom(USAGE_LEDGER)
          .where(USAGE_LEDGER.TENANT_ID.eq(tenant.value()), USAGE_LEDGER.OCCURRED_AT.ge(from))
          .returningResult(USAGE_LEDGER.METER, USAGE_LEDGER.PERIOD_START, USAGE_LEDGER.PERIOD_END, USAGE_LEDGER.AMOUNT)
          .fetch());
      deleted.addAll(dsl.deleteFrom(USAGE_ARCHIVE)
          .where(USAGE_ARCHIVE.TENANT_ID.eq(tenant.value()), USAGE_ARCHIVE.OCCURRED_AT.ge(from))
          .returningResult(USAGE_ARCHIVE.METER, USAGE_ARCHIVE.PERIOD_START, USAGE_ARCHIVE.PERIOD_END,
              USAGE_ARCHIVE.AMOUNT)
          .fetch());
      for (Record r : deleted) {
        Meter meter = Meter.of(r.get(0, String.class));
        long amount = r.get(3, Long.class);
        entries++;
        amounts.merge(meter, amount, Long::sum);
        byCounter.merge(new CounterKey(meter, new Period(r.get(1, Instant.class), r.get(2, Instant.class))), amount,
            Long::sum);
      }
      byCounter.forEach((key, amount) -> dsl.update(COUNTER).set(COUNTER.USED, COUNTER.USED.minus(amount))
          .where(counterKey(tenant, key.meter(), key.period())).execute());
      PurgeSummary result = new PurgeSummary(tenant, since, entries, amounts);
      insertAudit(dsl, audit.apply(result));
      return result;
    });
    sink.tenantChanged(tenant);
    return summary;
  }

  private record CounterKey(Meter meter, Period period) {}

  // --- alerts and verification -------------------------------------------------------------------------------

  /**
   * Marks a threshold alert as fired, once.
   *
   * @return whether this call marked it
   */
  public boolean markAlertFired(TenantId tenant, Meter meter, Period period, int thresholdPercent) {
    return db.read(dsl -> dsl.insertInto(ALERT_MARK, ALERT_MARK.TENANT_ID, ALERT_MARK.METER,
            ALERT_MARK.PERIOD_START, ALERT_MARK.PERIOD_END, ALERT_MARK.THRESHOLD_PERCENT)
        .values(tenant.value(), meter.name(), micros(period.start()), micros(period.end()), thresholdPercent)
        .onConflictDoNothing()
        .execute()) == 1;
  }

  /** Clears fired marks. */
  public void rearmAlerts(TenantId tenant, Meter meter, Period period, Collection<Integer> thresholdPercents) {
    if (thresholdPercents.isEmpty()) {
      return;
    }
    db.read(dsl -> dsl.deleteFrom(ALERT_MARK)
        .where(ALERT_MARK.TENANT_ID.eq(tenant.value()), ALERT_MARK.METER.eq(meter.name()),
            ALERT_MARK.PERIOD_START.eq(micros(period.start())), ALERT_MARK.PERIOD_END.eq(micros(period.end())),
            ALERT_MARK.THRESHOLD_PERCENT.in(thresholdPercents))
        .execute());
  }

  /**
   * Compares each counter of a tenant with the sum of its period's entries in the ledger and the archive, in
   * one statement (one snapshot). Counters that never counted anything are left out.
   *
   * @param tenant the tenant
   * @return one check per counter, oldest period first
   */
  public List<CounterCheck> verify(TenantId tenant) {
    return db.read(dsl -> {
      var entries = select(USAGE_LEDGER.METER, USAGE_LEDGER.PERIOD_START, USAGE_LEDGER.PERIOD_END, USAGE_LEDGER.AMOUNT)
          .from(USAGE_LEDGER).where(USAGE_LEDGER.TENANT_ID.eq(tenant.value()))
          .unionAll(select(USAGE_ARCHIVE.METER, USAGE_ARCHIVE.PERIOD_START, USAGE_ARCHIVE.PERIOD_END,
              USAGE_ARCHIVE.AMOUNT).from(USAGE_ARCHIVE).where(USAGE_ARCHIVE.TENANT_ID.eq(tenant.value())))
          .asTable("entries");
      Field<String> eMeter = entries.field(USAGE_LEDGER.METER);
      Field<Instant> eStart = entries.field(USAGE_LEDGER.PERIOD_START);
      Field<Instant> eEnd = entries.field(USAGE_LEDGER.PERIOD_END);
      var sums = select(eMeter, eStart, eEnd, sum(entries.field(USAGE_LEDGER.AMOUNT)).as("total"))
          .from(entries).groupBy(eMeter, eStart, eEnd).asTable("sums");
      Field<String> sMeter = sums.field(eMeter);
      Field<Instant> sStart = sums.field(eStart);
      Field<Instant> sEnd = sums.field(eEnd);
      Field<BigDecimal> sTotal = sums.field("total", BigDecimal.class);
      var counters = select(COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END, COUNTER.USED).from(COUNTER)
          .where(COUNTER.TENANT_ID.eq(tenant.value())).asTable("counters");
      Field<String> cMeter = counters.field(COUNTER.METER);
      Field<Instant> cStart = counters.field(COUNTER.PERIOD_START);
      Field<Instant> cEnd = counters.field(COUNTER.PERIOD_END);
      Field<Long> cUsed = counters.field(COUNTER.USED);
      return dsl.select(coalesce(cMeter, sMeter), coalesce(cStart, sStart), coalesce(cEnd, sEnd),
              coalesce(cUsed, 0L), coalesce(sTotal, BigDecimal.ZERO))
          .from(counters)
          .fullJoin(sums).on(cMeter.eq(sMeter), cStart.eq(sStart), cEnd.eq(sEnd))
          .where(coalesce(cUsed, 0L).ne(0L).or(sTotal.isNotNull()))
          .orderBy(coalesce(cStart, sStart), coalesce(cEnd, sEnd), coalesce(cMeter, sMeter))
          .fetch(r -> new CounterCheck(Meter.of(r.value1()), new Period(r.value2(), r.value3()), r.value4(),
              r.value5().longValueExact()));
    });
  }

  // --- archival -------------------------------------------------------------------------------------------------

  /**
   * Lists tenant ids after a given one, for archival across all tenants in bounded pages.
   *
   * @param after the last tenant id of the previous page, or {@code null}
   * @param limit the page size
   * @return the ids, ascending
   */
  public List<TenantId> tenantsAfter(TenantId after, int limit) {
    return db.read(dsl -> dsl.select(TENANT.TENANT_ID).from(TENANT)
        .where(after == null ? trueCondition() : TENANT.TENANT_ID.gt(after.value()))
        .orderBy(TENANT.TENANT_ID).limit(limit)
        .fetch(r -> TenantId.of(r.value1())));
  }

  /**
   * Moves up to {@code batchSize} of a tenant's ledger rows that occurred before a cut-off to the archive, in
   * one short transaction. Counters do not change. Rows locked by a concurrent writer are skipped, so the hot
   * path never waits for archival.
   *
   * @param tenant the tenant
   * @param cutoff rows with {@code occurred_at} before it move
   * @param batchSize the most rows moved
   * @return how many rows moved
   */
  public int archiveBatch(TenantId tenant, Instant cutoff, int batchSize) {
    Instant before = micros(cutoff);
    return db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      var batch = select(USAGE_LEDGER.TENANT_ID, USAGE_LEDGER.METER, USAGE_LEDGER.USAGE_KEY).from(USAGE_LEDGER)
          .where(USAGE_LEDGER.TENANT_ID.eq(tenant.value()), USAGE_LEDGER.OCCURRED_AT.lt(before))
          .orderBy(USAGE_LEDGER.OCCURRED_AT)
          .limit(batchSize)
          .forUpdate().skipLocked();
      var moved = dsl.deleteFrom(USAGE_LEDGER)
          .where(row(USAGE_LEDGER.TENANT_ID, USAGE_LEDGER.METER, USAGE_LEDGER.USAGE_KEY).in(batch))
          .returning()
          .fetch();
      if (moved.isEmpty()) {
        return 0;
      }
      var insert = dsl.insertInto(USAGE_ARCHIVE, USAGE_ARCHIVE.TENANT_ID, USAGE_ARCHIVE.METER, USAGE_ARCHIVE.USAGE_KEY,
          USAGE_ARCHIVE.AMOUNT, USAGE_ARCHIVE.OCCURRED_AT, USAGE_ARCHIVE.PERIOD_START, USAGE_ARCHIVE.PERIOD_END,
          USAGE_ARCHIVE.ATTRIBUTES, USAGE_ARCHIVE.ARCHIVED_AT);
      Instant archivedAt = dsl.select(currentInstant()).fetchSingle().value1();
      for (var row : moved) {
        insert = insert.values(row.getTenantId(), row.getMeter(), row.getUsageKey(), row.getAmount(),
            row.getOccurredAt(), row.getPeriodStart(), row.getPeriodEnd(), row.getAttributes(), archivedAt);
      }
      // the same transaction: the rows are in the ledger or in the archive, never in neither or both
      return insert.execute();
    });
  }

  // --- helpers ------------------------------------------------------------------------------------------------

  /** PostgreSQL keeps microseconds: every instant is cut to them before it is bound, so comparisons agree. */
  static Instant micros(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MICROS);
  }

  private static Instant earliest(Instant a, Instant b) {
    return b == null || a.isBefore(b) ? a : b;
  }
}

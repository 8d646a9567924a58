package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static dev.quota.jooq.internal.generated.Tables.RESERVATION;
import static dev.quota.jooq.internal.generated.Tables.TENANT;
import static dev.quota.jooq.internal.generated.Tables.USAGE_LEDGER;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.exists;
import static dev.quota.jooq.internal.PreparedQuery.parameter;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.min;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.trueCondition;
import static org.jooq.impl.DSL.val;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.jooq.internal.generated.tables.records.ReservationRecord;
import dev.quota.spi.CommitOutcome;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.ReleaseOutcome;
import dev.quota.spi.StoredReservation;
import dev.quota.spi.WriteOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.CommonTableExpression;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Param;
import org.jooq.Record;
import org.jooq.Record1;
import org.jooq.Record3;
import org.jooq.impl.SQLDataType;

/**
 * The usage writes on one request at a time: {@code reserve}, {@code commit}, {@code release}, and the sweep of
 * expired holds they rely on ({@code consume} and {@code append} run through {@link BatchWrites}), each atomic under
 * READ COMMITTED.
 *
 * <p>How the conditional writes stay exact under concurrency, across threads and JVMs:
 * <ul>
 *   <li>{@code reserve} and the common {@code commit} (an open hold, its meter and period, a new usage key) are one
 *       call each of a function of the schema ({@code quota_reserve}, {@code quota_commit}, migration V6), rendered
 *       once and run in auto-commit: one statement, one round trip, the counter row locked for that statement only.
 *       The functions lock the hold's row, then the counter's, and decide on the rows as locked. The other commits
 *       run the statements below in a transaction.</li>
 *   <li>A write is one statement: an {@code UPDATE} of the period's counter row whose every condition is on that row
 *       ({@code version = expected}, no counted hold expired, {@code quota_fits}), joined in a data-modifying CTE
 *       with the {@code INSERT ... ON CONFLICT DO NOTHING} of its reservation or ledger row. When a concurrent writer
 *       holds the counter row, PostgreSQL waits and re-evaluates those conditions on the row as committed, so no
 *       interleaving overshoots. The same statement reads the counter as it stood, to tell why nothing was written.</li>
 *   <li>The entitlement version is stamped on the tenant's counter rows by every admin change, in its transaction
 *       (see {@link AdminWrites}): a condition on the locked row is re-checked after a lock wait, a sub-select on the
 *       tenant table would not be. A counter row is created only under a share lock on the tenant row
 *       ({@link Counters#ensure}), so an admin change either sees the new row or is seen by it.</li>
 *   <li>Holds stop counting by themselves at expiry (see {@link CounterRules}): a write finding a counted hold expired
 *       sweeps the tenant's expired holds first ({@link #sweep}).</li>
 * </ul>
 *
 * <p>Every outcome that read the counter reports it to the {@link ChangeSink} once its transaction ended, a refused
 * reserve too: so the cache never shows room that this instance's own write was just refused for lack of.
 */
public final class UsageWrites {
  private static final String OPEN = "OPEN";
  private static final String COMMITTED = "COMMITTED";
  private static final String RELEASED = "RELEASED";

  // what the single-request statements return, by name
  private static final Field<Long> WRITTEN_USED = field(name("written_used"), SQLDataType.BIGINT);
  private static final Field<Long> WRITTEN_RESERVED = field(name("written_reserved"), SQLDataType.BIGINT);
  private static final Field<Instant> WRITTEN_HOLD_EXPIRY = field(name("written_hold_expiry"), SQLDataType.INSTANT);
  private static final Field<Integer> INSERTED = field(name("inserted"), SQLDataType.INTEGER);
  private static final Field<Long> CURRENT_VERSION = field(name("current_version"), SQLDataType.BIGINT);
  private static final Field<Instant> CURRENT_START = field(name("current_start"), SQLDataType.INSTANT);
  private static final Field<Instant> CURRENT_END = field(name("current_end"), SQLDataType.INSTANT);
  private static final Field<Long> CURRENT_USED = field(name("current_used"), SQLDataType.BIGINT);
  private static final Field<Long> CURRENT_RESERVED = field(name("current_reserved"), SQLDataType.BIGINT);
  private static final Field<Instant> CURRENT_NEXT_EXPIRY = field(name("current_next_expiry"), SQLDataType.INSTANT);
  private static final Field<Long> RECORDED = field(name("recorded"), SQLDataType.BIGINT);

  // what quota_reserve and quota_commit return
  private static final Field<Integer> O_INDEX = field(name("o_index"), SQLDataType.INTEGER);
  private static final Field<Short> O_OUTCOME = field(name("o_outcome"), SQLDataType.SMALLINT);
  private static final Field<Long> O_USED = field(name("o_used"), SQLDataType.BIGINT);
  private static final Field<Long> O_RESERVED = field(name("o_reserved"), SQLDataType.BIGINT);
  private static final Field<Instant> O_NEXT_EXPIRY = field(name("o_next_expiry"), SQLDataType.INSTANT);
  private static final Field<Boolean> O_HOLD_EXPIRED = field(name("o_hold_expired"), SQLDataType.BOOLEAN);

  private final Db db;
  private final Counters counters;
  private final CounterRules rules;
  private final WriteRounds rounds;
  private final Duration reservationRetention;
  private final ChangeSink sink;
  private final PreparedQuery reserveCall;
  private final PreparedQuery commitCall;

  /**
   * Renders the calls of {@code quota_reserve} and {@code quota_commit}.
   *
   * @param db the statements' runner
   * @param schema the schema holding the functions
   * @param counters the counter rows
   * @param reservationRetention how long after expiry ended holds are kept
   * @param sink hears about committed changes and counters read
   */
  public UsageWrites(Db db, String schema, Counters counters, Duration reservationRetention, ChangeSink sink) {
    this.db = db;
    this.counters = counters;
    this.rules = counters.rules();
    this.reservationRetention = reservationRetention;
    this.sink = sink;
    this.rounds = new WriteRounds(db, counters, this::sweep, sink);
    Param<String> tenant = parameter(SQLDataType.VARCHAR);
    Param<String> meter = parameter(SQLDataType.VARCHAR);
    Param<Instant> periodStart = parameter(SQLDataType.INSTANT);
    Param<Instant> periodEnd = parameter(SQLDataType.INSTANT);
    Param<Long> version = parameter(SQLDataType.BIGINT);
    Param<Instant> now = parameter(SQLDataType.INSTANT);
    Param<java.util.UUID[]> ids = parameter(SQLDataType.UUID.array());
    Param<Long[]> amounts = parameter(SQLDataType.BIGINT.array());
    Param<Long[]> ceilings = parameter(SQLDataType.BIGINT.array());
    Param<String[]> createdAt = parameter(SQLDataType.CLOB.array());
    Param<String[]> expiresAt = parameter(SQLDataType.CLOB.array());
    this.reserveCall = PreparedQuery.of(db.dsl(), select(O_INDEX, O_OUTCOME, O_USED, O_RESERVED, O_NEXT_EXPIRY)
        .from(table("{0}", function(name(schema, "quota_reserve"), Object.class, tenant, meter, periodStart, periodEnd,
            version, now, ids, amounts, ceilings, createdAt, expiresAt))),
        tenant, meter, periodStart, periodEnd, version, now, ids, amounts, ceilings, createdAt, expiresAt);
    Param<String[]> keys = parameter(SQLDataType.VARCHAR.array());
    Param<String[]> occurredAt = parameter(SQLDataType.CLOB.array());
    Param<String[]> attributes = parameter(SQLDataType.CLOB.array());
    this.commitCall = PreparedQuery.of(db.dsl(), select(O_INDEX, O_OUTCOME, O_USED, O_RESERVED, O_NEXT_EXPIRY,
            O_HOLD_EXPIRED)
        .from(table("{0}", function(name(schema, "quota_commit"), Object.class, tenant, meter, periodStart, periodEnd,
            version, now, ids, keys, amounts, occurredAt, attributes))),
        tenant, meter, periodStart, periodEnd, version, now, ids, keys, amounts, occurredAt, attributes);
  }

  /**
   * The requests that may share a reserve or commit batch: one counter row, checked against one version.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param period the counter's period
   * @param version the expected entitlement version
   */
  public record HoldKey(TenantId tenant, Meter meter, Period period, long version) {}

  /**
   * One reserve.
   *
   * @param hold the hold
   * @param ceiling the most {@code used + reserved} may reach with it
   * @param now the time of the write
   */
  public record ReserveRequest(StoredReservation hold, long ceiling, Instant now) {}

  /**
   * One commit.
   *
   * @param id the reservation
   * @param entry the usage
   * @param now the time of the write
   */
  public record CommitRequest(ReservationId id, LedgerEntry entry, Instant now) {}

  /** One request's decision, as {@code quota_reserve} or {@code quota_commit} returned it. */
  private record Row(int index, BatchOutcome outcome, Long used, Long reserved, Instant nextExpiry,
      Boolean holdExpired) {
    StoredCounter counter(Period period) {
      return new StoredCounter(period, used, reserved, nextExpiry);
    }
  }

  /**
   * Opens holds on one counter, in one statement ({@code quota_reserve}): each is written if its id is new and it fits
   * with the holds written before it in the batch; the {@link Batcher}'s work, and a lone reserve's as a batch of one.
   *
   * @param key the counter and version they share
   * @param requests the requests, in arrival order
   * @return one {@link WriteOutcome} or {@link RuntimeException} per request
   */
  public List<Object> reserveBatch(HoldKey key, List<ReserveRequest> requests) {
    return BatchWrites.batchOrAlone(requests, batch -> reserveRounds(key, batch));
  }

  private List<WriteOutcome> reserveRounds(HoldKey key, List<ReserveRequest> requests) {
    int n = requests.size();
    String[] ids = new String[n];
    Long[] amounts = new Long[n];
    Long[] ceilings = new Long[n];
    String[] createdAt = new String[n];
    String[] expiresAt = new String[n];
    Instant latest = Instant.MIN;
    for (int i = 0; i < n; i++) {
      ReserveRequest r = requests.get(i);
      ids[i] = r.hold().id().value().toString();
      amounts[i] = r.hold().amount();
      ceilings[i] = r.ceiling();
      createdAt[i] = micros(r.hold().createdAt()).toString();
      expiresAt[i] = micros(r.hold().expiresAt()).toString();
      latest = r.now().isAfter(latest) ? r.now() : latest; // the batch runs at the latest of its requests' instants
    }
    Instant at = micros(latest);
    Period period = new Period(micros(key.period().start()), micros(key.period().end()));
    for (int round = 0; round < WriteRounds.MAX_ROUNDS; round++) {
      List<Row> rows = rows(reserveCall, connection -> new Object[] {key.tenant().value(), key.meter().name(),
          period.start(), period.end(), key.version(), at, connection.createArrayOf("uuid", ids),
          connection.createArrayOf("int8", amounts), connection.createArrayOf("int8", ceilings),
          connection.createArrayOf("text", createdAt), connection.createArrayOf("text", expiresAt)});
      // STALE, NO_COUNTER and SWEEP are the whole batch's, in one row; the others are each request's
      switch (rows.get(0).outcome()) {
        case STALE -> {
          return allStale(key.tenant(), n, WriteOutcome.Stale::new);
        }
        case NO_COUNTER -> {
          if (!counters.ensure(key.tenant(), key.meter(), key.period(), key.version())) {
            return allStale(key.tenant(), n, WriteOutcome.Stale::new);
          }
        }
        case SWEEP -> sweep(key.tenant(), key.meter(), at);
        default -> {
          WriteOutcome[] outcomes = new WriteOutcome[n];
          for (Row row : rows) {
            StoredCounter counter = row.counter(key.period());
            outcomes[row.index()] = switch (row.outcome()) {
              case WRITTEN -> new WriteOutcome.Written(counter.counter());
              case DUPLICATE -> new WriteOutcome.Duplicate(0, counter.counter());
              case INSUFFICIENT -> new WriteOutcome.Insufficient(counter.counter());
              default -> throw new IllegalStateException("unexpected outcome " + row.outcome() + " of quota_reserve");
            };
          }
          // the counter after the last request, read and written under the row's lock, whatever was decided
          sink.counterObserved(key.tenant(), key.meter(), key.version(),
              rows.get(rows.size() - 1).counter(key.period()));
          return Arrays.asList(outcomes);
        }
      }
    }
    throw new IllegalStateException("tenant '" + key.tenant() + "' on " + key.meter() + ": a reserve did not settle "
        + "after " + WriteRounds.MAX_ROUNDS + " rounds");
  }

  private <T> List<T> allStale(TenantId tenant, int n, java.util.function.Supplier<T> stale) {
    sink.tenantChanged(tenant);
    List<T> outcomes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      outcomes.add(stale.get());
    }
    return outcomes;
  }

  private List<Row> rows(PreparedQuery call, PreparedQuery.Values values) {
    List<Row> rows = new ArrayList<>();
    for (Record r : call.fetch(db, values)) {
      rows.add(new Row(r.get(O_INDEX), BatchOutcome.of(r.get(O_OUTCOME)), r.get(O_USED), r.get(O_RESERVED),
          r.get(O_NEXT_EXPIRY), call == commitCall ? r.get(O_HOLD_EXPIRED) : null));
    }
    return rows;
  }

  @SafeVarargs
  private static List<Field<?>> columns(List<? extends Field<?>>... groups) {
    List<Field<?>> columns = new ArrayList<>();
    for (List<? extends Field<?>> group : groups) {
      columns.addAll(group);
    }
    return columns;
  }

  /** The counter row as a write's {@code UPDATE} left it, from its CTE. */
  private static List<Field<?>> written(CommonTableExpression<Record3<Long, Long, Instant>> upd) {
    return List.of(upd.field(COUNTER.USED).as(WRITTEN_USED), upd.field(COUNTER.RESERVED).as(WRITTEN_RESERVED),
        upd.field(COUNTER.NEXT_HOLD_EXPIRY).as(WRITTEN_HOLD_EXPIRY));
  }

  /** The counter row in scope as the statement's snapshot saw it, expired holds subtracted. */
  private List<Field<?>> current(Field<Instant> at) {
    return List.of(COUNTER.PERIOD_START.as(CURRENT_START), COUNTER.PERIOD_END.as(CURRENT_END),
        COUNTER.USED.as(CURRENT_USED), rules.reservedAt(at).as(CURRENT_RESERVED),
        rules.nextExpiryAfter(at).as(CURRENT_NEXT_EXPIRY));
  }

  private static StoredCounter currentOf(Record r) {
    return new StoredCounter(new Period(r.get(CURRENT_START), r.get(CURRENT_END)), r.get(CURRENT_USED),
        r.get(CURRENT_RESERVED), r.get(CURRENT_NEXT_EXPIRY));
  }

  /**
   * Ends open holds of one counter by recording their usage, in one statement ({@code quota_commit}): each hold leaves
   * its counter's reserved, its entry goes to the ledger and the counter. A request the function leaves to a
   * transaction (the hold not open, of another meter or period, the key recorded already) is then decided alone with
   * the statements of {@link #commitInTransaction}. The {@link Batcher}'s work, and a lone commit's as a batch of one.
   *
   * @param key the counter and version they share
   * @param requests the requests, in arrival order
   * @return one {@link CommitOutcome} or {@link RuntimeException} per request
   */
  public List<Object> commitBatch(HoldKey key, List<CommitRequest> requests) {
    return BatchWrites.batchOrAlone(requests, batch -> commitRounds(key, batch));
  }

  private List<CommitOutcome> commitRounds(HoldKey key, List<CommitRequest> requests) {
    int n = requests.size();
    String[] ids = new String[n];
    String[] keys = new String[n];
    Long[] amounts = new Long[n];
    String[] occurredAt = new String[n];
    String[] attributes = new String[n];
    Instant latest = Instant.MIN;
    for (int i = 0; i < n; i++) {
      CommitRequest r = requests.get(i);
      ids[i] = r.id().value().toString();
      keys[i] = r.entry().key().value();
      amounts[i] = r.entry().amount();
      occurredAt[i] = micros(r.entry().occurredAt()).toString();
      attributes[i] = attributesText(r.entry());
      latest = r.now().isAfter(latest) ? r.now() : latest;
    }
    Instant at = micros(latest);
    Period period = new Period(micros(key.period().start()), micros(key.period().end()));
    for (int round = 0; round < WriteRounds.MAX_ROUNDS; round++) {
      List<Row> rows = rows(commitCall, connection -> new Object[] {key.tenant().value(), key.meter().name(),
          period.start(), period.end(), key.version(), at, connection.createArrayOf("uuid", ids),
          connection.createArrayOf("varchar", keys), connection.createArrayOf("int8", amounts),
          connection.createArrayOf("text", occurredAt), connection.createArrayOf("text", attributes)});
      switch (rows.get(0).outcome()) {
        case STALE -> {
          return allStale(key.tenant(), n, CommitOutcome.Stale::new);
        }
        case NO_COUNTER -> {
          if (!counters.ensure(key.tenant(), key.meter(), key.period(), key.version())) {
            return allStale(key.tenant(), n, CommitOutcome.Stale::new);
          }
        }
        default -> {
          CommitOutcome[] outcomes = new CommitOutcome[n];
          List<Integer> inTransaction = new ArrayList<>();
          for (Row row : rows) {
            switch (row.outcome()) {
              case WRITTEN -> outcomes[row.index()] =
                  new CommitOutcome.Committed(row.counter(key.period()).counter(), row.holdExpired());
              case DECIDE_IN_TRANSACTION -> inTransaction.add(row.index());
              default -> throw new IllegalStateException("unexpected outcome " + row.outcome() + " of quota_commit");
            }
          }
          sink.counterObserved(key.tenant(), key.meter(), key.version(),
              rows.get(rows.size() - 1).counter(key.period()));
          for (int i : inTransaction) {
            CommitRequest r = requests.get(i);
            Instant requestAt = micros(r.now());
            Period entryPeriod = new Period(micros(r.entry().period().start()), micros(r.entry().period().end()));
            CommitOutcome stale = new CommitOutcome.Stale();
            outcomes[i] = rounds.run(key.tenant(), key.meter(), key.version(), requestAt, stale,
                tx -> commitInTransaction(tx, key.tenant(), r.id(), r.entry(), key.version(), requestAt, entryPeriod,
                    stale));
          }
          return Arrays.asList(outcomes);
        }
      }
    }
    throw new IllegalStateException("tenant '" + key.tenant() + "' on " + key.meter() + ": a commit did not settle "
        + "after " + WriteRounds.MAX_ROUNDS + " rounds");
  }

  /**
   * One round of a commit decided with several statements in one transaction: what {@code quota_commit} leaves to
   * it (the hold not open, of another meter or another period, the usage key recorded already).
   */
  private WriteRounds.Step<CommitOutcome> commitInTransaction(Db.Tx tx, TenantId tenant, ReservationId id,
      LedgerEntry entry, long expectedVersion, Instant at, Period entryPeriod, CommitOutcome stale) {
    Field<Instant> atField = val(at);
    Meter meter = entry.meter();
    DSLContext dsl = tx.dsl();
    // The hold's row is locked first, then counter rows: the order every path that ends holds follows.
    ReservationRecord hold = dsl.selectFrom(RESERVATION)
        .where(RESERVATION.TENANT_ID.eq(tenant.value()), RESERVATION.RESERVATION_ID.eq(id.value()))
        .forUpdate()
        .fetchOne();
    if (hold == null || !OPEN.equals(hold.getState()) || !hold.getMeter().equals(meter.name())) {
      return WriteRounds.done(notCommittable(dsl, tenant, hold, entry, expectedVersion, at, stale));
    }
    Period holdPeriod = new Period(hold.getPeriodStart(), hold.getPeriodEnd());
    long held = hold.getCounted() ? hold.getAmount() : 0;
    boolean samePeriod = holdPeriod.equals(entryPeriod);
    if (held > 0 && !samePeriod) {
      // two counter rows change: lock them in the order of every path that locks several
      Counters.lock(dsl, COUNTER.TENANT_ID.eq(tenant.value()).and(COUNTER.METER.eq(meter.name()))
          .and(row(COUNTER.PERIOD_START, COUNTER.PERIOD_END).in(row(holdPeriod.start(), holdPeriod.end()),
              row(entryPeriod.start(), entryPeriod.end()))));
    }
    // The hold ends first, so that the counter statement's view of the holds no longer counts it; if the usage
    // cannot be written, the transaction rolls back and the hold stays open.
    dsl.update(RESERVATION)
        .set(RESERVATION.STATE, COMMITTED)
        .set(RESERVATION.COMMITTED_KEY, entry.key().value())
        .set(RESERVATION.COUNTED, false)
        .where(RESERVATION.TENANT_ID.eq(tenant.value()), RESERVATION.RESERVATION_ID.eq(id.value()))
        .execute();
    CommonTableExpression<Record1<Long>> ins = name("ins").as(dsl.insertInto(USAGE_LEDGER,
            USAGE_LEDGER.TENANT_ID, USAGE_LEDGER.METER, USAGE_LEDGER.USAGE_KEY, USAGE_LEDGER.AMOUNT,
            USAGE_LEDGER.OCCURRED_AT, USAGE_LEDGER.PERIOD_START, USAGE_LEDGER.PERIOD_END, USAGE_LEDGER.ATTRIBUTES)
        .values(tenant.value(), meter.name(), entry.key().value(), entry.amount(), micros(entry.occurredAt()),
            entryPeriod.start(), entryPeriod.end(), attributes(entry))
        .onConflictDoNothing()
        .returningResult(USAGE_LEDGER.AMOUNT));
    CommonTableExpression<Record3<Long, Long, Instant>> upd = name("upd").as(dsl.update(COUNTER)
        .set(COUNTER.USED, COUNTER.USED.plus(entry.amount()))
        .set(COUNTER.RESERVED, COUNTER.RESERVED.minus(samePeriod ? held : 0))
        .where(Counters.key(tenant, meter, entry.period()))
        .and(COUNTER.VERSION.eq(expectedVersion))
        .and(exists(selectOne().from(ins)))
        .returningResult(COUNTER.USED, COUNTER.RESERVED, COUNTER.NEXT_HOLD_EXPIRY));
    Record r = dsl.with(ins).with(upd)
        .select(columns(written(upd), List.of(field(select(count()).from(ins)).as(INSERTED),
            COUNTER.VERSION.as(CURRENT_VERSION)), current(atField), List.of(USAGE_LEDGER.AMOUNT.as(RECORDED))))
        .from(selectOne().asTable())
        .leftJoin(upd).on(trueCondition())
        .leftJoin(COUNTER).on(Counters.key(tenant, meter, entry.period()))
        .leftJoin(USAGE_LEDGER).on(Counters.ledgerKey(tenant, meter, entry.key()))
        .fetchSingle();
    if (r.get(WRITTEN_USED) != null) {
      if (held > 0 && !samePeriod) {
        releaseHeld(dsl, tenant, meter, holdPeriod, held);
      }
      StoredCounter after = counters.afterWrite(dsl, tenant, meter, entry.period(), r.get(WRITTEN_USED),
          r.get(WRITTEN_RESERVED), r.get(WRITTEN_HOLD_EXPIRY), at);
      boolean expired = CounterRules.expired(hold.getExpiresAt(), at);
      return new WriteRounds.Done<>(new CommitOutcome.Committed(after.counter(), expired), after, expectedVersion);
    }
    Long version = r.get(CURRENT_VERSION);
    Long recorded = r.get(RECORDED);
    boolean inserted = r.get(INSERTED) == 1;
    if (version != null && version == expectedVersion && recorded != null && !inserted
        && recorded == entry.amount()) {
      // The usage this hold stood for is already in the ledger: the hold ends (as marked above), no usage is
      // written.
      if (held > 0) {
        releaseHeld(dsl, tenant, meter, holdPeriod, held);
      }
      StoredCounter after = counters.read(dsl, tenant, meter, entry.period(), at);
      return new WriteRounds.Done<>(new CommitOutcome.Duplicate(recorded, after.counter()), after, expectedVersion);
    }
    tx.rollbackOnly(); // the hold stays open
    if (version == null) {
      return new WriteRounds.CreateCounter<>(entry.period());
    }
    if (version != expectedVersion) {
      return WriteRounds.done(stale);
    }
    if (recorded != null && !inserted) {
      return WriteRounds.done(new CommitOutcome.Duplicate(recorded, currentOf(r).counter()));
    }
    return new WriteRounds.Again<>();
  }

  /** Why a hold that is not open (or of another meter) cannot be committed, as the outcome says. */
  private CommitOutcome notCommittable(DSLContext dsl, TenantId tenant, ReservationRecord hold, LedgerEntry entry,
      long expectedVersion, Instant at, CommitOutcome stale) {
    Long version = dsl.select(TENANT.VERSION).from(TENANT).where(TENANT.TENANT_ID.eq(tenant.value()))
        .fetchOne(TENANT.VERSION);
    if ((version == null ? 0 : version) != expectedVersion) {
      return stale;
    }
    if (hold == null) {
      return new CommitOutcome.NotFound();
    }
    if (RELEASED.equals(hold.getState())) {
      return new CommitOutcome.Released();
    }
    if (!hold.getMeter().equals(entry.meter().name())) {
      return new CommitOutcome.WrongMeter(Meter.of(hold.getMeter()));
    }
    UsageKey committedKey = UsageKey.of(hold.getCommittedKey());
    if (!committedKey.equals(entry.key())) {
      return new CommitOutcome.CommittedUnderOtherKey(committedKey);
    }
    Long recorded = dsl.select(USAGE_LEDGER.AMOUNT).from(USAGE_LEDGER)
        .where(Counters.ledgerKey(tenant, entry.meter(), entry.key())).fetchOne(USAGE_LEDGER.AMOUNT);
    return new CommitOutcome.Duplicate(recorded == null ? entry.amount() : recorded,
        counters.read(dsl, tenant, entry.meter(), entry.period(), at).counter());
  }

  private static void releaseHeld(DSLContext dsl, TenantId tenant, Meter meter, Period period, long held) {
    dsl.update(COUNTER).set(COUNTER.RESERVED, COUNTER.RESERVED.minus(held))
        .where(Counters.key(tenant, meter, period)).execute();
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
      if (RELEASED.equals(hold.getState()) || CounterRules.expired(hold.getExpiresAt(), at)) {
        // expired holds stay open (and no longer count): their usage may still be committed late
        return new Released(ReleaseOutcome.ALREADY_ENDED, null, -1, null);
      }
      dsl.update(RESERVATION).set(RESERVATION.STATE, RELEASED).set(RESERVATION.COUNTED, false)
          .where(RESERVATION.TENANT_ID.eq(tenant.value()), RESERVATION.RESERVATION_ID.eq(id.value()))
          .execute();
      Meter meter = Meter.of(hold.getMeter());
      Period period = new Period(hold.getPeriodStart(), hold.getPeriodEnd());
      if (!hold.getCounted()) {
        return new Released(ReleaseOutcome.RELEASED, meter, -1, null);
      }
      Record r = dsl.update(COUNTER).set(COUNTER.RESERVED, COUNTER.RESERVED.minus(hold.getAmount()))
          .where(Counters.key(tenant, meter, period))
          .returningResult(COUNTER.VERSION, COUNTER.USED, COUNTER.RESERVED, COUNTER.NEXT_HOLD_EXPIRY)
          .fetchOne();
      if (r == null) {
        return new Released(ReleaseOutcome.RELEASED, meter, -1, null);
      }
      return new Released(ReleaseOutcome.RELEASED, meter, r.get(COUNTER.VERSION), counters.afterWrite(dsl, tenant,
          meter, period, r.get(COUNTER.USED), r.get(COUNTER.RESERVED), r.get(COUNTER.NEXT_HOLD_EXPIRY), at));
    });
    if (result.counter() != null) {
      sink.counterObserved(tenant, result.meter(), result.version(), result.counter());
    }
    return result.outcome();
  }

  /**
   * Stops expired holds of a tenant's meter from counting and recomputes the affected counters' next expiry; forgets
   * holds that ended longer than the retention ago.
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
      for (var r : dsl.update(RESERVATION).set(RESERVATION.COUNTED, false)
          .where(RESERVATION.TENANT_ID.eq(tenant.value()), RESERVATION.METER.eq(meter.name()),
              RESERVATION.COUNTED.isTrue(), rules.expired(RESERVATION.EXPIRES_AT, val(at)))
          .returningResult(RESERVATION.PERIOD_START, RESERVATION.PERIOD_END, RESERVATION.AMOUNT)
          .fetch()) {
        expired.merge(new Period(r.get(RESERVATION.PERIOD_START), r.get(RESERVATION.PERIOD_END)),
            r.get(RESERVATION.AMOUNT), Long::sum);
      }
      // Lock the rows to fix; holds added to them meanwhile are committed by then, and the next statement's
      // snapshot sees them, so the recomputed expiry misses none.
      List<Period> locked = dsl.select(COUNTER.PERIOD_START, COUNTER.PERIOD_END).from(COUNTER)
          .where(COUNTER.TENANT_ID.eq(tenant.value()), COUNTER.METER.eq(meter.name()),
              rules.expired(COUNTER.NEXT_HOLD_EXPIRY, val(at)))
          .orderBy(COUNTER.PERIOD_START, COUNTER.PERIOD_END)
          .forUpdate()
          .fetch(r -> new Period(r.get(COUNTER.PERIOD_START), r.get(COUNTER.PERIOD_END)));
      for (Period period : locked) {
        // the earliest expiry among the holds still counted: the definition of next_hold_expiry
        dsl.update(COUNTER)
            .set(COUNTER.RESERVED, COUNTER.RESERVED.minus(expired.getOrDefault(period, 0L)))
            .set(COUNTER.NEXT_HOLD_EXPIRY, field(select(min(RESERVATION.EXPIRES_AT)).from(RESERVATION)
                .where(RESERVATION.TENANT_ID.eq(COUNTER.TENANT_ID), RESERVATION.METER.eq(COUNTER.METER),
                    RESERVATION.PERIOD_START.eq(COUNTER.PERIOD_START), RESERVATION.PERIOD_END.eq(COUNTER.PERIOD_END),
                    RESERVATION.COUNTED.isTrue())))
            .where(Counters.key(tenant, meter, period))
            .execute();
      }
      dsl.deleteFrom(RESERVATION)
          .where(RESERVATION.TENANT_ID.eq(tenant.value()), RESERVATION.METER.eq(meter.name()),
              RESERVATION.COUNTED.isFalse(),
              rules.expired(RESERVATION.EXPIRES_AT, val(micros(at.minus(reservationRetention)))))
          .execute();
      return null;
    });
  }

  private static String attributesText(LedgerEntry entry) {
    return entry.attributes().isEmpty() ? null : Json.write(entry.attributes());
  }

  private static JSONB attributes(LedgerEntry entry) {
    return entry.attributes().isEmpty() ? null : JSONB.valueOf(Json.write(entry.attributes()));
  }
}

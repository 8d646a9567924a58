package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static dev.quota.jooq.internal.generated.Tables.RESERVATION;
import static dev.quota.jooq.internal.generated.Tables.RESERVATION_HOLD;
import static dev.quota.jooq.internal.generated.Tables.TENANT;
import static dev.quota.jooq.internal.generated.Tables.USAGE_LEDGER;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.least;
import static org.jooq.impl.DSL.min;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.selectOne;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jooq.CommonTableExpression;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Record1;
import org.jooq.Record3;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * The usage writes on one request at a time: the commits {@link HoldWrites} leaves to a transaction, {@code release},
 * and the sweep of expired holds every write relies on ({@code consume} and {@code append} run through
 * {@link BatchWrites}, {@code reserve} and the common {@code commit} through {@link HoldWrites}), each atomic under
 * READ COMMITTED.
 *
 * <p>How the conditional writes stay exact under concurrency, across threads and JVMs:
 * <ul>
 *   <li>{@code reserve} and the common {@code commit} (an open hold, its meter and period, a new usage key) are calls
 *       of functions of the schema, made by {@link HoldWrites}; the other commits run the statements below in a
 *       transaction ({@link #commitInTransaction(TenantId, ReservationId, LedgerEntry, long, Instant)}).</li>
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

  private final Db db;
  private final Counters counters;
  private final CounterRules rules;
  private final WriteRounds rounds;
  private final Duration reservationRetention;
  private final ChangeSink sink;

  /**
   * @param db the statements' runner
   * @param counters the counter rows
   * @param reservationRetention how long after expiry ended holds are kept
   * @param sink hears about committed changes and counters read
   */
  public UsageWrites(Db db, Counters counters, Duration reservationRetention, ChangeSink sink) {
    this.db = db;
    this.counters = counters;
    this.rules = counters.rules();
    this.reservationRetention = reservationRetention;
    this.sink = sink;
    this.rounds = new WriteRounds(db, counters, this::sweep, sink);
  }

  /**
   * Commits one hold with the statements below, in a transaction (and rounds of counter creation and retries as
   * needed): the cases {@code quota_commit} leaves to a transaction (the hold not open, of another meter or period, the
   * usage key recorded already).
   *
   * @param tenant the tenant
   * @param id the reservation
   * @param entry the usage
   * @param expectedVersion the version the entry's period came from
   * @param now the time of the write
   * @return the outcome
   */
  public CommitOutcome commitInTransaction(TenantId tenant, ReservationId id, LedgerEntry entry, long expectedVersion,
      Instant now) {
    return commitInTransaction(tenant, id, entry, expectedVersion, now, null);
  }

  /**
   * What a commit that draws on one-time credits does in its transaction once its usage is written: the counter row
   * is locked by then, the credits' rows are locked after it (the order of {@link CreditWrites}).
   */
  @FunctionalInterface
  public interface CommitDraw {
    /**
     * @param dsl the commit's transaction
     * @param usedAfter the period's usage with the commit's entry
     * @return the counter's {@code credit_drawn} after the draw
     */
    long draw(DSLContext dsl, long usedAfter);
  }

  /**
   * Commits one hold as {@link #commitInTransaction(TenantId, ReservationId, LedgerEntry, long, Instant)} does, and
   * when its usage is written, draws on credits in the same transaction.
   *
   * @param tenant the tenant
   * @param id the reservation
   * @param entry the usage
   * @param expectedVersion the version the entry's period came from
   * @param now the time of the write
   * @param draw the draw, or {@code null} for none
   * @return the outcome, its counter with the draw
   */
  public CommitOutcome commitInTransaction(TenantId tenant, ReservationId id, LedgerEntry entry, long expectedVersion,
      Instant now, @Nullable CommitDraw draw) {
    Instant at = micros(now);
    Period entryPeriod = new Period(micros(entry.period().start()), micros(entry.period().end()));
    CommitOutcome stale = new CommitOutcome.Stale();
    Set<TenantId> holdsEnded = new LinkedHashSet<>();
    CommitOutcome outcome = rounds.run(tenant, entry.meter(), expectedVersion, at, stale, tx -> {
      holdsEnded.clear(); // a round that rolled back ended nothing
      return commitInTransaction(tx, tenant, id, entry, expectedVersion, at, entryPeriod, stale, draw, holdsEnded);
    });
    holdsEnded.forEach(sink::tenantChanged);
    return outcome;
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
   * One round of a commit decided with several statements in one transaction: what {@code quota_commit} leaves to
   * it (the hold not open, of another meter or another period, the usage key recorded already).
   */
  private WriteRounds.Step<CommitOutcome> commitInTransaction(Db.Tx tx, TenantId tenant, ReservationId id,
      LedgerEntry entry, long expectedVersion, Instant at, Period entryPeriod, CommitOutcome stale,
      @Nullable CommitDraw draw, Set<TenantId> holdsEnded) {
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
    if (!hold.getCounted()) {
      // A reservation made on a path (quota_commit leaves it here): its hold leaves every counter it counts in, the
      // entry's counter locked with them in the global order; the usage is then written here like a flat commit's.
      // The cache forgets those tenants once the transaction commits.
      holdsEnded.addAll(PathWrites.endHolds(dsl, tenant, id, meter, entryPeriod));
    }
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
      if (draw != null) {
        after = after.withCreditDrawn(draw.draw(dsl, after.used()));
      }
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
    record Released(ReleaseOutcome outcome, Meter meter, long version, StoredCounter counter,
        Set<TenantId> holdsEnded) {
      Released(ReleaseOutcome outcome, Meter meter, long version, StoredCounter counter) {
        this(outcome, meter, version, counter, Set.of());
      }
    }
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
        // a reservation made on a path counts in its hold rows, one per counter (none for a flat one swept since)
        return new Released(ReleaseOutcome.RELEASED, meter, -1, null,
            PathWrites.endHolds(dsl, tenant, id, meter, null));
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
    result.holdsEnded().forEach(sink::tenantChanged);
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
      // the holds of reservations made on a path, in this tenant's counters (migration V14)
      for (var r : dsl.update(RESERVATION_HOLD).set(RESERVATION_HOLD.COUNTED, false)
          .where(RESERVATION_HOLD.TENANT_ID.eq(tenant.value()), RESERVATION_HOLD.METER.eq(meter.name()),
              RESERVATION_HOLD.COUNTED.isTrue(), rules.expired(RESERVATION_HOLD.EXPIRES_AT, val(at)))
          .returningResult(RESERVATION_HOLD.PERIOD_START, RESERVATION_HOLD.PERIOD_END, RESERVATION_HOLD.AMOUNT)
          .fetch()) {
        expired.merge(new Period(r.get(RESERVATION_HOLD.PERIOD_START), r.get(RESERVATION_HOLD.PERIOD_END)),
            r.get(RESERVATION_HOLD.AMOUNT), Long::sum);
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
            .set(COUNTER.NEXT_HOLD_EXPIRY, least(field(select(min(RESERVATION.EXPIRES_AT)).from(RESERVATION)
                .where(RESERVATION.TENANT_ID.eq(COUNTER.TENANT_ID), RESERVATION.METER.eq(COUNTER.METER),
                    RESERVATION.PERIOD_START.eq(COUNTER.PERIOD_START), RESERVATION.PERIOD_END.eq(COUNTER.PERIOD_END),
                    RESERVATION.COUNTED.isTrue())),
                field(select(min(RESERVATION_HOLD.EXPIRES_AT)).from(RESERVATION_HOLD)
                    .where(RESERVATION_HOLD.TENANT_ID.eq(COUNTER.TENANT_ID), RESERVATION_HOLD.METER.eq(COUNTER.METER),
                        RESERVATION_HOLD.PERIOD_START.eq(COUNTER.PERIOD_START),
                        RESERVATION_HOLD.PERIOD_END.eq(COUNTER.PERIOD_END), RESERVATION_HOLD.COUNTED.isTrue()))))
            .where(Counters.key(tenant, meter, period))
            .execute();
      }
      dsl.deleteFrom(RESERVATION)
          .where(RESERVATION.TENANT_ID.eq(tenant.value()), RESERVATION.METER.eq(meter.name()),
              RESERVATION.COUNTED.isFalse(),
              rules.expired(RESERVATION.EXPIRES_AT, val(micros(at.minus(reservationRetention)))))
          .execute();
      dsl.deleteFrom(RESERVATION_HOLD)
          .where(RESERVATION_HOLD.TENANT_ID.eq(tenant.value()), RESERVATION_HOLD.METER.eq(meter.name()),
              RESERVATION_HOLD.COUNTED.isFalse(),
              rules.expired(RESERVATION_HOLD.EXPIRES_AT, val(micros(at.minus(reservationRetention)))))
          .execute();
      return null;
    });
  }

  private static JSONB attributes(LedgerEntry entry) {
    return entry.attributes().isEmpty() ? null : JSONB.valueOf(Json.write(entry.attributes()));
  }
}

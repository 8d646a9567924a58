package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.PreparedQuery.parameter;
import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static dev.quota.jooq.internal.generated.Tables.RESERVATION_HOLD;
import static dev.quota.jooq.internal.generated.Tables.TENANT;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.table;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.spi.CommitOutcome;
import dev.quota.spi.Counter;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.PathCounter;
import dev.quota.spi.PathOutcome;
import dev.quota.spi.PathWrite;
import dev.quota.spi.StoredReservation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Param;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Usage writes on a path (a tenant and its ancestors, in every window of the meter): {@code consumePath} and
 * {@code reservePath} through {@code quota_path_write}, {@code commitPath} through {@code quota_path_commit} (migration
 * V14), each one statement in auto-commit, rendered once (see {@link PreparedQuery}). What those functions leave to the
 * store is done here between calls, in transactions that hold no counter row: creating missing counter rows, and
 * sweeping expired holds; then the call runs again.
 *
 * <p>Also the one place that ends the holds of a reservation made on a path inside another transaction
 * ({@link #endHolds}): a flat commit or a release of such a reservation.
 */
public final class PathWrites {
  /** Rounds of counter creation and sweeping one write may go through. */
  private static final int MAX_ROUNDS = 16;

  // the outcome codes of quota_path_write and quota_path_commit; 0 to 5 mean what BatchOutcome's codes mean
  private static final int WRITTEN = 0;
  private static final int DUPLICATE = 1;
  private static final int STALE = 2;
  private static final int NO_COUNTER = 3;
  private static final int INSUFFICIENT = 4;
  private static final int SWEEP = 5;
  private static final int NOT_FOUND = 7;
  private static final int RELEASED = 8;
  private static final int WRONG_METER = 9;
  private static final int OTHER_KEY = 10;

  private static final Field<Integer> O_INDEX = field(name("o_index"), SQLDataType.INTEGER);
  private static final Field<Short> O_OUTCOME = field(name("o_outcome"), SQLDataType.SMALLINT);
  private static final Field<Long> O_RECORDED = field(name("o_recorded"), SQLDataType.BIGINT);
  private static final Field<Long> O_USED = field(name("o_used"), SQLDataType.BIGINT);
  private static final Field<Long> O_RESERVED = field(name("o_reserved"), SQLDataType.BIGINT);
  private static final Field<Instant> O_NEXT_EXPIRY = field(name("o_next_expiry"), SQLDataType.INSTANT);
  private static final Field<Boolean> O_EXPIRED = field(name("o_expired"), SQLDataType.BOOLEAN);
  private static final Field<String> O_TEXT = field(name("o_text"), SQLDataType.VARCHAR);

  /** One row a function returned. */
  private record Row(int index, int outcome, Long recorded, Long used, Long reserved, Instant nextExpiry,
      Boolean expired, String text) {}

  private final Db db;
  private final UsageWrites sweeper;
  private final ChangeSink sink;
  private final WindowCompactor compactor;
  private final PreparedQuery writeCall;
  private final PreparedQuery commitCall;

  /**
   * Renders the two calls.
   *
   * @param db the statements' runner
   * @param schema the schema holding the functions
   * @param sweeper sweeps expired holds when a function asks for it
   * @param sink hears about committed changes and counters seen
   * @param compactor told when a write starts a new short window
   */
  public PathWrites(Db db, String schema, UsageWrites sweeper, ChangeSink sink, WindowCompactor compactor) {
    this.db = db;
    this.sweeper = sweeper;
    this.sink = sink;
    this.compactor = compactor;
    Param<String> meter = parameter(SQLDataType.VARCHAR);
    Param<Instant> now = parameter(SQLDataType.INSTANT);
    Param<Boolean> conditional = parameter(SQLDataType.BOOLEAN);
    Param<String> tenant = parameter(SQLDataType.VARCHAR);
    Param<String[]> path = parameter(SQLDataType.VARCHAR.array());
    Param<String> key = parameter(SQLDataType.VARCHAR);
    Param<UUID> reservation = parameter(SQLDataType.UUID);
    Param<Long> amount = parameter(SQLDataType.BIGINT);
    Param<Instant> occurredAt = parameter(SQLDataType.INSTANT);
    Param<Instant> expiresAt = parameter(SQLDataType.INSTANT);
    Param<Instant> periodStart = parameter(SQLDataType.INSTANT);
    Param<Instant> periodEnd = parameter(SQLDataType.INSTANT);
    Param<String> attributes = parameter(SQLDataType.CLOB);
    Param<String[]> tenants = parameter(SQLDataType.VARCHAR.array());
    Param<String[]> starts = parameter(SQLDataType.CLOB.array());
    Param<String[]> ends = parameter(SQLDataType.CLOB.array());
    Param<Long[]> ceilings = parameter(SQLDataType.BIGINT.array());
    Param<Long[]> versions = parameter(SQLDataType.BIGINT.array());
    this.writeCall = PreparedQuery.of(db.dsl(), call(schema, "quota_path_write", List.of(O_INDEX, O_OUTCOME,
            O_RECORDED, O_USED, O_RESERVED, O_NEXT_EXPIRY), meter, now, conditional, tenant, path, key, reservation,
            amount, occurredAt, expiresAt, periodStart, periodEnd, attributes, tenants, starts, ends, ceilings,
            versions),
        meter, now, conditional, tenant, path, key, reservation, amount, occurredAt, expiresAt, periodStart, periodEnd,
        attributes, tenants, starts, ends, ceilings, versions);
    this.commitCall = PreparedQuery.of(db.dsl(), call(schema, "quota_path_commit", List.of(O_INDEX, O_OUTCOME,
            O_RECORDED, O_USED, O_RESERVED, O_NEXT_EXPIRY, O_EXPIRED, O_TEXT), meter, now, tenant, path, reservation,
            key, amount, occurredAt, periodStart, periodEnd, attributes, tenants, starts, ends, versions),
        meter, now, tenant, path, reservation, key, amount, occurredAt, periodStart, periodEnd, attributes, tenants,
        starts, ends, versions);
  }

  private static ResultQuery<?> call(String schema, String function, List<Field<?>> columns, Field<?>... arguments) {
    return select(columns).from(table("{0}", DSL.function(name(schema, function), Object.class, arguments)));
  }

  /**
   * {@code consumePath}: one call of {@code quota_path_write} (more only to create counter rows or sweep holds).
   *
   * @param entry the usage, of the path's first tenant
   * @param write the path and its counters
   * @param conditional whether a counter that cannot take the amount refuses the write
   * @return the outcome
   */
  public PathOutcome consume(LedgerEntry entry, PathWrite write, boolean conditional) {
    Instant at = micros(entry.occurredAt());
    return writeRounds(entry.meter(), write, at, connection -> {
      Arrays a = Arrays.of(write, connection);
      return new Object[] {entry.meter().name(), at, conditional, entry.tenant().value(), countedPath(write,
          connection), entry.key().value(), null, entry.amount(), at, null, micros(entry.period().start()),
          micros(entry.period().end()), attributes(entry), a.tenants, a.starts, a.ends, a.ceilings, a.versions};
    });
  }

  /**
   * {@code reservePath}: one call of {@code quota_path_write} (more only to create counter rows or sweep holds).
   *
   * @param hold the reservation, of the path's first tenant; its period is the tenant's period counter
   * @param write the path and its counters
   * @param conditional whether a counter that cannot take the amount refuses the hold
   * @param now the time of the write
   * @return the outcome
   */
  public PathOutcome reserve(StoredReservation hold, PathWrite write, boolean conditional, Instant now) {
    Instant at = micros(now);
    return writeRounds(hold.meter(), write, at, connection -> {
      Arrays a = Arrays.of(write, connection);
      return new Object[] {hold.meter().name(), at, conditional, hold.tenant().value(), countedPath(write, connection),
          null, hold.id().value(), hold.amount(), micros(hold.createdAt()), micros(hold.expiresAt()),
          micros(hold.period().start()), micros(hold.period().end()), null, a.tenants, a.starts, a.ends, a.ceilings,
          a.versions};
    });
  }

  private PathOutcome writeRounds(Meter meter, PathWrite write, Instant at, PreparedQuery.Values values) {
    for (int round = 0; round < MAX_ROUNDS; round++) {
      List<Row> rows = rows(writeCall, values);
      Row first = rows.get(0);
      switch (first.outcome()) {
        case STALE -> {
          sink.tenantChanged(write.counters().get(first.index()).tenant());
          return new PathOutcome.Stale();
        }
        case NO_COUNTER -> {
          TenantId stale = ensure(meter, write);
          if (stale != null) {
            sink.tenantChanged(stale);
            return new PathOutcome.Stale();
          }
        }
        case SWEEP -> sweeper.sweep(write.counters().get(first.index()).tenant(), meter, at);
        default -> {
          List<Counter> counters = counters(meter, write, rows);
          return switch (first.outcome()) {
            case WRITTEN -> new PathOutcome.Written(counters);
            case DUPLICATE -> new PathOutcome.Duplicate(first.recorded(), counters);
            case INSUFFICIENT -> new PathOutcome.Insufficient(Math.toIntExact(first.recorded()), counters);
            default -> throw new IllegalStateException("unexpected outcome " + first.outcome() + " of a path write");
          };
        }
      }
    }
    throw new IllegalStateException("tenant '" + write.tenant() + "' on " + meter + ": a path write did not settle "
        + "after " + MAX_ROUNDS + " rounds");
  }

  /** The counters as the function left them, in the write's order; each reported to the cache of its level. */
  private List<Counter> counters(Meter meter, PathWrite write, List<Row> rows) {
    List<Counter> counters = new ArrayList<>(rows.size());
    for (Row row : rows) {
      PathCounter c = write.counters().get(row.index());
      StoredCounter stored = new StoredCounter(c.period(), row.used(), row.reserved(), row.nextExpiry());
      sink.counterObserved(c.tenant(), meter, c.expectedVersion(), stored);
      counters.add(stored.counter());
    }
    return counters;
  }

  /**
   * {@code commitPath}: one call of {@code quota_path_commit} (more only to create counter rows).
   *
   * @param tenant the reservation's tenant
   * @param id the reservation
   * @param entry the usage
   * @param write the tenant's path at the commit and its counters
   * @param now the time of the write
   * @return the outcome
   */
  public CommitOutcome commit(TenantId tenant, ReservationId id, LedgerEntry entry, PathWrite write, Instant now) {
    Instant at = micros(now);
    Meter meter = entry.meter();
    PreparedQuery.Values values = connection -> {
      Arrays a = Arrays.of(write, connection);
      return new Object[] {meter.name(), at, tenant.value(), countedPath(write, connection), id.value(),
          entry.key().value(), entry.amount(), micros(entry.occurredAt()), micros(entry.period().start()),
          micros(entry.period().end()), attributes(entry), a.tenants, a.starts, a.ends, a.versions};
    };
    for (int round = 0; round < MAX_ROUNDS; round++) {
      List<Row> rows = rows(commitCall, values);
      Row first = rows.get(0);
      switch (first.outcome()) {
        case STALE -> {
          sink.tenantChanged(write.counters().isEmpty() ? tenant : write.counters().get(first.index()).tenant());
          return new CommitOutcome.Stale();
        }
        case NO_COUNTER -> {
          TenantId stale = ensure(meter, write);
          if (stale != null) {
            sink.tenantChanged(stale);
            return new CommitOutcome.Stale();
          }
        }
        case NOT_FOUND -> {
          return new CommitOutcome.NotFound();
        }
        case RELEASED -> {
          return new CommitOutcome.Released();
        }
        case WRONG_METER -> {
          return new CommitOutcome.WrongMeter(Meter.of(first.text()));
        }
        case OTHER_KEY -> {
          return new CommitOutcome.CommittedUnderOtherKey(UsageKey.of(first.text()));
        }
        default -> {
          // the holds ended may sit in counters the write does not name (a level or a window gone since the reserve)
          sink.tenantChanged(tenant);
          List<Counter> counters = write.counters().isEmpty() ? List.of() : counters(meter, write, rows);
          Counter reported = counters.isEmpty() ? Counter.empty(entry.period()) : counters.get(0);
          return switch (first.outcome()) {
            case WRITTEN -> new CommitOutcome.Committed(reported, Boolean.TRUE.equals(first.expired()));
            case DUPLICATE -> new CommitOutcome.Duplicate(first.recorded(), reported);
            default -> throw new IllegalStateException("unexpected outcome " + first.outcome() + " of a path commit");
          };
        }
      }
    }
    throw new IllegalStateException("tenant '" + tenant + "' on " + meter + ": a path commit did not settle after "
        + MAX_ROUNDS + " rounds");
  }

  /**
   * Creates the write's missing counter rows, each as {@link Counters#ensure} creates a flat one: in a transaction of
   * its own that holds no counter row, under a share lock on its level's tenant row so that it carries the level's
   * current version whatever admin change runs concurrently, short windows marked as such. Two writers creating one
   * row both insert it, the second waits for the first and then finds it there; nothing is locked but tenant rows
   * (shared, in the global order), so creators cannot deadlock each other or the writes that lock counter rows.
   *
   * @return {@code null} when every row exists, else a level whose version is not the expected one (nothing more
   *     created)
   */
  TenantId ensure(Meter meter, PathWrite write) {
    List<PathCounter> ordered = new ArrayList<>(write.counters());
    ordered.sort(PathCounter::compareLockOrder);
    TenantId stale = db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      for (PathCounter c : ordered) {
        dsl.insertInto(TENANT, TENANT.TENANT_ID, TENANT.VERSION).values(c.tenant().value(), 0L)
            .onConflictDoNothing().execute();
        long version = dsl.select(TENANT.VERSION).from(TENANT).where(TENANT.TENANT_ID.eq(c.tenant().value()))
            .forShare().fetchSingle(TENANT.VERSION);
        if (version != c.expectedVersion()) {
          return c.tenant();
        }
        dsl.insertInto(COUNTER, COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END,
                COUNTER.USED, COUNTER.RESERVED, COUNTER.VERSION, COUNTER.TIME_WINDOW)
            .values(c.tenant().value(), meter.name(), micros(c.period().start()), micros(c.period().end()), 0L, 0L,
                version, c.window().isFixed() ? c.window().name() : null)
            .onConflictDoNothing()
            .execute();
      }
      return null;
    });
    if (stale == null) {
      // a short window began (or a level's first write): the moment to drop windows that ended long ago
      for (PathCounter c : write.counters()) {
        if (c.window().isFixed()) {
          compactor.windowStarted(c.period().start());
          break;
        }
      }
    }
    return stale;
  }

  /**
   * Ends the holds of a reservation made on a path, in the caller's transaction, which has locked the reservation's
   * row: its hold rows are locked next, then the counters they count in together with {@code alsoLock} (a counter the
   * caller changes after), in the global order; each counter's {@code reserved} drops by the hold.
   *
   * @param dsl the caller's transaction
   * @param holder the reservation's tenant
   * @param id the reservation
   * @param meter its meter
   * @param alsoLock a counter of the holder the caller writes next, or {@code null}
   * @return the tenants whose counters changed (empty if the reservation holds nowhere)
   */
  static Set<TenantId> endHolds(DSLContext dsl, TenantId holder, ReservationId id, Meter meter, Period alsoLock) {
    var holds = dsl.select(RESERVATION_HOLD.TENANT_ID, RESERVATION_HOLD.PERIOD_START, RESERVATION_HOLD.PERIOD_END,
            RESERVATION_HOLD.AMOUNT)
        .from(RESERVATION_HOLD)
        .where(RESERVATION_HOLD.HOLDER_ID.eq(holder.value()), RESERVATION_HOLD.RESERVATION_ID.eq(id.value()),
            RESERVATION_HOLD.COUNTED.isTrue())
        .orderBy(RESERVATION_HOLD.TENANT_ID, RESERVATION_HOLD.PERIOD_START, RESERVATION_HOLD.PERIOD_END)
        .forUpdate()
        .fetch();
    Set<TenantId> changed = new LinkedHashSet<>();
    if (holds.isEmpty()) {
      return changed;
    }
    var keys = new ArrayList<org.jooq.Row3<String, Instant, Instant>>();
    for (var h : holds) {
      keys.add(row(h.get(RESERVATION_HOLD.TENANT_ID), h.get(RESERVATION_HOLD.PERIOD_START),
          h.get(RESERVATION_HOLD.PERIOD_END)));
    }
    if (alsoLock != null) {
      keys.add(row(holder.value(), micros(alsoLock.start()), micros(alsoLock.end())));
    }
    dsl.select(COUNTER.TENANT_ID).from(COUNTER)
        .where(COUNTER.METER.eq(meter.name()),
            row(COUNTER.TENANT_ID, COUNTER.PERIOD_START, COUNTER.PERIOD_END).in(keys))
        .orderBy(COUNTER.TENANT_ID, COUNTER.PERIOD_START, COUNTER.PERIOD_END)
        .forUpdate()
        .fetch();
    dsl.update(RESERVATION_HOLD).set(RESERVATION_HOLD.COUNTED, false)
        .where(RESERVATION_HOLD.HOLDER_ID.eq(holder.value()), RESERVATION_HOLD.RESERVATION_ID.eq(id.value()),
            RESERVATION_HOLD.COUNTED.isTrue())
        .execute();
    for (var h : holds) {
      TenantId tenant = TenantId.of(h.get(RESERVATION_HOLD.TENANT_ID));
      dsl.update(COUNTER).set(COUNTER.RESERVED, COUNTER.RESERVED.minus(h.get(RESERVATION_HOLD.AMOUNT)))
          .where(Counters.key(tenant, meter, new Period(h.get(RESERVATION_HOLD.PERIOD_START),
              h.get(RESERVATION_HOLD.PERIOD_END))))
          .execute();
      changed.add(tenant);
    }
    return changed;
  }

  /** The path an entry keeps: {@code null} for a path of the writing tenant alone (a flat entry). */
  private static java.sql.Array countedPath(PathWrite write, java.sql.Connection connection)
      throws java.sql.SQLException {
    if (write.path().size() == 1) {
      return null;
    }
    return connection.createArrayOf("varchar", write.path().stream().map(TenantId::value).toArray());
  }

  /** A write's counters as the functions' parallel arrays, in the write's order. */
  private record Arrays(java.sql.Array tenants, java.sql.Array starts, java.sql.Array ends, java.sql.Array ceilings,
      java.sql.Array versions) {
    static Arrays of(PathWrite write, java.sql.Connection connection) throws java.sql.SQLException {
      int n = write.counters().size();
      String[] tenants = new String[n];
      String[] starts = new String[n];
      String[] ends = new String[n];
      Long[] ceilings = new Long[n];
      Long[] versions = new Long[n];
      for (int i = 0; i < n; i++) {
        PathCounter c = write.counters().get(i);
        tenants[i] = c.tenant().value();
        starts[i] = micros(c.period().start()).toString();
        ends[i] = micros(c.period().end()).toString();
        ceilings[i] = c.ceiling();
        versions[i] = c.expectedVersion();
      }
      return new Arrays(connection.createArrayOf("varchar", tenants), connection.createArrayOf("text", starts),
          connection.createArrayOf("text", ends), connection.createArrayOf("int8", ceilings),
          connection.createArrayOf("int8", versions));
    }
  }

  private List<Row> rows(PreparedQuery call, PreparedQuery.Values values) {
    List<Row> rows = new ArrayList<>();
    boolean commit = call == commitCall;
    for (Record r : call.fetch(db, values)) {
      rows.add(new Row(r.get(O_INDEX), r.get(O_OUTCOME), r.get(O_RECORDED), r.get(O_USED), r.get(O_RESERVED),
          r.get(O_NEXT_EXPIRY), commit ? r.get(O_EXPIRED) : null, commit ? r.get(O_TEXT) : null));
    }
    rows.sort(Comparator.comparingInt(Row::index));
    return rows;
  }

  private static String attributes(LedgerEntry entry) {
    return entry.attributes().isEmpty() ? null : Json.write(entry.attributes());
  }
}

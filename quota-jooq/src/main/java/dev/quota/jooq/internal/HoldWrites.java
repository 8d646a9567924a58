package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.PreparedQuery.parameter;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.table;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.spi.CommitOutcome;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.StoredReservation;
import dev.quota.spi.WriteOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.jooq.Field;
import org.jooq.Param;
import org.jooq.Record;
import org.jooq.impl.SQLDataType;

/**
 * {@code reserve} and the common {@code commit} as calls of the schema's functions {@code quota_reserve} and
 * {@code quota_commit} (migration V6), rendered once (see {@link PreparedQuery}) and run in auto-commit: one
 * statement, one round trip and one durable commit for a batch of requests on one counter, decided in arrival order
 * under the counter row's lock, a lone request being a batch of one. The functions lock the holds' rows, then the
 * counter's, the order of every path that ends holds. What they decide per request comes back as a
 * {@link BatchOutcome}; a commit they leave to a transaction ({@link BatchOutcome#DECIDE_IN_TRANSACTION}) is decided
 * alone by {@link UsageWrites#commitInTransaction}.
 *
 * <p>Every batch reports the counter as its last request left it, read and written under the row's lock, to the
 * {@link ChangeSink}, a batch of refusals too: so the cache never shows room that this instance's own write was just
 * refused for lack of.
 */
public final class HoldWrites {
  // what quota_reserve and quota_commit return
  private static final Field<Integer> O_INDEX = field(name("o_index"), SQLDataType.INTEGER);
  private static final Field<Short> O_OUTCOME = field(name("o_outcome"), SQLDataType.SMALLINT);
  private static final Field<Long> O_USED = field(name("o_used"), SQLDataType.BIGINT);
  private static final Field<Long> O_RESERVED = field(name("o_reserved"), SQLDataType.BIGINT);
  private static final Field<Instant> O_NEXT_EXPIRY = field(name("o_next_expiry"), SQLDataType.INSTANT);
  private static final Field<Boolean> O_HOLD_EXPIRED = field(name("o_hold_expired"), SQLDataType.BOOLEAN);

  private final Db db;
  private final Counters counters;
  private final UsageWrites usage;
  private final ChangeSink sink;
  private final PreparedQuery reserveCall;
  private final PreparedQuery commitCall;

  /**
   * Renders the calls.
   *
   * @param db the statements' runner
   * @param schema the schema holding the functions
   * @param counters the counter rows, for creating missing ones
   * @param usage sweeps expired holds, and decides the commits left to a transaction
   * @param sink hears about committed changes and counters read
   */
  public HoldWrites(Db db, String schema, Counters counters, UsageWrites usage, ChangeSink sink) {
    this.db = db;
    this.counters = counters;
    this.usage = usage;
    this.sink = sink;
    Param<String> tenant = parameter(SQLDataType.VARCHAR);
    Param<String> meter = parameter(SQLDataType.VARCHAR);
    Param<Instant> periodStart = parameter(SQLDataType.INSTANT);
    Param<Instant> periodEnd = parameter(SQLDataType.INSTANT);
    Param<Long> version = parameter(SQLDataType.BIGINT);
    Param<Instant> now = parameter(SQLDataType.INSTANT);
    Param<UUID[]> ids = parameter(SQLDataType.UUID.array());
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
        case SWEEP -> usage.sweep(key.tenant(), key.meter(), at);
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

  private <T> List<T> allStale(TenantId tenant, int n, Supplier<T> stale) {
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

  /**
   * Ends open holds of one counter by recording their usage, in one statement ({@code quota_commit}): each hold leaves
   * its counter's reserved, its entry goes to the ledger and the counter. A request the function leaves to a
   * transaction (the hold not open, of another meter or period, the key recorded already) is then decided alone with
   * the statements of {@link UsageWrites#commitInTransaction}. The {@link Batcher}'s work, and a lone commit's as a batch of one.
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
            outcomes[i] = usage.commitInTransaction(key.tenant(), r.id(), r.entry(), key.version(), r.now());
          }
          return Arrays.asList(outcomes);
        }
      }
    }
    throw new IllegalStateException("tenant '" + key.tenant() + "' on " + key.meter() + ": a commit did not settle "
        + "after " + WriteRounds.MAX_ROUNDS + " rounds");
  }

  private static String attributesText(LedgerEntry entry) {
    return entry.attributes().isEmpty() ? null : Json.write(entry.attributes());
  }
}

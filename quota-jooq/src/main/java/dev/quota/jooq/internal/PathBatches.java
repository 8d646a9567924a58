package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.PreparedQuery.parameter;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.table;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.spi.Counter;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.PathCounter;
import dev.quota.spi.PathOutcome;
import dev.quota.spi.PathWrite;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Field;
import org.jooq.Param;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * {@code consumePath}s of one root and meter combined into one call of {@code quota_path_consume_batch} (migration
 * V14): the {@link Batcher}'s work for path writes, as {@link BatchWrites#consumeBatch} is for flat ones. Members of
 * one organisation share its counters, so their concurrent writes queue for the same rows; one call locks the union of
 * their counters once, in the global order, decides the requests in arrival order, and commits them with one durable
 * flush. Every request gets the outcome it would have had alone, in that order.
 */
public final class PathBatches {
  /** Rounds of counter creation and sweeping one batch may go through. */
  private static final int MAX_ROUNDS = 16;

  private static final int WRITTEN = 0;
  private static final int DUPLICATE = 1;
  private static final int STALE = 2;
  private static final int NO_COUNTER = 3;
  private static final int INSUFFICIENT = 4;
  private static final int SWEEP = 5;

  private static final Field<Integer> O_REQUEST = field(name("o_request"), SQLDataType.INTEGER);
  private static final Field<Integer> O_INDEX = field(name("o_index"), SQLDataType.INTEGER);
  private static final Field<Short> O_OUTCOME = field(name("o_outcome"), SQLDataType.SMALLINT);
  private static final Field<Long> O_RECORDED = field(name("o_recorded"), SQLDataType.BIGINT);
  private static final Field<Long> O_USED = field(name("o_used"), SQLDataType.BIGINT);
  private static final Field<Long> O_RESERVED = field(name("o_reserved"), SQLDataType.BIGINT);
  private static final Field<Instant> O_NEXT_EXPIRY = field(name("o_next_expiry"), SQLDataType.INSTANT);

  /**
   * The requests that may share a call: paths of one root, on one meter.
   *
   * @param root the last tenant of the paths
   * @param meter the meter
   */
  public record RootKey(TenantId root, Meter meter) {
    /**
     * @param write a path write
     * @param meter its meter
     * @return the key it is combined under
     */
    public static RootKey of(PathWrite write, Meter meter) {
      return new RootKey(write.path().get(write.path().size() - 1), meter);
    }
  }

  /**
   * One {@code consumePath}.
   *
   * @param entry the usage
   * @param write the path and its counters
   * @param conditional whether a counter that cannot take it refuses it
   */
  public record Request(LedgerEntry entry, PathWrite write, boolean conditional) {}

  private record Row(int request, int index, int outcome, Long recorded, Long used, Long reserved,
      Instant nextExpiry) {}

  private final Db db;
  private final PathWrites paths;
  private final UsageWrites sweeper;
  private final ChangeSink sink;
  private final PreparedQuery call;

  /**
   * Renders the call.
   *
   * @param db the statements' runner
   * @param schema the schema holding the function
   * @param paths creates missing counter rows of a path write
   * @param sweeper sweeps expired holds when the function asks for it
   * @param sink hears about counters seen and stale tenants
   */
  public PathBatches(Db db, String schema, PathWrites paths, UsageWrites sweeper, ChangeSink sink) {
    this.db = db;
    this.paths = paths;
    this.sweeper = sweeper;
    this.sink = sink;
    Param<String> meter = parameter(SQLDataType.VARCHAR);
    Param<Instant> now = parameter(SQLDataType.INSTANT);
    Param<String[]> tenants = parameter(SQLDataType.VARCHAR.array());
    Param<String[]> pathsJson = parameter(SQLDataType.CLOB.array());
    Param<String[]> keys = parameter(SQLDataType.VARCHAR.array());
    Param<Long[]> amounts = parameter(SQLDataType.BIGINT.array());
    Param<Boolean[]> conditional = parameter(SQLDataType.BOOLEAN.array());
    Param<String[]> occurredAt = parameter(SQLDataType.CLOB.array());
    Param<String[]> periodStarts = parameter(SQLDataType.CLOB.array());
    Param<String[]> periodEnds = parameter(SQLDataType.CLOB.array());
    Param<String[]> attributes = parameter(SQLDataType.CLOB.array());
    Param<Integer[]> first = parameter(SQLDataType.INTEGER.array());
    Param<Integer[]> count = parameter(SQLDataType.INTEGER.array());
    Param<String[]> counterTenants = parameter(SQLDataType.VARCHAR.array());
    Param<String[]> starts = parameter(SQLDataType.CLOB.array());
    Param<String[]> ends = parameter(SQLDataType.CLOB.array());
    Param<Long[]> ceilings = parameter(SQLDataType.BIGINT.array());
    Param<Long[]> versions = parameter(SQLDataType.BIGINT.array());
    Field<?>[] arguments = {meter, now, tenants, pathsJson, keys, amounts, conditional, occurredAt, periodStarts,
        periodEnds, attributes, first, count, counterTenants, starts, ends, ceilings, versions};
    this.call = PreparedQuery.of(db.dsl(), select(O_REQUEST, O_INDEX, O_OUTCOME, O_RECORDED, O_USED, O_RESERVED,
            O_NEXT_EXPIRY).from(table("{0}", DSL.function(name(schema, "quota_path_consume_batch"), Object.class,
            arguments))),
        meter, now, tenants, pathsJson, keys, amounts, conditional, occurredAt, periodStarts, periodEnds, attributes,
        first, count, counterTenants, starts, ends, ceilings, versions);
  }

  /**
   * Runs path consumes of one root and meter as one call; the {@link Batcher}'s work.
   *
   * @param key the root and meter they share
   * @param requests the requests, in arrival order
   * @return one {@link PathOutcome} or {@link RuntimeException} per request
   */
  public List<Object> consumeBatch(RootKey key, List<Request> requests) {
    return BatchWrites.batchOrAlone(requests, batch -> rounds(key.meter(), batch));
  }

  private List<PathOutcome> rounds(Meter meter, List<Request> requests) {
    PathOutcome[] outcomes = new PathOutcome[requests.size()];
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      pending.add(i);
    }
    for (int round = 0; round < MAX_ROUNDS && !pending.isEmpty(); round++) {
      List<Integer> batch = pending;
      List<Row> rows = call(meter, requests, batch);
      Row first = rows.get(0);
      if (first.outcome() == NO_COUNTER) {
        int r = batch.get(first.request());
        TenantId stale = paths.ensure(meter, requests.get(r).write());
        if (stale != null) {
          sink.tenantChanged(stale);
          outcomes[r] = new PathOutcome.Stale();
          pending = new ArrayList<>(batch);
          pending.remove(Integer.valueOf(r));
        }
        continue;
      }
      if (first.outcome() == SWEEP) {
        Request r = requests.get(batch.get(first.request()));
        sweeper.sweep(r.write().counters().get(first.index()).tenant(), meter, at(requests, batch));
        continue;
      }
      decide(meter, requests, batch, rows, outcomes);
      pending = List.of();
    }
    if (!pending.isEmpty()) {
      throw new IllegalStateException("a path batch on " + meter + " did not settle after " + MAX_ROUNDS + " rounds");
    }
    return List.of(outcomes);
  }

  private void decide(Meter meter, List<Request> requests, List<Integer> batch, List<Row> rows,
      PathOutcome[] outcomes) {
    List<List<Row>> byRequest = new ArrayList<>(batch.size());
    for (int k = 0; k < batch.size(); k++) {
      byRequest.add(new ArrayList<>());
    }
    for (Row row : rows) {
      byRequest.get(row.request()).add(row);
    }
    for (int k = 0; k < batch.size(); k++) {
      Request request = requests.get(batch.get(k));
      List<Row> own = byRequest.get(k);
      own.sort((a, b) -> Integer.compare(a.index(), b.index()));
      Row first = own.get(0);
      if (first.outcome() == STALE) {
        sink.tenantChanged(request.write().counters().get(first.index()).tenant());
        outcomes[batch.get(k)] = new PathOutcome.Stale();
        continue;
      }
      List<Counter> counters = new ArrayList<>(own.size());
      for (Row row : own) {
        PathCounter c = request.write().counters().get(row.index());
        StoredCounter stored = new StoredCounter(c.period(), row.used(), row.reserved(), row.nextExpiry());
        counters.add(stored.counter());
        if (k == batch.size() - 1 || first.outcome() == WRITTEN) {
          sink.counterObserved(c.tenant(), meter, c.expectedVersion(), stored);
        }
      }
      outcomes[batch.get(k)] = switch (first.outcome()) {
        case WRITTEN -> new PathOutcome.Written(counters);
        case DUPLICATE -> new PathOutcome.Duplicate(first.recorded(), counters);
        case INSUFFICIENT -> new PathOutcome.Insufficient(Math.toIntExact(first.recorded()), counters);
        default -> throw new IllegalStateException("unexpected outcome " + first.outcome() + " of a path batch");
      };
    }
  }

  /** The batch runs at the latest of its requests' instants, as a flat batch does. */
  private static Instant at(List<Request> requests, List<Integer> batch) {
    Instant at = Instant.MIN;
    for (int r : batch) {
      Instant t = micros(requests.get(r).entry().occurredAt());
      at = t.isAfter(at) ? t : at;
    }
    return at;
  }

  private List<Row> call(Meter meter, List<Request> requests, List<Integer> batch) {
    int n = batch.size();
    String[] tenants = new String[n];
    String[] pathsJson = new String[n];
    String[] keys = new String[n];
    Long[] amounts = new Long[n];
    Boolean[] conditional = new Boolean[n];
    String[] occurredAt = new String[n];
    String[] periodStarts = new String[n];
    String[] periodEnds = new String[n];
    String[] attributes = new String[n];
    Integer[] first = new Integer[n];
    Integer[] count = new Integer[n];
    List<PathCounter> counters = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      Request r = requests.get(batch.get(k));
      LedgerEntry e = r.entry();
      tenants[k] = e.tenant().value();
      pathsJson[k] = r.write().path().size() == 1 ? null
          : Json.writeArray(r.write().path().stream().map(TenantId::value).toList());
      keys[k] = e.key().value();
      amounts[k] = e.amount();
      conditional[k] = r.conditional();
      occurredAt[k] = micros(e.occurredAt()).toString();
      periodStarts[k] = micros(e.period().start()).toString();
      periodEnds[k] = micros(e.period().end()).toString();
      attributes[k] = e.attributes().isEmpty() ? null : Json.write(e.attributes());
      first[k] = counters.size() + 1;
      count[k] = r.write().counters().size();
      counters.addAll(r.write().counters());
    }
    int m = counters.size();
    String[] counterTenants = new String[m];
    String[] starts = new String[m];
    String[] ends = new String[m];
    Long[] ceilings = new Long[m];
    Long[] versions = new Long[m];
    for (int i = 0; i < m; i++) {
      PathCounter c = counters.get(i);
      counterTenants[i] = c.tenant().value();
      starts[i] = micros(c.period().start()).toString();
      ends[i] = micros(c.period().end()).toString();
      ceilings[i] = c.ceiling();
      versions[i] = c.expectedVersion();
    }
    Instant at = at(requests, batch);
    List<Row> rows = new ArrayList<>();
    for (Record r : call.fetch(db, connection -> new Object[] {meter.name(), at,
        connection.createArrayOf("varchar", tenants), connection.createArrayOf("text", pathsJson),
        connection.createArrayOf("varchar", keys), connection.createArrayOf("int8", amounts),
        connection.createArrayOf("bool", conditional), connection.createArrayOf("text", occurredAt),
        connection.createArrayOf("text", periodStarts), connection.createArrayOf("text", periodEnds),
        connection.createArrayOf("text", attributes), connection.createArrayOf("int4", first),
        connection.createArrayOf("int4", count), connection.createArrayOf("varchar", counterTenants),
        connection.createArrayOf("text", starts), connection.createArrayOf("text", ends),
        connection.createArrayOf("int8", ceilings), connection.createArrayOf("int8", versions)})) {
      rows.add(new Row(r.get(O_REQUEST), r.get(O_INDEX), r.get(O_OUTCOME), r.get(O_RECORDED), r.get(O_USED),
          r.get(O_RESERVED), r.get(O_NEXT_EXPIRY)));
    }
    return rows;
  }
}

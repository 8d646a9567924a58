package dev.quota.jooq.internal;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.table;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.spi.Counter;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.spi.WriteOutcome;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Function;
import java.util.Map;
import java.util.Set;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.SQLDataType;

/**
 * The batched usage writes: {@code consume}s of one counter combined into one call of {@code quota_consume_batch},
 * and {@code append}s of any tenants grouped into one call of {@code quota_append_batch} (migration V2), each call
 * one statement, one transaction, one round trip.
 *
 * <p>Every request gets the outcome it would have had alone, in arrival order: the functions decide request after
 * request under the counter rows' locks. A batch is atomic; when it fails for a reason other than the database's
 * unavailability (say one request's amount overflows the counter), its requests are run again one by one, so that
 * each caller gets its own outcome or failure. When the database is unavailable, every caller of the batch gets
 * that failure, and nothing of the batch is written.
 */
public final class BatchWrites {
  /** Rounds of counter creation and sweeping one batch may go through. */
  private static final int MAX_ROUNDS = 16;

  // outcome codes of the functions
  static final int WRITTEN = 0;
  static final int DUPLICATE = 1;
  static final int STALE = 2;
  static final int NO_COUNTER = 3;
  static final int INSUFFICIENT = 4;
  static final int SWEEP = 5;

  /**
   * The requests that may share a consume batch: one counter row, checked against one version.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param period the counter's period
   * @param version the expected entitlement version
   */
  public record ConsumeKey(TenantId tenant, Meter meter, Period period, long version) {}

  /**
   * One conditional consumption.
   *
   * @param entry the usage
   * @param ceiling the most {@code used + reserved} may reach with it
   */
  public record ConsumeRequest(LedgerEntry entry, long ceiling) {}

  /**
   * One unconditional append.
   *
   * @param entry the usage
   * @param version the expected entitlement version of its tenant
   */
  public record AppendRequest(LedgerEntry entry, long version) {}

  private record CounterKey(TenantId tenant, Meter meter, Period period, long version) {}

  private record Row(int index, int outcome, Long recorded, long used, long reserved, Instant nextExpiry) {}

  private final Db db;
  private final SqlStore sql;
  private final ChangeSink sink;
  private final RenderedQuery consumeCall;
  private final RenderedQuery appendCall;

  /**
   * Renders the two calls.
   *
   * @param db the statements' runner
   * @param schema the schema holding the functions
   * @param sql the single-request paths, for creating counters and sweeping expired holds
   * @param sink hears about committed changes
   */
  public BatchWrites(Db db, String schema, SqlStore sql, ChangeSink sink) {
    this.db = db;
    this.sql = sql;
    this.sink = sink;
    DSLContext dsl = db.dsl();
    this.consumeCall = RenderedQuery.render(dsl, select(resultFields()).from(table("{0}",
        function(name(schema, "quota_consume_batch"), Object.class,
            RenderedQuery.param(0, String.class), RenderedQuery.param(1, String.class),
            RenderedQuery.param(2, SQLDataType.INSTANT), RenderedQuery.param(3, SQLDataType.INSTANT),
            RenderedQuery.param(4, Long.class), RenderedQuery.param(5, SQLDataType.INSTANT),
            RenderedQuery.param(6, SQLDataType.VARCHAR.array()), RenderedQuery.param(7, SQLDataType.BIGINT.array()),
            RenderedQuery.param(8, SQLDataType.BIGINT.array()), RenderedQuery.param(9, SQLDataType.CLOB.array()),
            RenderedQuery.param(10, SQLDataType.CLOB.array())))), 11);
    this.appendCall = RenderedQuery.render(dsl, select(resultFields()).from(table("{0}",
        function(name(schema, "quota_append_batch"), Object.class,
            RenderedQuery.param(0, SQLDataType.VARCHAR.array()), RenderedQuery.param(1, SQLDataType.VARCHAR.array()),
            RenderedQuery.param(2, SQLDataType.VARCHAR.array()), RenderedQuery.param(3, SQLDataType.BIGINT.array()),
            RenderedQuery.param(4, SQLDataType.CLOB.array()), RenderedQuery.param(5, SQLDataType.CLOB.array()),
            RenderedQuery.param(6, SQLDataType.CLOB.array()), RenderedQuery.param(7, SQLDataType.CLOB.array()),
            RenderedQuery.param(8, SQLDataType.BIGINT.array()), RenderedQuery.param(9, SQLDataType.INSTANT)))), 10);
  }

  private static List<Field<?>> resultFields() {
    return List.of(field(name("o_index"), Integer.class), field(name("o_outcome"), Short.class),
        field(name("o_recorded"), Long.class), field(name("o_used"), Long.class), field(name("o_reserved"), Long.class),
        field(name("o_next_expiry"), SQLDataType.INSTANT));
  }

  // --- consume ----------------------------------------------------------------------------------------------

  /**
   * Runs consumptions of one counter as one batch; the {@link Batcher}'s work.
   *
   * @param key the counter and version they share
   * @param requests the requests, in arrival order
   * @return one {@link WriteOutcome} or {@link RuntimeException} per request
   */
  public List<Object> consumeBatch(ConsumeKey key, List<ConsumeRequest> requests) {
    return batchOrAlone(requests, batch -> consumeRounds(key, batch));
  }

  /**
   * Runs a batch; if it fails for another reason than the database's unavailability, runs its requests again one
   * by one through the same statement, so that each caller gets its own outcome or failure.
   */
  private static <R> List<Object> batchOrAlone(List<R> requests, Function<List<R>, List<WriteOutcome>> rounds) {
    try {
      return List.copyOf(rounds.apply(requests));
    } catch (StoreUnavailableException e) {
      throw e;
    } catch (RuntimeException e) {
      if (requests.size() == 1) {
        throw e;
      }
      List<Object> results = new ArrayList<>(requests.size());
      for (R request : requests) {
        try {
          results.add(rounds.apply(List.of(request)).get(0));
        } catch (RuntimeException failure) {
          results.add(failure);
        }
      }
      return results;
    }
  }

  private List<WriteOutcome> consumeRounds(ConsumeKey key, List<ConsumeRequest> requests) {
    int n = requests.size();
    String[] keys = new String[n];
    Long[] amounts = new Long[n];
    Long[] ceilings = new Long[n];
    String[] occurredAt = new String[n];
    String[] attributes = new String[n];
    Instant now = Instant.MIN;
    for (int i = 0; i < n; i++) {
      LedgerEntry e = requests.get(i).entry();
      keys[i] = e.key().value();
      amounts[i] = e.amount();
      ceilings[i] = requests.get(i).ceiling();
      Instant at = SqlStore.micros(e.occurredAt());
      occurredAt[i] = at.toString();
      attributes[i] = attributes(e);
      now = at.isAfter(now) ? at : now; // the batch runs at the latest of its requests' instants
    }
    Instant at = now;
    Period period = new Period(SqlStore.micros(key.period().start()), SqlStore.micros(key.period().end()));
    for (int round = 0; round < MAX_ROUNDS; round++) {
      List<Row> rows = db.statement(connection -> rows(connection, consumeCall, key.tenant().value(),
          key.meter().name(), period.start(), period.end(), key.version(), at,
          connection.createArrayOf("varchar", keys), connection.createArrayOf("int8", amounts),
          connection.createArrayOf("int8", ceilings), connection.createArrayOf("text", occurredAt),
          connection.createArrayOf("text", attributes)));
      int status = rows.size() == 1 && rows.get(0).outcome() >= STALE && rows.get(0).outcome() != INSUFFICIENT
          ? rows.get(0).outcome() : -1;
      if (status == NO_COUNTER) {
        if (!sql.ensureCounter(key.tenant(), key.meter(), key.period(), key.version())) {
          return allStale(key.tenant(), n);
        }
        continue;
      }
      if (status == STALE) {
        return allStale(key.tenant(), n);
      }
      if (status == SWEEP) {
        sql.sweep(key.tenant(), key.meter(), at);
        continue;
      }
      WriteOutcome[] outcomes = new WriteOutcome[n];
      StoredCounter last = null;
      for (Row row : rows) {
        StoredCounter counter = new StoredCounter(key.period(), row.used(), row.reserved(), row.nextExpiry());
        outcomes[row.index()] = switch (row.outcome()) {
          case WRITTEN -> {
            last = counter;
            yield new WriteOutcome.Written(counter.counter());
          }
          case DUPLICATE -> new WriteOutcome.Duplicate(row.recorded(), counter.counter());
          case INSUFFICIENT -> new WriteOutcome.Insufficient(counter.counter());
          default -> throw new IllegalStateException("unexpected outcome " + row.outcome() + " of a consume batch");
        };
      }
      if (last != null) {
        sink.counterWritten(key.tenant(), key.meter(), key.version(), last);
      }
      return Arrays.asList(outcomes);
    }
    throw new IllegalStateException("tenant '" + key.tenant() + "' on " + key.meter() + ": a batch did not settle after "
        + MAX_ROUNDS + " rounds");
  }

  private List<WriteOutcome> allStale(TenantId tenant, int n) {
    sink.tenantChanged(tenant);
    List<WriteOutcome> stale = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      stale.add(new WriteOutcome.Stale());
    }
    return stale;
  }

  // --- append -----------------------------------------------------------------------------------------------

  /**
   * Runs appends of any tenants as one batch; the {@link Batcher}'s work.
   *
   * @param key unused: appends of every tenant share one lane
   * @param requests the requests, in arrival order
   * @return one {@link WriteOutcome} or {@link RuntimeException} per request
   */
  public List<Object> appendBatch(Object key, List<AppendRequest> requests) {
    return batchOrAlone(requests, this::appendRounds);
  }

  /**
   * Appends several entries in one transaction, each as a lone append would: the store's {@code appendAll}.
   *
   * @param entries the usage
   * @param version the expected version of every entry's tenant
   * @return one outcome per entry, in order
   */
  public List<WriteOutcome> appendAll(List<LedgerEntry> entries, long version) {
    List<AppendRequest> requests = new ArrayList<>(entries.size());
    for (LedgerEntry e : entries) {
      requests.add(new AppendRequest(e, version));
    }
    return appendRounds(requests);
  }

  private List<WriteOutcome> appendRounds(List<AppendRequest> requests) {
    WriteOutcome[] outcomes = new WriteOutcome[requests.size()];
    List<Integer> pending = new ArrayList<>(requests.size());
    for (int i = 0; i < requests.size(); i++) {
      pending.add(i);
    }
    Map<CounterKey, StoredCounter> written = new LinkedHashMap<>();
    Set<TenantId> stale = new LinkedHashSet<>();
    for (int round = 0; round < MAX_ROUNDS && !pending.isEmpty(); round++) {
      List<Integer> batch = pending;
      List<Row> rows = appendCall(requests, batch);
      Map<CounterKey, List<Integer>> missing = new LinkedHashMap<>();
      for (Row row : rows) {
        int i = batch.get(row.index());
        LedgerEntry e = requests.get(i).entry();
        CounterKey counterKey = new CounterKey(e.tenant(), e.meter(), e.period(), requests.get(i).version());
        StoredCounter counter = new StoredCounter(e.period(), row.used(), row.reserved(), row.nextExpiry());
        switch (row.outcome()) {
          case WRITTEN -> {
            outcomes[i] = new WriteOutcome.Written(counter.counter());
            written.merge(counterKey, counter, (a, b) -> b.used() >= a.used() ? b : a);
          }
          case DUPLICATE -> outcomes[i] = new WriteOutcome.Duplicate(row.recorded(), counter.counter());
          case STALE -> {
            outcomes[i] = new WriteOutcome.Stale();
            stale.add(e.tenant());
          }
          case NO_COUNTER -> missing.computeIfAbsent(counterKey, k -> new ArrayList<>()).add(i);
          default -> throw new IllegalStateException("unexpected outcome " + row.outcome() + " of an append batch");
        }
      }
      pending = new ArrayList<>();
      for (Map.Entry<CounterKey, List<Integer>> m : missing.entrySet()) {
        CounterKey k = m.getKey();
        if (sql.ensureCounter(k.tenant(), k.meter(), k.period(), k.version())) {
          pending.addAll(m.getValue());
        } else {
          for (int i : m.getValue()) {
            outcomes[i] = new WriteOutcome.Stale();
          }
          stale.add(k.tenant());
        }
      }
      pending.sort(null);
    }
    if (!pending.isEmpty()) {
      throw new IllegalStateException("an append batch did not settle after " + MAX_ROUNDS + " rounds");
    }
    written.forEach((k, counter) -> sink.counterWritten(k.tenant(), k.meter(), k.version(), counter));
    stale.forEach(sink::tenantChanged);
    return Arrays.asList(outcomes);
  }

  private List<Row> appendCall(List<AppendRequest> requests, List<Integer> batch) {
    int n = batch.size();
    String[] tenants = new String[n];
    String[] meters = new String[n];
    String[] keys = new String[n];
    Long[] amounts = new Long[n];
    String[] occurredAt = new String[n];
    String[] starts = new String[n];
    String[] ends = new String[n];
    String[] attributes = new String[n];
    Long[] versions = new Long[n];
    Instant now = Instant.MIN;
    for (int k = 0; k < n; k++) {
      AppendRequest r = requests.get(batch.get(k));
      LedgerEntry e = r.entry();
      tenants[k] = e.tenant().value();
      meters[k] = e.meter().name();
      keys[k] = e.key().value();
      amounts[k] = e.amount();
      Instant at = SqlStore.micros(e.occurredAt());
      occurredAt[k] = at.toString();
      starts[k] = SqlStore.micros(e.period().start()).toString();
      ends[k] = SqlStore.micros(e.period().end()).toString();
      attributes[k] = attributes(e);
      versions[k] = r.version();
      now = at.isAfter(now) ? at : now;
    }
    Instant at = now;
    return db.statement(connection -> rows(connection, appendCall, connection.createArrayOf("varchar", tenants),
        connection.createArrayOf("varchar", meters), connection.createArrayOf("varchar", keys),
        connection.createArrayOf("int8", amounts), connection.createArrayOf("text", occurredAt),
        connection.createArrayOf("text", starts), connection.createArrayOf("text", ends),
        connection.createArrayOf("text", attributes), connection.createArrayOf("int8", versions), at));
  }

  // --- helpers ----------------------------------------------------------------------------------------------

  private static List<Row> rows(Connection connection, RenderedQuery query, Object... values) throws SQLException {
    try (PreparedStatement statement = query.bind(connection, values); ResultSet rs = statement.executeQuery()) {
      List<Row> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(new Row(rs.getInt(1), rs.getShort(2), StateQuery.nullableLong(rs, 3), rs.getLong(4), rs.getLong(5),
            StateQuery.instant(rs, 6)));
      }
      return rows;
    }
  }

  private static String attributes(LedgerEntry entry) {
    return entry.attributes().isEmpty() ? null : Json.write(entry.attributes());
  }
}

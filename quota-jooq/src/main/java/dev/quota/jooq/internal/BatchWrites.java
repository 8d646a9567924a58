package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.PreparedQuery.parameter;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.table;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.WriteOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jooq.Field;
import org.jooq.Param;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The batched usage writes: {@code consume}s of one counter combined into one call of {@code quota_consume_batch},
 * and {@code append}s of any tenants grouped into one call of {@code quota_append_batch} (migration V3), each call
 * one statement, one transaction, one round trip. Both calls are rendered once (see {@link PreparedQuery}); what they
 * decide per request comes back as a {@link BatchOutcome}.
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

  // the functions' result columns
  private static final Field<Integer> O_INDEX = field(name("o_index"), SQLDataType.INTEGER);
  private static final Field<Short> O_OUTCOME = field(name("o_outcome"), SQLDataType.SMALLINT);
  private static final Field<Long> O_RECORDED = field(name("o_recorded"), SQLDataType.BIGINT);
  private static final Field<Long> O_USED = field(name("o_used"), SQLDataType.BIGINT);
  private static final Field<Long> O_RESERVED = field(name("o_reserved"), SQLDataType.BIGINT);
  private static final Field<Instant> O_NEXT_EXPIRY = field(name("o_next_expiry"), SQLDataType.INSTANT);

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

  /** One request's decision; the counter as it stood after it, when the outcome carries one. */
  private record Row(int index, BatchOutcome outcome, Long recorded, Long used, Long reserved, Instant nextExpiry) {
    StoredCounter counter(Period period) {
      return new StoredCounter(period, used, reserved, nextExpiry);
    }
  }

  private final Db db;
  private final Counters counters;
  private final UsageWrites sweeper;
  private final ChangeSink sink;
  private final PreparedQuery consumeCall;
  private final PreparedQuery appendCall;

  /**
   * Renders the two calls.
   *
   * @param db the statements' runner
   * @param schema the schema holding the functions
   * @param counters the counter rows, for creating missing ones
   * @param sweeper sweeps expired holds when a function asks for it
   * @param sink hears about committed changes and counters read
   */
  public BatchWrites(Db db, String schema, Counters counters, UsageWrites sweeper, ChangeSink sink) {
    this.db = db;
    this.counters = counters;
    this.sweeper = sweeper;
    this.sink = sink;
    Param<String> tenant = parameter(SQLDataType.VARCHAR);
    Param<String> meter = parameter(SQLDataType.VARCHAR);
    Param<Instant> periodStart = parameter(SQLDataType.INSTANT);
    Param<Instant> periodEnd = parameter(SQLDataType.INSTANT);
    Param<Long> version = parameter(SQLDataType.BIGINT);
    Param<Instant> now = parameter(SQLDataType.INSTANT);
    Param<String[]> keys = parameter(SQLDataType.VARCHAR.array());
    Param<Long[]> amounts = parameter(SQLDataType.BIGINT.array());
    Param<Long[]> ceilings = parameter(SQLDataType.BIGINT.array());
    Param<String[]> occurredAt = parameter(SQLDataType.CLOB.array());
    Param<String[]> attributes = parameter(SQLDataType.CLOB.array());
    this.consumeCall = PreparedQuery.of(db.dsl(), call(schema, "quota_consume_batch", tenant, meter, periodStart,
        periodEnd, version, now, keys, amounts, ceilings, occurredAt, attributes), tenant, meter, periodStart, periodEnd,
        version, now, keys, amounts, ceilings, occurredAt, attributes);
    Param<String[]> tenants = parameter(SQLDataType.VARCHAR.array());
    Param<String[]> meters = parameter(SQLDataType.VARCHAR.array());
    Param<String[]> periodStarts = parameter(SQLDataType.CLOB.array());
    Param<String[]> periodEnds = parameter(SQLDataType.CLOB.array());
    Param<Long[]> versions = parameter(SQLDataType.BIGINT.array());
    this.appendCall = PreparedQuery.of(db.dsl(), call(schema, "quota_append_batch", tenants, meters, keys, amounts,
        occurredAt, periodStarts, periodEnds, attributes, versions, now), tenants, meters, keys, amounts, occurredAt,
        periodStarts, periodEnds, attributes, versions, now);
  }

  private static ResultQuery<?> call(String schema, String function, Field<?>... arguments) {
    return select(O_INDEX, O_OUTCOME, O_RECORDED, O_USED, O_RESERVED, O_NEXT_EXPIRY)
        .from(table("{0}", DSL.function(name(schema, function), Object.class, arguments)));
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
  static <R> List<Object> batchOrAlone(List<R> requests, Function<List<R>, ? extends List<?>> rounds) {
    try {
      return List.copyOf(rounds.apply(requests));
    } catch (RuntimeException e) {
      // Unreachable, the database fails every request alike. Any other failure (also one the store reports as
      // a StoreUnavailableException, such as a missing table) may be one request's alone: each runs by itself.
      if (requests.size() == 1 || Failures.isUnavailability(e)) {
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
      Instant at = micros(e.occurredAt());
      occurredAt[i] = at.toString();
      attributes[i] = attributes(e);
      now = at.isAfter(now) ? at : now; // the batch runs at the latest of its requests' instants
    }
    Instant at = now;
    Period period = new Period(micros(key.period().start()), micros(key.period().end()));
    for (int round = 0; round < MAX_ROUNDS; round++) {
      List<Row> rows = rows(consumeCall, connection -> new Object[] {key.tenant().value(), key.meter().name(),
          period.start(), period.end(), key.version(), at, connection.createArrayOf("varchar", keys),
          connection.createArrayOf("int8", amounts), connection.createArrayOf("int8", ceilings),
          connection.createArrayOf("text", occurredAt), connection.createArrayOf("text", attributes)});
      // STALE, NO_COUNTER and SWEEP are the whole batch's, in one row; the others are each request's
      switch (rows.get(0).outcome()) {
        case STALE -> {
          return allStale(key.tenant(), n);
        }
        case NO_COUNTER -> {
          if (!counters.ensure(key.tenant(), key.meter(), key.period(), key.version())) {
            return allStale(key.tenant(), n);
          }
        }
        case SWEEP -> sweeper.sweep(key.tenant(), key.meter(), at);
        default -> {
          return consumeOutcomes(key, rows, n);
        }
      }
    }
    throw new IllegalStateException("tenant '" + key.tenant() + "' on " + key.meter() + ": a batch did not settle after "
        + MAX_ROUNDS + " rounds");
  }

  private List<WriteOutcome> consumeOutcomes(ConsumeKey key, List<Row> rows, int n) {
    WriteOutcome[] outcomes = new WriteOutcome[n];
    for (Row row : rows) {
      StoredCounter counter = row.counter(key.period());
      outcomes[row.index()] = switch (row.outcome()) {
        case WRITTEN -> new WriteOutcome.Written(counter.counter());
        case DUPLICATE -> new WriteOutcome.Duplicate(row.recorded(), counter.counter());
        case INSUFFICIENT -> new WriteOutcome.Insufficient(counter.counter());
        default -> throw new IllegalStateException("unexpected outcome " + row.outcome() + " of a consume batch");
      };
    }
    // The counter after the last request, read and written under the row's lock: the latest, whatever was decided. A
    // batch of denials reports it too, so that the cache stops showing the room they were denied for lack of.
    sink.counterObserved(key.tenant(), key.meter(), key.version(), rows.get(rows.size() - 1).counter(key.period()));
    return Arrays.asList(outcomes);
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
    Map<CounterKey, StoredCounter> seen = new LinkedHashMap<>();
    Set<TenantId> stale = new LinkedHashSet<>();
    for (int round = 0; round < MAX_ROUNDS && !pending.isEmpty(); round++) {
      List<Integer> batch = pending;
      Map<CounterKey, List<Integer>> missing = new LinkedHashMap<>();
      for (Row row : appendCall(requests, batch)) {
        int i = batch.get(row.index());
        LedgerEntry e = requests.get(i).entry();
        CounterKey counterKey = new CounterKey(e.tenant(), e.meter(), e.period(), requests.get(i).version());
        switch (row.outcome()) {
          case WRITTEN -> outcomes[i] = new WriteOutcome.Written(row.counter(e.period()).counter());
          case DUPLICATE -> outcomes[i] = new WriteOutcome.Duplicate(row.recorded(), row.counter(e.period()).counter());
          case STALE -> {
            outcomes[i] = new WriteOutcome.Stale();
            stale.add(e.tenant());
          }
          case NO_COUNTER -> missing.computeIfAbsent(counterKey, k -> new ArrayList<>()).add(i);
          default -> throw new IllegalStateException("unexpected outcome " + row.outcome() + " of an append batch");
        }
        if (row.used() != null) {
          seen.merge(counterKey, row.counter(e.period()), (a, b) -> b.used() >= a.used() ? b : a);
        }
      }
      pending = new ArrayList<>();
      for (Map.Entry<CounterKey, List<Integer>> m : missing.entrySet()) {
        CounterKey k = m.getKey();
        if (counters.ensure(k.tenant(), k.meter(), k.period(), k.version())) {
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
    seen.forEach((k, counter) -> sink.counterObserved(k.tenant(), k.meter(), k.version(), counter));
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
      Instant at = micros(e.occurredAt());
      occurredAt[k] = at.toString();
      starts[k] = micros(e.period().start()).toString();
      ends[k] = micros(e.period().end()).toString();
      attributes[k] = attributes(e);
      versions[k] = r.version();
      now = at.isAfter(now) ? at : now;
    }
    Instant at = now;
    return rows(appendCall, connection -> new Object[] {connection.createArrayOf("varchar", tenants),
        connection.createArrayOf("varchar", meters), connection.createArrayOf("varchar", keys),
        connection.createArrayOf("int8", amounts), connection.createArrayOf("text", occurredAt),
        connection.createArrayOf("text", starts), connection.createArrayOf("text", ends),
        connection.createArrayOf("text", attributes), connection.createArrayOf("int8", versions), at});
  }

  private List<Row> rows(PreparedQuery call, PreparedQuery.Values values) {
    List<Row> rows = new ArrayList<>();
    for (Record r : call.fetch(db, values)) {
      rows.add(new Row(r.get(O_INDEX), BatchOutcome.of(r.get(O_OUTCOME)), r.get(O_RECORDED), r.get(O_USED),
          r.get(O_RESERVED), r.get(O_NEXT_EXPIRY)));
    }
    return rows;
  }

  private static String attributes(LedgerEntry entry) {
    return entry.attributes().isEmpty() ? null : Json.write(entry.attributes());
  }
}

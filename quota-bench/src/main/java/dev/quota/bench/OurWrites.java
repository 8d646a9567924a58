package dev.quota.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.QuotaGuard;
import dev.quota.RecordResult;
import dev.quota.Reservation;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.jooq.PostgresQuotaStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** quota's durable writes: consumption, reservations and usage records, each committed before it returns. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class OurWrites {
  /** Events per {@code recordAll} call. */
  public static final int BATCH = 10;
  private static final TenantId HOT = TenantId.of("hot");

  /** Whether concurrent consumptions of one tenant are combined (the default). */
  @Param({"true"})
  public boolean combine;
  /** Whether concurrent records are group-committed (the default). */
  @Param({"true"})
  public boolean groupCommit;
  /**
   * Ended reservations in the table before the run: 0 runs on the main schema, any other value on the schema that
   * {@link BenchDatabase#prepare} filled with that many committed holds of the same tenants.
   */
  @Param({"0"})
  public int endedReservations;

  private HikariDataSource pool;
  private PostgresQuotaStore store;
  private QuotaGuard guard;

  @Setup(Level.Trial)
  public void open() throws java.sql.SQLException {
    BenchDatabase.vacuumHotTables();
    pool = BenchDatabase.pool("bench-writes", 16);
    store = PostgresQuotaStore.builder().dataSource(pool)
        .schema(endedReservations == 0 ? BenchDatabase.schema() : BenchDatabase.endedSchema())
        .combineConsumes(combine).groupCommitRecords(groupCommit).build();
    guard = BenchDatabase.quota(store).guard();
  }

  @TearDown(Level.Trial)
  public void close() {
    store.close();
    pool.close();
  }

  /** {@code tryConsume(1)} by every thread on one tenant. */
  @Benchmark
  public ConsumeResult hotTenantConsume(Keys keys) {
    return consumed(guard.tryConsume(HOT, Meter.AI_TOKENS, 1, keys.nextKey()));
  }

  /** {@code tryConsume(1)} on a random one of 100 tenants. */
  @Benchmark
  public ConsumeResult manyTenantsConsume(Keys keys) {
    return consumed(guard.tryConsume(keys.randomTenant(), Meter.AI_TOKENS, 1, keys.nextKey()));
  }

  /** {@code reserve(10)} then {@code commit(5)} on a random one of 100 tenants. */
  @Benchmark
  public RecordResult reserveCommit(Keys keys) {
    ReserveResult hold = guard.reserve(keys.randomTenant(), Meter.AI_TOKENS, 10, Duration.ofMinutes(1));
    if (!hold.granted()) {
      throw new IllegalStateException("reservation refused: " + hold.decision());
    }
    return hold.reservation().commit(5, keys.nextKey());
  }

  /** {@code reserve(10)} then {@code commit(5)} by every thread on one tenant. */
  @Benchmark
  public RecordResult hotReserveCommit(Keys keys) {
    ReserveResult hold = guard.reserve(HOT, Meter.AI_TOKENS, 10, Duration.ofMinutes(1));
    if (!hold.granted()) {
      throw new IllegalStateException("reservation refused: " + hold.decision());
    }
    return hold.reservation().commit(5, keys.nextKey());
  }

  /** {@code reserve(10)} alone on a random one of 100 tenants; the holds end at their TTL. */
  @Benchmark
  public ReserveResult reserveAlone(Keys keys) {
    ReserveResult hold = guard.reserve(keys.randomTenant(), Meter.AI_TOKENS, 10, Duration.ofMinutes(1));
    if (!hold.granted()) {
      throw new IllegalStateException("reservation refused: " + hold.decision());
    }
    return hold;
  }

  /** A hold of a random one of 100 tenants, taken before each {@link #commitAlone} call and not timed. */
  @State(Scope.Thread)
  public static class Held {
    Reservation reservation;

    /**
     * Takes the hold.
     *
     * @param writes the benchmark's guard
     * @param keys the thread's tenants
     */
    @Setup(Level.Invocation)
    public void hold(OurWrites writes, Keys keys) {
      reservation = writes.reserveAlone(keys).reservation();
    }
  }

  /** {@code commit(5)} alone of a hold taken (untimed) just before, on a random one of 100 tenants. */
  @Benchmark
  public RecordResult commitAlone(Held held, Keys keys) {
    return held.reservation.commit(5, keys.nextKey());
  }

  /** {@code record} of one event on a random one of 100 tenants. */
  @Benchmark
  public RecordResult record(Keys keys) {
    return guard.record(UsageEvent.of(keys.randomTenant(), Meter.AI_TOKENS, 1, keys.nextKey()));
  }

  /** {@code recordAll} of ten events of a random one of 100 tenants; the score counts events. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public List<RecordResult> recordAll(Keys keys) {
    TenantId tenant = keys.randomTenant();
    List<UsageEvent> events = new ArrayList<>(BATCH);
    for (int i = 0; i < BATCH; i++) {
      events.add(UsageEvent.of(tenant, Meter.AI_TOKENS, 1, keys.nextKey()));
    }
    return guard.recordAll(events);
  }

  private static ConsumeResult consumed(ConsumeResult result) {
    if (result.outcome() != ConsumeResult.Outcome.CONSUMED) {
      throw new IllegalStateException("not consumed: " + result);
    }
    return result;
  }
}

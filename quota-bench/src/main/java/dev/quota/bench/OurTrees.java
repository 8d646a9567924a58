package dev.quota.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.jooq.PostgresQuotaStore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * quota on an organisation's tree ({@link BenchDatabase#TREE_ROOT}): a member's writes count at the member, its
 * workspace and the organisation, each in the period and the minute ({@link BenchDatabase#TREE_CATALOGUE}), so every
 * write changes 6 counters and every check answers for 6. Compared with the flat benchmarks of {@link OurWrites} and
 * {@link OurChecks}, whose tenant has no parent and one window.
 */
@State(Scope.Benchmark)
public class OurTrees {
  /** Whether concurrent consumptions under one root are combined (the default). */
  @Param({"true"})
  public boolean combine;

  private HikariDataSource pool;
  private PostgresQuotaStore store;
  private QuotaGuard guard;
  private TenantId cachedMember;

  @Setup(Level.Trial)
  public void open() throws java.sql.SQLException {
    BenchDatabase.vacuumHotTables();
    pool = BenchDatabase.pool("bench-trees", 16);
    store = PostgresQuotaStore.builder().dataSource(pool).schema(BenchDatabase.schema()).combineConsumes(combine)
        .build();
    guard = BenchDatabase.treeQuota(store).guard();
    cachedMember = TenantId.of(BenchDatabase.treeMember(0));
    if (!guard.canProceed(cachedMember)) {
      throw new IllegalStateException("the benchmark member must be allowed");
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    store.close();
    pool.close();
  }

  /**
   * {@code tryConsume(1)} on a random one of the organisation's 100 members, by every thread: each consumption counts
   * in 3 levels x 2 windows, and every one of them locks the organisation's counters.
   */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public ConsumeResult treeConsume(Keys keys) {
    ConsumeResult result = guard.tryConsume(keys.randomMember(), Meter.AI_TOKENS, 1, keys.nextKey());
    if (result.outcome() != ConsumeResult.Outcome.CONSUMED) {
      throw new IllegalStateException("not consumed: " + result);
    }
    return result;
  }

  /**
   * {@code canProceed} of one member with the default cache (1 s TTL): the states of its three levels, each with two
   * windows, served from memory.
   */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public boolean cachedCheckPath() {
    return guard.canProceed(cachedMember);
  }
}

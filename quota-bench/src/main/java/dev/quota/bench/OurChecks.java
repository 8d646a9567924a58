package dev.quota.bench;

import com.zaxxer.hikari.HikariDataSource;
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

/** quota's checks: {@code canProceed} served by the cache, and the same check read from the database. */
@State(Scope.Benchmark)
public class OurChecks {
  /** Ledger entries of the uncached check's tenant this month (the check reads its counter, not the ledger). */
  @Param({"1000"})
  public int ledgerRows;

  private HikariDataSource pool;
  private PostgresQuotaStore cachedStore;
  private PostgresQuotaStore strictStore;
  private QuotaGuard cached;
  private QuotaGuard strict;
  private TenantId cachedTenant;
  private TenantId ledgerTenant;

  @Setup(Level.Trial)
  public void open() throws java.sql.SQLException {
    BenchDatabase.vacuumHotTables();
    pool = BenchDatabase.pool("bench-checks", 16);
    cachedStore = PostgresQuotaStore.builder().dataSource(pool).schema(BenchDatabase.schema()).build();
    strictStore = PostgresQuotaStore.builder().dataSource(pool).schema(BenchDatabase.schema()).strict().build();
    cached = BenchDatabase.quota(cachedStore).guard();
    strict = BenchDatabase.quota(strictStore).guard();
    cachedTenant = TenantId.of("cached");
    ledgerTenant = TenantId.of(BenchDatabase.ledgerTenant(ledgerRows));
    if (!cached.canProceed(cachedTenant) || !strict.canProceed(ledgerTenant)) {
      throw new IllegalStateException("the benchmark tenants must be allowed");
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    cachedStore.close();
    strictStore.close();
    pool.close();
  }

  /** {@code canProceed} with the default cache (1 s TTL): served from memory. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public boolean cachedCanProceed() {
    return cached.canProceed(cachedTenant);
  }

  /** {@code canProceed} on a strict store: plan, entitlements, version and counter read in one statement. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public boolean uncachedCheck() {
    return strict.canProceed(ledgerTenant);
  }
}

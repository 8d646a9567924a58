package dev.quota.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.zaxxer.hikari.HikariDataSource;
import dev.quota.TenantId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/** The floors: what a cache hit and a database round trip cost at the least. */
public class Floors {

  /** A size-bounded Caffeine cache holding the key asked for. */
  @State(Scope.Benchmark)
  public static class CaffeineState {
    Cache<TenantId, Object> cache;
    TenantId key;

    @Setup(Level.Trial)
    public void fill() {
      cache = Caffeine.newBuilder().maximumSize(100_000).build();
      for (int i = 0; i < 1_000; i++) {
        cache.put(TenantId.of("tenant-" + i), new Object());
      }
      key = TenantId.of("tenant-42");
    }
  }

  /** A Caffeine cache as {@link CaffeineState}, and the clock the guard is given. */
  @State(Scope.Benchmark)
  public static class CaffeineAndClockState extends CaffeineState {
    Clock clock = Clock.systemUTC();
  }

  /** A connection pool like the store's. */
  @State(Scope.Benchmark)
  public static class PoolState {
    HikariDataSource pool;

    @Setup(Level.Trial)
    public void open() {
      pool = BenchDatabase.pool("bench-select1", 16);
    }

    @TearDown(Level.Trial)
    public void close() {
      pool.close();
    }
  }

  /** A size-bounded Caffeine {@code getIfPresent} that hits. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Object caffeineHit(CaffeineState state) {
    return state.cache.getIfPresent(state.key);
  }

  /**
   * The honest floor of a cached check: a Caffeine hit plus one read of the injected clock (the guard reads its clock
   * once per call, as every decision needs the current instant).
   */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Object caffeineHitAndClock(CaffeineAndClockState state, Blackhole blackhole) {
    blackhole.consume(state.clock.instant());
    return state.cache.getIfPresent(state.key);
  }

  /** A JDBC {@code SELECT 1}: a connection from the pool, one round trip, the connection back. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public int select1(PoolState state) throws SQLException {
    try (Connection c = state.pool.getConnection(); PreparedStatement st = c.prepareStatement("SELECT 1");
        ResultSet rs = st.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    }
  }
}

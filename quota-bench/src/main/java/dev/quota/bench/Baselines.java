package dev.quota.bench;

import com.zaxxer.hikari.HikariDataSource;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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

/** What a user would otherwise pick for durable writes: Bucket4j's PostgreSQL backend, and one transaction per event. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Baselines {

  /** One Bucket4j bucket in PostgreSQL, with the backend's default (advisory lock) strategy. */
  @State(Scope.Benchmark)
  public static class Bucket4jState {
    HikariDataSource pool;
    BucketProxy bucket;

    @Setup(Level.Trial)
    public void open() throws SQLException {
      BenchDatabase.vacuumHotTables();
      pool = BenchDatabase.pool("bench-bucket4j", 16);
      var proxyManager = Bucket4jPostgreSQL.advisoryLockBasedBuilder(pool)
          .table("\"" + BenchDatabase.baselineSchema() + "\".bucket")
          .build();
      // a capacity no benchmark drains (Bucket4j refills at most 1 token per nanosecond), so that every call
      // consumes and writes
      BucketConfiguration configuration = BucketConfiguration.builder()
          .addLimit(Bandwidth.builder().capacity(1_000_000_000L).refillGreedy(1_000_000_000L, Duration.ofSeconds(10))
              .build())
          .build();
      bucket = proxyManager.builder().build(1L, () -> configuration);
    }

    @TearDown(Level.Trial)
    public void close() {
      pool.close();
    }
  }

  /** A ledger insert and a counter upsert, in one statement and one transaction per event. */
  @State(Scope.Benchmark)
  public static class SingleTxState {
    HikariDataSource pool;
    String sql;
    OffsetDateTime monthStart;

    @Setup(Level.Trial)
    public void open() throws SQLException {
      BenchDatabase.vacuumHotTables();
      pool = BenchDatabase.pool("bench-single-tx", 16);
      String b = "\"" + BenchDatabase.baselineSchema() + "\"";
      sql = "WITH ins AS (INSERT INTO " + b + ".usage (tenant_id, usage_key, amount, occurred_at) "
          + "VALUES (?, ?, ?, now()) ON CONFLICT DO NOTHING RETURNING tenant_id, amount) "
          + "INSERT INTO " + b + ".counter AS c (tenant_id, period_start, used) SELECT tenant_id, ?, amount FROM ins "
          + "ON CONFLICT (tenant_id, period_start) DO UPDATE SET used = c.used + excluded.used";
      monthStart = OffsetDateTime.ofInstant(BenchDatabase.currentMonth().start(), ZoneOffset.UTC);
    }

    @TearDown(Level.Trial)
    public void close() {
      pool.close();
    }
  }

  /** Bucket4j's {@code tryConsume(1)} on one key. */
  @Benchmark
  public boolean bucket4jTryConsume(Bucket4jState state) {
    return state.bucket.tryConsume(1);
  }

  /** One usage event, one transaction: a random one of 100 tenants. */
  @Benchmark
  public int singleTxPerEvent(SingleTxState state, Keys keys) throws SQLException {
    try (Connection c = state.pool.getConnection(); PreparedStatement st = c.prepareStatement(state.sql)) {
      st.setString(1, keys.randomTenant().value());
      st.setString(2, keys.nextKeyText());
      st.setLong(3, 1);
      st.setObject(4, state.monthStart);
      return st.executeUpdate();
    }
  }
}

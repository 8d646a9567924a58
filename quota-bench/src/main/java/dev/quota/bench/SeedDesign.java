package dev.quota.bench;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
 * The seed's design: a check sums the tenant's usage rows since the start of the month, with an index on
 * (tenant, occurred_at). Its cost grows with the rows.
 */
@State(Scope.Benchmark)
public class SeedDesign {
  /** Usage rows of the tenant this month. */
  @Param({"1000", "10000", "100000", "1000000"})
  public int rows;

  private HikariDataSource pool;
  private String sql;
  private String tenant;
  private OffsetDateTime monthStart;

  @Setup(Level.Trial)
  public void open() {
    pool = BenchDatabase.pool("bench-seed", 16);
    sql = "SELECT COALESCE(SUM(tokens), 0) FROM \"" + BenchDatabase.baselineSchema()
        + "\".seed_usage WHERE tenant_id = ? AND occurred_at >= ?";
    tenant = BenchDatabase.seedTenant(rows);
    monthStart = OffsetDateTime.ofInstant(BenchDatabase.currentMonth().start(), ZoneOffset.UTC);
  }

  @TearDown(Level.Trial)
  public void close() {
    pool.close();
  }

  /** One check of the seed's design: SUM(tokens) of this month, compared with the limit. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public boolean seedSumCheck() throws SQLException {
    try (Connection c = pool.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
      st.setString(1, tenant);
      st.setObject(2, monthStart);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1) < BenchDatabase.LIMIT;
      }
    }
  }
}

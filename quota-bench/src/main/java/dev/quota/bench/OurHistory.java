package dev.quota.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.admin.HistoryGranularity;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.UsageHistory;
import dev.quota.jooq.PostgresQuotaStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
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
 * {@code usageHistory} of one tenant over 31 days by day, all of the tenant's {@code ledgerRows} entries in the range,
 * every day of it closed. {@link #usageHistory31Days} reads what a dashboard reads again and again: the days' sums
 * stored by the first read (the roll-up of migration V12, one row per UTC day). {@link #usageHistory31DaysFirstRead}
 * reads after the roll-up was deleted: it sums every entry of the range from the ledger (by the history index of
 * migration V8) into quarter-hours and stores them, the cost a range pays once.
 */
@State(Scope.Benchmark)
public class OurHistory {
  /** The tenant's ledger entries, all within the 31 days read. */
  @Param({"1000000"})
  public int ledgerRows;

  private HikariDataSource pool;
  private PostgresQuotaStore store;
  private QuotaAdmin admin;
  private TenantId tenant;
  private Instant from;
  private Instant to;

  @Setup(Level.Trial)
  public void open() throws SQLException {
    to = Instant.now().truncatedTo(ChronoUnit.DAYS);
    from = to.minus(31, ChronoUnit.DAYS);
    tenant = TenantId.of("history-" + ledgerRows);
    fill(tenant, ledgerRows, from, to);
    pool = BenchDatabase.pool("bench-history", 2);
    store = PostgresQuotaStore.builder().dataSource(pool).schema(BenchDatabase.schema()).build();
    admin = BenchDatabase.quota(store).admin();
    long total = usageHistory31Days().total();
    if (total != ledgerRows) {
      throw new IllegalStateException("the history sums " + total + " units, not the " + ledgerRows + " entries");
    }
  }

  /**
   * Writes the tenant's entries once per schema, in one {@code INSERT ... SELECT} (a fork finds them written by the
   * one before), spread evenly over the range, then vacuums the ledger so that the history is read from its index
   * alone, as autovacuum leaves an append-mostly table.
   */
  private static void fill(TenantId tenant, int rows, Instant from, Instant to) throws SQLException {
    String s = "\"" + BenchDatabase.schema() + "\"";
    try (Connection c = DriverManager.getConnection(BenchDatabase.url())) {
      try (PreparedStatement count = c.prepareStatement("SELECT count(*) FROM " + s + ".usage_ledger "
          + "WHERE tenant_id = ?")) {
        count.setString(1, tenant.value());
        try (ResultSet r = count.executeQuery()) {
          r.next();
          if (r.getLong(1) == rows) {
            return;
          }
        }
      }
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL synchronous_commit = off"); // loading only
      }
      try (PreparedStatement forget = c.prepareStatement("DELETE FROM " + s + ".usage_rollup WHERE tenant_id = ?")) {
        // sums stored from the entries replaced here would be wrong
        forget.setString(1, tenant.value());
        forget.execute();
      }
      try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + s + ".usage_ledger WHERE tenant_id = ?");
          PreparedStatement insert = c.prepareStatement("INSERT INTO " + s + ".usage_ledger (tenant_id, meter, "
              + "usage_key, amount, occurred_at, period_start, period_end) SELECT ?, 'ai-tokens', 'h' || i, 1, t, "
              + "date_trunc('month', t, 'UTC'), date_trunc('month', t, 'UTC') + interval '1 month' "
              + "FROM generate_series(0, ? - 1) AS i, LATERAL (SELECT ? + (? * i / ?) * interval '1 microsecond') "
              + "AS at(t)")) {
        delete.setString(1, tenant.value());
        delete.execute();
        insert.setString(1, tenant.value());
        insert.setInt(2, rows);
        insert.setObject(3, OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
        insert.setLong(4, ChronoUnit.MICROS.between(from, to));
        insert.setLong(5, rows);
        insert.execute();
      }
      c.commit();
      c.setAutoCommit(true);
      try (Statement st = c.createStatement()) {
        st.execute("VACUUM ANALYZE " + s + ".usage_ledger");
      }
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    store.close();
    pool.close();
  }

  /** 31 day buckets of one tenant, read from the roll-up the first read stored. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public UsageHistory usageHistory31Days() {
    return admin.usageHistory(tenant, Meter.AI_TOKENS, from, to, HistoryGranularity.DAY);
  }

  /** 31 day buckets of one tenant, read with no roll-up stored: summed from the ledger and stored. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public UsageHistory usageHistory31DaysFirstRead(NoRollup noRollup) {
    return admin.usageHistory(tenant, Meter.AI_TOKENS, from, to, HistoryGranularity.DAY);
  }

  /** Deletes the history tenants' roll-up before each first read, outside the time measured. */
  @State(Scope.Benchmark)
  public static class NoRollup {
    private Connection connection;
    private PreparedStatement forget;

    @Setup(Level.Trial)
    public void open() throws SQLException {
      connection = DriverManager.getConnection(BenchDatabase.url());
      forget = connection.prepareStatement("DELETE FROM \"" + BenchDatabase.schema() + "\".usage_rollup "
          + "WHERE tenant_id LIKE 'history-%'");
    }

    @Setup(Level.Invocation)
    public void forget() throws SQLException {
      forget.execute();
    }

    @TearDown(Level.Trial)
    public void close() throws SQLException {
      connection.close();
    }
  }
}

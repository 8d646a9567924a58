package dev.quota.jooq;

import com.zaxxer.hikari.HikariDataSource;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.TierCatalogue;
import dev.quota.admin.HistoryGranularity;
import dev.quota.admin.QuotaAdmin;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.period.PeriodPolicy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A one-off measurement, not a test and not a benchmark: loads 1M ledger entries of one tenant over 31 days into a
 * scratch schema, then times {@code usageHistory} by day cold (no roll-up stored) and warm, and prints the plans of
 * the warm read's statement and of the fill's. Run by hand against the test database ({@code QUOTA_TEST_JDBC_URL}):
 * single timings on a shared machine, for the plan's shape, not for a figure to publish.
 */
public final class HistoryRollupMeasurement {
  private static final String SCHEMA = "quota_measure_history";
  private static final int ROWS = 1_000_000;

  private HistoryRollupMeasurement() {}

  public static void main(String[] args) throws SQLException {
    String url = PostgresDatabase.url();
    HikariDataSource dataSource = new HikariDataSource();
    dataSource.setJdbcUrl(url);
    dataSource.setMaximumPoolSize(2);
    Instant to = Instant.now().truncatedTo(ChronoUnit.DAYS);
    Instant from = to.minus(31, ChronoUnit.DAYS);
    TenantId tenant = TenantId.of("history-1m");
    try (Connection c = DriverManager.getConnection(url)) {
      if (!(args.length > 0 && args[0].equals("reuse"))) {
        try (Statement st = c.createStatement()) {
          st.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
        PostgresQuotaStore.createSchema(dataSource, SCHEMA);
        long load = System.nanoTime();
        load(c, tenant, from, to);
        System.out.printf("loaded %,d entries in %.1f s%n", ROWS, (System.nanoTime() - load) / 1e9);
      }
      for (ZoneId zone : List.of(ZoneOffset.UTC, ZoneId.of("America/New_York"), ZoneId.of("Asia/Kathmandu"))) {
        try (PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(dataSource).schema(SCHEMA).build()) {
          QuotaAdmin admin = Quota.builder().store(store).catalogue(TierCatalogue.builder()
              .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
              .tier(dev.quota.Tier.FREE, Map.of(Meter.AI_TOKENS, TierCatalogue.UNLIMITED))
              .defaultTier(dev.quota.Tier.FREE).zone(zone).build()).build().admin();
          List<Long> cold = new ArrayList<>();
          long total = 0;
          for (int i = 0; i < 5; i++) {
            forget(c, tenant);
            long start = System.nanoTime();
            total = admin.usageHistory(tenant, Meter.AI_TOKENS, from, to, HistoryGranularity.DAY).total();
            cold.add(System.nanoTime() - start);
          }
          List<Long> warm = new ArrayList<>();
          for (int i = 0; i < 200; i++) {
            long start = System.nanoTime();
            total = admin.usageHistory(tenant, Meter.AI_TOKENS, from, to, HistoryGranularity.DAY).total();
            warm.add(System.nanoTime() - start);
          }
          System.out.printf("%s: total %,d; cold (first read, 5 runs) p50 %.1f ms (min %.1f, max %.1f); "
                  + "warm (200 runs) p50 %.2f ms, p90 %.2f ms, max %.2f ms%n", zone, total, p(cold, 50), p(cold, 0),
              p(cold, 100), p(warm, 50), p(warm, 90), p(warm, 100));
        }
      }
      explain(c, "warm read: the roll-up's rows of the range", "SELECT day, quarters FROM " + SCHEMA
          + ".usage_rollup WHERE tenant_id = 'history-1m' AND meter = 'ai-tokens' AND day >= '" + from.minus(1,
          ChronoUnit.DAYS) + "' AND day < '" + to + "'");
      explain(c, "for comparison, the statement before the roll-up: the ledger's sum per day", "SELECT "
          + "width_bucket(occurred_at, (SELECT array_agg(t) FROM generate_series('" + from + "'::timestamptz, '" + to
          + "'::timestamptz, interval '1 day') t)) AS bucket, sum(amount) FROM (SELECT occurred_at, amount FROM "
          + SCHEMA + ".usage_ledger WHERE tenant_id = 'history-1m' AND meter = 'ai-tokens' AND occurred_at >= '"
          + from + "' AND occurred_at < '" + to + "' UNION ALL SELECT occurred_at, amount FROM " + SCHEMA
          + ".usage_archive WHERE tenant_id = 'history-1m' AND meter = 'ai-tokens' AND occurred_at >= '" + from
          + "' AND occurred_at < '" + to + "') e GROUP BY 1");
      explain(c, "cold read: the fill's sum per quarter-hour", "SELECT width_bucket(occurred_at, "
          + "(SELECT array_agg(t) FROM generate_series('" + from + "'::timestamptz, '" + to + "'::timestamptz, "
          + "interval '15 minutes') t)) AS bucket, sum(amount) FROM (SELECT occurred_at, amount FROM " + SCHEMA
          + ".usage_ledger WHERE tenant_id = 'history-1m' AND meter = 'ai-tokens' AND occurred_at >= '" + from
          + "' AND occurred_at < '" + to + "' UNION ALL SELECT occurred_at, amount FROM " + SCHEMA
          + ".usage_archive WHERE tenant_id = 'history-1m' AND meter = 'ai-tokens' AND occurred_at >= '" + from
          + "' AND occurred_at < '" + to + "') e GROUP BY 1");
      try (Statement st = c.createStatement(); ResultSet r = st.executeQuery("SELECT pg_size_pretty("
          + "pg_total_relation_size('" + SCHEMA + ".usage_rollup')), (SELECT count(*) FROM " + SCHEMA
          + ".usage_rollup)")) {
        r.next();
        System.out.println("usage_rollup: " + r.getString(1) + " in " + r.getLong(2) + " rows");
      }
    } finally {
      dataSource.close();
    }
  }

  private static void load(Connection c, TenantId tenant, Instant from, Instant to) throws SQLException {
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + SCHEMA + ".usage_ledger (tenant_id, meter, "
        + "usage_key, amount, occurred_at, period_start, period_end) SELECT ?, 'ai-tokens', 'h' || i, 1, t, "
        + "date_trunc('month', t, 'UTC'), date_trunc('month', t, 'UTC') + interval '1 month' "
        + "FROM generate_series(0, ? - 1) AS i, LATERAL (SELECT ? + (? * i / ?) * interval '1 microsecond') "
        + "AS at(t)")) {
      insert.setString(1, tenant.value());
      insert.setInt(2, ROWS);
      insert.setObject(3, OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
      insert.setLong(4, ChronoUnit.MICROS.between(from, to));
      insert.setLong(5, ROWS);
      insert.execute();
    }
    try (Statement st = c.createStatement()) {
      st.execute("VACUUM ANALYZE " + SCHEMA + ".usage_ledger");
    }
  }

  private static void forget(Connection c, TenantId tenant) throws SQLException {
    try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + SCHEMA + ".usage_rollup WHERE tenant_id = ?")) {
      delete.setString(1, tenant.value());
      delete.execute();
    }
  }

  private static void explain(Connection c, String title, String sql) throws SQLException {
    System.out.println("--- " + title);
    try (Statement st = c.createStatement(); ResultSet r = st.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + sql)) {
      while (r.next()) {
        System.out.println(r.getString(1));
      }
    }
  }

  private static double p(List<Long> nanos, int percentile) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    int index = Math.min(sorted.size() - 1, (int) Math.round(percentile / 100.0 * (sorted.size() - 1)));
    return sorted.get(index) / 1e6;
  }
}

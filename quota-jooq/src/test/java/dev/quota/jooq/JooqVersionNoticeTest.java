package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.jooq.testsupport.PostgresDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What jOOQ logs about the database's version the first time a service using quota's store reaches it, on the
 * server these tests run against (the compatibility matrix runs this on every PostgreSQL it tests; README's table
 * records the outcome).
 *
 * <p>jOOQ compares the server with the oldest version its dialect supports, once per JVM. The open-source edition
 * has one PostgreSQL dialect, {@code SQLDialect.POSTGRES}, which jOOQ 3.21 declares for PostgreSQL 18: on an older
 * server it logs one WARN ("Version mismatch"), on 18 one INFO line. No setting of jOOQ's lets quota name an older
 * version (the versioned dialects are in the commercial editions), so the store keeps {@code POSTGRES}; the contract
 * suite on each of those older servers is what shows that quota's SQL runs there. A service that wants the line
 * gone sets the logger {@code org.jooq.impl.DefaultExecuteContext.logVersionSupport} to ERROR, in its logging
 * configuration or with jOOQ's system property {@code -Dorg.jooq.log.<logger>=ERROR}; quota does neither for it, as
 * both reach every use of jOOQ in the JVM, the host's own included.
 */
class JooqVersionNoticeTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  /** The oldest PostgreSQL major version that jOOQ's {@code SQLDialect.POSTGRES} says it supports (jOOQ 3.21). */
  static final int DIALECT_MAJOR = 18;

  private static final String LOGGER = "org.jooq.impl.DefaultExecuteContext.logVersionSupport";

  @Test
  void jooqWarnsOnceOnAServerOlderThanItsDialectAndOnlyInformsOnANewerOne() throws Exception {
    int major;
    String version;
    try (Connection c = DriverManager.getConnection(PostgresDatabase.url()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_setting('server_version_num')::int / 10000, "
            + "current_setting('server_version')")) {
      rs.next();
      major = rs.getInt(1);
      version = rs.getString(2);
    }

    List<String> versionLines = runProbe().stream().filter(line -> line.contains(LOGGER)).toList();
    // in the build's output, beside the server's version: what a service on this server sees
    versionLines.forEach(line -> System.out.println("[jOOQ on PostgreSQL " + version + "] " + line));

    if (major < DIALECT_MAJOR) {
      assertThat(versionLines).singleElement().satisfies(line -> assertThat(line)
          .contains("WARN " + LOGGER)
          .contains("Version mismatch")
          .contains("Database version is older than what dialect SQLDialect.POSTGRES supports: " + version));
    } else {
      assertThat(versionLines).singleElement().satisfies(line -> assertThat(line)
          .contains("INFO " + LOGGER)
          .contains("Database version is supported by dialect SQLDialect.POSTGRES: " + version));
    }
  }

  /** README's advice for a service that does not want the line: jOOQ's own switch for that logger. */
  @Test
  void jooqsLogLevelPropertyForTheVersionLoggerSilencesItOnEveryVersion() throws Exception {
    List<String> output = runProbe("-Dorg.jooq.log." + LOGGER + "=ERROR");

    assertThat(output).noneSatisfy(line -> assertThat(line).contains(LOGGER));
  }

  /**
   * Runs {@link FirstConnectionProbe} in a JVM of its own, jOOQ's INFO lines shown.
   *
   * @param options more JVM options
   * @return what it printed and logged
   */
  private static List<String> runProbe(String... options) throws IOException, InterruptedException {
    Path log = Files.createTempFile("first-connection-", ".log");
    try {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
          "-Dorg.slf4j.simpleLogger.log.org.jooq=info",
          "-Dorg.jooq.no-logo=true", "-Dorg.jooq.no-tips=true"));
      command.addAll(List.of(options));
      command.addAll(List.of(FirstConnectionProbe.class.getName(), PostgresDatabase.url(), DB.schema()));
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError("the probe did not end within 2 minutes:\n" + Files.readString(log));
      }
      List<String> output = Files.readAllLines(log, StandardCharsets.UTF_8);
      assertThat(process.exitValue()).as("the probe's exit status; it printed:%n%s", String.join("\n", output))
          .isZero();
      assertThat(output).as("the probe's output").contains("used 0");
      return output;
    } finally {
      Files.deleteIfExists(log);
    }
  }
}

package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PostgresBackendTest {
  @Test
  void passwordsAreHiddenInMessages() {
    assertThat(PostgresBackend.redact("jdbc:postgresql://db:5432/app?user=ops&password=s3cret&ssl=true"))
        .isEqualTo("jdbc:postgresql://db:5432/app?user=ops&password=***&ssl=true");
    assertThat(PostgresBackend.redact("jdbc:postgresql://ops:s3cret@db/app")).isEqualTo("jdbc:postgresql://***@db/app");
  }

  @Test
  void aUrlOfAnotherDatabaseIsBadUsage() {
    assertThatThrownBy(() -> PostgresBackend.open("jdbc:mysql://db/app?password=x", "quota", Optional.empty()))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
        .hasMessage("--jdbc-url must be a PostgreSQL JDBC URL such as jdbc:postgresql://127.0.0.1:5432/app?user=ops, "
            + "was 'jdbc:mysql://db/app?password=***'");
  }

  @Test
  void aClosedPortIsDatabaseUnavailable() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/test?user=postgres&password=secret";

    assertThatThrownBy(() -> PostgresBackend.open(url, "quota", Optional.empty()))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.UNAVAILABLE))
        .hasMessageStartingWith("database unavailable: cannot connect to jdbc:postgresql://127.0.0.1:" + port
            + "/test?user=postgres&password=***: Connection to 127.0.0.1:" + port + " refused")
        .message().doesNotContain("secret");
  }
}

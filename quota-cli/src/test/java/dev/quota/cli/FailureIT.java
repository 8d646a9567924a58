package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.TenantId;
import dev.quota.admin.PageRequest;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Exit codes and one-line errors, from the jar. */
class FailureIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  private static String closedPortUrl() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    return "jdbc:postgresql://127.0.0.1:" + port + "/test?user=postgres";
  }

  @Test
  void aChangeWithoutReasonExitsTwoWithOneLineAndChangesNothing() {
    db.use("acme", 10);

    CliJar.Result result = db.cli().run("reset", "acme");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).isEqualTo("quota reset: --reason is required: every change is written to the audit log "
        + "with why it was made, e.g. --reason 'JIRA-123: demo tomorrow'\n");
    assertThat(result.out()).isEmpty();
    assertThat(db.service().admin().audit(TenantId.of("acme"), PageRequest.first(10)).items()).isEmpty();
  }

  @Test
  void anUnreachableDatabaseExitsThreeWithOneLine() throws IOException {
    CliJar.Result result = db.cli().run("--jdbc-url", closedPortUrl(), "usage", "acme");

    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.err().lines()).hasSize(1);
    assertThat(result.err())
        .startsWith("quota usage: database unavailable: cannot connect to jdbc:postgresql://127.0.0.1:")
        .contains("refused");
    assertThat(result.out()).isEmpty();
  }

  @Test
  void verboseAddsTheStackTrace() throws IOException {
    CliJar.Result result = db.cli().run("--verbose", "--jdbc-url", closedPortUrl(), "usage", "acme");

    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.err().lines().toList().getFirst()).startsWith("quota usage: database unavailable");
    assertThat(result.err()).contains("Caused by: org.postgresql.util.PSQLException", "\tat ");
  }

  @Test
  void anUnknownCommandIsBadUsage() {
    CliJar.Result result = db.cli().run("unblock", "acme");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).isEqualTo("quota: 'unblock' is not a command; the commands are archive, audit, bypass, "
        + "console, credit, find, grant, history, limit, migrate, notifications, override-tier, parent, plan, purge, "
        + "reset, revoke, simulate, top, tree, usage, verify (see 'quota --help')\n");
  }

  @Test
  void aBadValueIsBadUsageNamingTheRule() {
    CliJar.Result result = db.cli().run("grant", "acme", "0", "--until", "+1d", "--reason", "r");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).isEqualTo("quota grant: AMOUNT: "
        + "the amount must be positive, was 0 (see 'quota grant --help')\n");
  }
}

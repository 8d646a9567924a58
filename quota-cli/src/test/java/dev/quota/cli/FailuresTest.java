package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.InvalidRequestException;
import dev.quota.TenantId;
import dev.quota.admin.AccessDeniedException;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.EntitlementStateException;
import dev.quota.spi.StoreUnavailableException;
import java.net.ConnectException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class FailuresTest {
  @Test
  void badInputIsBadUsageWithTheLibrarysMessage() {
    Failures.Report report = Failures.classify(new InvalidRequestException("reason", "must not be blank"), "quota");
    assertThat(report).isEqualTo(new Failures.Report(ExitCode.USAGE, "reason must not be blank"));
  }

  @Test
  void anAuthorizersRefusalIsRefused() {
    Failures.Report report = Failures.classify(
        new AccessDeniedException(Actor.of("intern"), AdminOperation.RESET_USAGE, TenantId.of("acme")), "quota");
    assertThat(report.exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(report.message()).isEqualTo("refused: actor 'intern' may not RESET_USAGE for tenant 'acme'");
  }

  @Test
  void anEndedEntitlementIsRefused() {
    assertThat(Failures.classify(new EntitlementStateException("already ended"), "quota").exitCode())
        .isEqualTo(ExitCode.REFUSED);
  }

  @Test
  void anUnavailableStoreIsDatabaseUnavailable() {
    Failures.Report report = Failures.classify(
        new StoreUnavailableException("PostgreSQL is unavailable: connection reset", new SQLException("x", "08006")),
        "quota");
    assertThat(report.exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
    assertThat(report.message()).startsWith("database unavailable: PostgreSQL is unavailable");
  }

  @Test
  void aConnectionFailureDeepInTheCausesIsDatabaseUnavailable() {
    RuntimeException wrapped = new RuntimeException("query failed", new SQLException("wrapped",
        new ConnectException("Connection refused")));
    assertThat(Failures.classify(wrapped, "quota").exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
  }

  @Test
  void aSchemaWithoutTablesPointsAtMigrate() {
    RuntimeException failure = new RuntimeException(new SQLException("relation \"tenant\" does not exist", "42P01"));
    Failures.Report report = Failures.classify(failure, "billing");
    assertThat(report.exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
    assertThat(report.message()).startsWith("schema billing has no quota tables: run 'quota --schema billing migrate'");
  }

  @Test
  void aQuerysOwnBadReferenceIsNoMissingSchema() {
    RuntimeException failure = new RuntimeException(new SQLException(
        "invalid reference to FROM-clause entry for table \"moved\"", "42P01"));
    assertThat(Failures.classify(failure, "quota").exitCode()).isEqualTo(ExitCode.FAILURE);
  }

  @Test
  void aLongUnexpectedFailureIsShortenedToOneReadableLine() {
    Failures.Report report = Failures.classify(new IllegalStateException("SQL [" + "x".repeat(5000) + "]"), "quota");
    assertThat(report.message()).hasSizeLessThan(400).endsWith("... (run with --verbose for the stack trace)");
  }

  @Test
  void anythingElseIsAnUnexpectedFailureOnOneLine() {
    Failures.Report report = Failures.classify(new IllegalStateException("two\nlines"), "quota");
    assertThat(report.exitCode()).isEqualTo(ExitCode.FAILURE);
    assertThat(report.message()).isEqualTo(
        "unexpected failure: java.lang.IllegalStateException: two lines (run with --verbose for the stack trace)");
  }
}

package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GlobalOptionsTest {
  private final InProcessCli cli = new InProcessCli();

  @Test
  void theDatabaseComesFromTheEnvironmentUnlessGiven() {
    cli.run("usage", "acme");
    cli.run("--jdbc-url", "jdbc:postgresql://elsewhere/db", "--schema", "billing", "usage", "acme");

    assertThat(cli.opened).containsExactly("jdbc:postgresql://in-memory/test quota",
        "jdbc:postgresql://elsewhere/db billing");
  }

  @Test
  void theSchemaComesFromTheEnvironmentUnlessGiven() {
    cli.variables.put("QUOTA_SCHEMA", "tenants");

    cli.run("usage", "acme");

    assertThat(cli.opened).containsExactly("jdbc:postgresql://in-memory/test tenants");
  }

  @Test
  void theHostsPlanTableIsPassedToTheStore() {
    cli.run("--plans-from", "public.user(id:bigint,tier)", "usage", "acme");
    cli.variables.put("QUOTA_PLANS_FROM", "crm.accounts(id,tier)");
    cli.run("usage", "acme");

    assertThat(cli.opened).containsExactly("jdbc:postgresql://in-memory/test quota public.user(id:bigint,tier)",
        "jdbc:postgresql://in-memory/test quota crm.accounts(id,tier)");
  }

  @Test
  void planIsRefusedWhileTiersComeFromTheHostsTable() {
    InProcessCli.Result result = cli.run("--plans-from", "public.user(id:bigint,tier)", "plan", "acme", "pro",
        "--reason", "upgrade");

    assertThat(result.exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(result.err()).isEqualTo("quota plan: tiers come from the host's table public.user(id:bigint,tier) "
        + "(--plans-from): change the tier there; nothing was changed\n");
    assertThat(cli.service().admin().audit(dev.quota.admin.PageRequest.first(1)).items()).isEmpty();
  }

  @Test
  void withoutADatabaseItIsBadUsage() {
    cli.variables.remove("QUOTA_JDBC_URL");

    InProcessCli.Result result = cli.run("usage", "acme");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota usage: no database given: pass --jdbc-url URL or set QUOTA_JDBC_URL\n");
  }

  @Test
  void globalOptionsMayFollowTheCommand() {
    cli.plan("acme", Tier.FREE);

    assertThat(cli.run("usage", "acme", "--json", "--zone", "Asia/Tokyo").out()).startsWith("{");
  }

  @Test
  void anUnknownZoneIsBadUsage() {
    InProcessCli.Result result = cli.run("--zone", "Mars/Olympus", "usage", "acme");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).startsWith("quota usage: --zone: 'Mars/Olympus' is not a zone");
  }

  @Test
  void anUnknownOptionIsOneLineOfBadUsage() {
    InProcessCli.Result result = cli.run("usage", "acme", "--tenant", "x");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota usage: unknown option '--tenant' (see 'quota usage --help')\n");
  }

  @Test
  void withoutACommandItIsBadUsageListingTheCommands() {
    InProcessCli.Result result = cli.run();

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err().lines()).hasSize(1);
    assertThat(result.err()).startsWith("quota: a command is required: usage, find, top, reset");
  }

  @Test
  void helpListsTheCommandsAndExitCodesAndExitsZero() {
    InProcessCli.Result result = cli.run("--help");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).contains("override-tier", "purge", "Exit codes:", "3  database unavailable");
  }

  @Test
  void versionComesFromTheJarsManifest() {
    InProcessCli.Result result = cli.run("--version");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).startsWith("quota ");
  }

  @Test
  void archiveTakesAnInstantAndRefusesEndOfPeriodWhichNeedsATenant() {
    assertThat(cli.run("archive", "--before", "-90d").out())
        .isEqualTo("archived 0 ledger entries that occurred before 2026-08-27 10:00:00 UTC; balances unchanged\n");

    InProcessCli.Result result = cli.run("archive", "--before", "end-of-period");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota archive: --before: end-of-period and start-of-period need a tenant; "
        + "give an instant, a date or a relative time\n");
  }

  @Test
  void migrateSaysWhetherItCreatedTheTables() {
    assertThat(cli.run("migrate").out()).isEqualTo("schema quota: quota's tables are up to date, nothing to do\n");
  }

  @Test
  void aCatalogueFileReplacesTheDefaultTiers(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tiers.properties");
    Files.writeString(file, """
        meters = ai-tokens
        meter.ai-tokens.period = calendar-day UTC
        tiers = trial, team
        tier.trial.ai-tokens = 1000
        tier.team.ai-tokens = unlimited
        default-tier = trial
        """);
    cli.use("acme", 400);

    InProcessCli.Result result = cli.run("--catalogue", file.toString(), "usage", "acme");

    assertThat(result.out()).contains("tier       trial (default tier: the tenant has no plan)", "limit      1,000",
        "period     2026-11-25 00:00:00 UTC .. 2026-11-26 00:00:00 UTC");
  }

  @Test
  void aBrokenCatalogueFileIsBadUsageBeforeConnecting(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tiers.properties");
    Files.writeString(file, "meters = ai-tokens\n");

    InProcessCli.Result result = cli.run("--catalogue", file.toString(), "usage", "acme");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota usage: catalogue " + file + ": 'tiers' is missing\n");
    assertThat(cli.opened).isEmpty();
  }
}

package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;

class UsageAndTopCommandTest {
  private final InProcessCli cli = new InProcessCli();

  @Test
  void usageOfATenantUnderItsLimitPrintsTheReportAndExitsZero() {
    cli.plan("acme", Tier.FREE).use("acme", 25_000);

    InProcessCli.Result result = cli.run("usage", "acme");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.err()).isEmpty();
    assertThat(result.out()).contains(
        "tenant     acme",
        "tier       free (the plan's tier)",
        "usage      [#####...............] 25.0% of limit + granted",
        "used        25,000",
        "limit      100,000",
        "remaining   75,000",
        "status     open",
        "period     2026-11-01 00:00:00 UTC .. 2026-12-01 00:00:00 UTC",
        "resets at  2026-12-01 00:00:00 UTC (in 5d 14h)",
        "in force   no grants, overrides or bypasses");
  }

  @Test
  void usageShowsWhatRolledOverAndFromWhere() {
    cli.plan("acme", Tier.FREE).use("acme", 10);
    Grant rollover = new Grant(EntitlementId.random(), TenantId.of("acme"), Grant.Kind.ROLLOVER, Meter.AI_TOKENS,
        20_000, Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-12-01T00:00:00Z"), Grant.ROLLOVER_ACTOR,
        "rolled over 20000", Optional.empty());
    cli.store.addRollover(rollover, new AuditEntry(UUID.randomUUID(), cli.clock.instant(), TenantId.of("acme"),
        Grant.ROLLOVER_ACTOR, AdminOperation.ROLLOVER, rollover.reason(), Map.of()));

    InProcessCli.Result text = cli.run("usage", "acme");
    JSONObject json = new JSONObject(cli.run("usage", "acme", "--json").out());

    assertThat(text.out()).contains("granted     20,000",
        "rollover   20,000 of the previous period's unused allowance, in granted (system:rollover)");
    assertThat(json.getLong("rolledOver")).isEqualTo(20_000);
    assertThat(json.getJSONArray("activeEntitlements").getJSONObject(0).getString("kind")).isEqualTo("rollover");
  }

  @Test
  void usageOfABlockedTenantSaysSoAndExitsOne() {
    cli.plan("acme", Tier.FREE).use("acme", 100_000);

    InProcessCli.Result result = cli.run("usage", "acme");

    assertThat(result.exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(result.out()).contains("status     BLOCKED: nothing remains until the reset or an operator's unblock");
    assertThat(result.err()).isEmpty();
  }

  @Test
  void aTenantWithoutPlanIsShownOnTheDefaultTier() {
    cli.use("newcomer", 10);

    assertThat(cli.run("usage", "newcomer").out()).contains("tier       free (default tier: the tenant has no plan)");
  }

  @Test
  void resetTimesAreShownInTheOperatorsZone() {
    cli.plan("acme", Tier.FREE);

    InProcessCli.Result result = cli.run("--zone", "Europe/Berlin", "usage", "acme");

    assertThat(result.out()).contains("resets at  2026-12-01 01:00:00 CET");
  }

  @Test
  void usageAsJsonCarriesTheReportsFields() {
    cli.plan("acme", Tier.PRO).use("acme", 250_000);

    InProcessCli.Result result = cli.run("usage", "acme", "--json");

    JSONObject report = new JSONObject(result.out());
    assertThat(report.getString("tenant")).isEqualTo("acme");
    assertThat(report.getString("effectiveTier")).isEqualTo("pro");
    assertThat(report.getString("tierSource")).isEqualTo("PLAN");
    assertThat(report.getLong("limit")).isEqualTo(1_000_000);
    assertThat(report.getLong("used")).isEqualTo(250_000);
    assertThat(report.getLong("remaining")).isEqualTo(750_000);
    assertThat(report.getDouble("percentUsed")).isEqualTo(25.0);
    assertThat(report.getBoolean("blocked")).isFalse();
    assertThat(report.getString("resetsAt")).isEqualTo("2026-12-01T00:00:00Z");
    assertThat(report.getJSONArray("activeEntitlements").length()).isZero();
  }

  @Test
  void anUnknownMeterIsBadUsageNamingTheCataloguesMeters() {
    InProcessCli.Result result = cli.run("usage", "acme", "--meter", "images");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota usage: meter must be one of the catalogue's meters [ai-tokens], "
        + "was 'images'\n");
  }

  @Test
  void aMalformedTenantIdIsBadUsage() {
    InProcessCli.Result result = cli.run("usage", " acme");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota usage: tenant id must not start or end with white space\n");
  }

  @Test
  void topListsTenantsMostUtilizedFirst() {
    cli.plan("acme", Tier.FREE).use("acme", 100_000);
    cli.plan("beta", Tier.PRO).use("beta", 900_000);
    cli.plan("gamma", Tier.FREE).use("gamma", 10_000);

    InProcessCli.Result result = cli.run("top");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out().lines().toList()).containsExactly(
        "#  TENANT  TIER  USAGE                             USED  LIMIT+GRANTED  REMAINING  STATUS   RESETS AT",
        "1  acme    free  [####################] 100.0%  100,000        100,000          0  BLOCKED  "
            + "2026-12-01 00:00:00 UTC (in 5d 14h)",
        "2  beta    pro   [##################..]  90.0%  900,000      1,000,000    100,000  open     "
            + "2026-12-01 00:00:00 UTC (in 5d 14h)",
        "3  gamma   free  [##..................]  10.0%   10,000        100,000     90,000  open     "
            + "2026-12-01 00:00:00 UTC (in 5d 14h)",
        "tiers the library's defaults: no service has recorded its configuration in schema quota");
  }

  @Test
  void topStopsAtTheLimitAndSaysMoreFollow() {
    cli.use("acme", 3).use("beta", 2).use("gamma", 1);

    InProcessCli.Result result = cli.run("top", "--limit", "2", "--json");

    JSONObject page = new JSONObject(result.out());
    assertThat(page.getJSONArray("tenants").length()).isEqualTo(2);
    assertThat(page.getJSONArray("tenants").getJSONObject(0).getString("tenant")).isEqualTo("acme");
    assertThat(page.getBoolean("hasMore")).isTrue();
  }

  @Test
  void topWithoutUsageSaysSo() {
    assertThat(cli.run("top").out()).isEqualTo("no tenant has usage on ai-tokens in its current period\n"
        + "tiers the library's defaults: no service has recorded its configuration in schema quota\n");
  }

  @Test
  void aLimitOutsideThePageRangeIsBadUsage() {
    InProcessCli.Result result = cli.run("top", "--limit", "0");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota top: --limit must be between 1 and 1000, was 0\n");
    assertThat(cli.opened).isEmpty();
  }
}

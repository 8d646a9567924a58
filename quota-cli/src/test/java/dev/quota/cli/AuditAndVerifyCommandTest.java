package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Tier;
import org.json.JSONArray;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;

class AuditAndVerifyCommandTest {
  private final InProcessCli cli = new InProcessCli();

  @Test
  void auditListsChangesNewestFirstWithActorReasonAndDetails() {
    cli.plan("acme", Tier.FREE).use("acme", 100_000);
    cli.clock.set("2026-11-25T11:00:00Z");
    cli.run("--actor", "alice", "reset", "acme", "--reason", "JIRA-123: demo tomorrow");

    InProcessCli.Result result = cli.run("audit", "acme");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out().lines().toList()).hasSize(3);
    assertThat(result.out().lines().toList().get(0)).startsWith("AT  ").contains("TENANT", "OPERATION", "ACTOR",
        "REASON", "DETAILS");
    assertThat(result.out().lines().toList().get(1)).startsWith("2026-11-25 11:00:00 UTC  acme    RESET_USAGE  alice")
        .contains("JIRA-123: demo tomorrow", "ai-tokens.used=100000, ai-tokens.granted=100000");
    assertThat(result.out().lines().toList().get(2)).contains("SET_PLAN", "billing", "subscribed", "tier=free");
  }

  @Test
  void auditWithoutTenantListsEveryTenant() {
    cli.plan("acme", Tier.FREE).plan("beta", Tier.PRO);

    JSONArray entries = new JSONObject(cli.run("audit", "--json").out()).getJSONArray("entries");

    assertThat(entries.length()).isEqualTo(2);
    assertThat(entries.getJSONObject(0).getString("tenant")).isEqualTo("beta");
    assertThat(entries.getJSONObject(0).getJSONObject("details").getString("tier")).isEqualTo("pro");
  }

  @Test
  void auditOfATenantWithoutChangesSaysSo() {
    cli.use("nobody", 10); // known by its usage alone

    assertThat(cli.run("audit", "nobody").out()).isEqualTo("no audit entries for tenant nobody\n");
  }

  @Test
  void auditStopsAtTheLimitAndSaysOlderEntriesFollow() {
    cli.plan("acme", Tier.FREE).plan("acme", Tier.PRO);

    InProcessCli.Result result = cli.run("audit", "acme", "--limit", "1");

    assertThat(result.out().lines().toList()).hasSize(3).last().isEqualTo("(older entries follow: raise --limit)");
  }

  @Test
  void verifyOfAConsistentTenantExitsZero() {
    cli.plan("acme", Tier.FREE).use("acme", 1_000).use("acme", 500);

    InProcessCli.Result result = cli.run("verify", "acme");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out().lines().toList()).containsExactly(
        "TENANT  METER      PERIOD                                              COUNTER  LEDGER  RESULT",
        "acme    ai-tokens  2026-11-01 00:00:00 UTC .. 2026-12-01 00:00:00 UTC    1,500   1,500  consistent",
        "1 counter of 1 tenant checked: all consistent");
  }

  @Test
  void verifyWithoutTenantChecksEveryTenantWithUsage() {
    cli.use("acme", 1).use("beta", 2).plan("idle", Tier.PRO);

    JSONObject result = new JSONObject(cli.run("verify", "--json").out());

    assertThat(result.getJSONArray("tenants").toList()).containsExactlyInAnyOrder("acme", "beta");
    assertThat(result.getJSONArray("checks").length()).isEqualTo(2);
    assertThat(result.getBoolean("consistent")).isTrue();
  }
}

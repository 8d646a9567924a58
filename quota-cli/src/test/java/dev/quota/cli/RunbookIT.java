package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageReport;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.json.JSONArray;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The operator's runbook for a blocked tenant, step by step, with the jar on PostgreSQL. */
class RunbookIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  private static String nextMonthUtc() {
    return LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1).plusMonths(1) + " 00:00:00 UTC";
  }

  @Test
  void planSetsTheTierTheServiceSees() {
    CliJar.Result result = db.cli().run("--actor", "billing-ops", "plan", "beta", "enterprise", "--new-tenant",
        "--reason", "CRM-88: signed");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).startsWith("beta's plan is now enterprise (it had no plan).");
    UsageReport report = db.service().guard().usage(TenantId.of("beta"));
    assertThat(report.effectiveTier()).contains(Tier.ENTERPRISE);
    assertThat(report.limit()).isEqualTo(10_000_000);
  }

  @Test
  void usageShowsTheReportTheServiceComputes() {
    db.cli().run("plan", "gamma", "pro", "--new-tenant", "--reason", "CRM-89");
    db.use("gamma", 250_000);

    CliJar.Result result = db.cli().run("usage", "gamma");

    assertThat(result.exitCode()).isZero();
    assertThat(result.err()).isEmpty();
    assertThat(result.out()).contains("tenant     gamma", "tier       pro (the plan's tier)",
        "usage      [#####...............] 25.0% of limit + granted", "used         250,000", "limit      1,000,000",
        "remaining    750,000", "status     open", "resets at  " + nextMonthUtc());
  }

  @Test
  void aBlockedTenantIsFoundCheckedUnblockedAndVerified() {
    db.cli().run("plan", "acme", "free", "--new-tenant", "--reason", "signed up");
    db.use("acme", 60_000);
    db.use("acme", 40_000);
    assertThat(db.service().guard().canProceed(TenantId.of("acme"))).isFalse();

    // find the tenant
    CliJar.Result top = db.cli().run("top");
    assertThat(top.exitCode()).isZero();
    assertThat(top.out().lines()).anySatisfy(line -> assertThat(line)
        .containsPattern("^\\d+\\s+acme\\s+free\\s+\\[#{20}\\] 100\\.0%\\s+100,000\\s+100,000\\s+0\\s+BLOCKED"));

    // check usage: blocked, exit 1
    CliJar.Result before = db.cli().run("usage", "acme");
    assertThat(before.exitCode()).isEqualTo(1);
    assertThat(before.out()).contains("status     BLOCKED");

    // unblock
    CliJar.Result reset = db.cli().run("--actor", "alice", "reset", "acme", "--reason", "JIRA-123: demo tomorrow");
    assertThat(reset.exitCode()).isZero();
    assertThat(reset.out()).contains("Reset acme on ai-tokens: granted back 100,000 until the period ends, "
        + nextMonthUtc() + "; usage history kept");

    // verify
    CliJar.Result after = db.cli().run("usage", "acme");
    assertThat(after.exitCode()).isZero();
    assertThat(after.out()).contains("used       100,000", "granted    100,000", "remaining  100,000",
        "status     open", "reset grant");
    assertThat(db.service().guard().canProceed(TenantId.of("acme"))).isTrue();

    CliJar.Result audit = db.cli().run("audit", "acme");
    assertThat(audit.exitCode()).isZero();
    assertThat(audit.out().lines().toList().get(1)).containsPattern(
        "acme\\s+RESET_USAGE\\s+alice\\s+JIRA-123: demo tomorrow\\s+ai-tokens.used=100000, ai-tokens.granted=100000");

    CliJar.Result verify = db.cli().run("verify", "acme");
    assertThat(verify.exitCode()).isZero();
    assertThat(verify.out()).endsWith("1 counter of 1 tenant checked: all consistent\n");
  }

  @Test
  void aTenantsOwnLimitThrottlesAtOnceShowsInUsageAndEndsByRevoke() {
    db.cli().run("plan", "zeta", "free", "--new-tenant", "--reason", "signed up");
    db.use("zeta", 30_000);

    CliJar.Result limit = db.cli().run("limit", "zeta", "20k", "--reason", "SEC-9: abuse", "--json");
    assertThat(limit.exitCode()).isZero();
    JSONObject document = new JSONObject(limit.out());
    String overrideId = document.getJSONObject("override").getString("id");
    assertThat(document.getJSONObject("override").getString("kind")).isEqualTo("limit-override");
    assertThat(document.getJSONObject("usage").getLong("limit")).isEqualTo(20_000);
    assertThat(document.getJSONObject("usage").getString("limitSource")).isEqualTo("override " + overrideId);
    assertThat(document.getJSONObject("usage").getBoolean("blocked")).isTrue();

    CliJar.Result usage = db.cli().run("usage", "zeta");
    assertThat(usage.exitCode()).isEqualTo(1); // blocked
    assertThat(usage.out()).contains("limit      20,000  (the tenant's own, override " + overrideId + ")");

    CliJar.Result revoke = db.cli().run("revoke", overrideId, "--reason", "resolved");
    assertThat(revoke.exitCode()).isZero();
    assertThat(db.service().guard().usage(TenantId.of("zeta")).limit()).isEqualTo(100_000);
    assertThat(db.service().guard().usage(TenantId.of("zeta")).limitOverride()).isEmpty();
  }

  @Test
  void aOneTimeCreditIsDrawnBeyondTheLimitAndShowsInUsage() {
    db.cli().run("plan", "eta", "free", "--new-tenant", "--reason", "signed up");
    db.use("eta", 100_000);

    CliJar.Result credit = db.cli().run("credit", "eta", "50k", "--until", "+60d", "--reason", "ORDER-42: top-up",
        "--json");
    assertThat(credit.exitCode()).isZero();
    JSONObject document = new JSONObject(credit.out());
    assertThat(document.getJSONObject("credit").getString("kind")).isEqualTo("one-time-credit");
    assertThat(document.getJSONObject("usage").getLong("creditAvailable")).isEqualTo(50_000);
    assertThat(document.getJSONObject("usage").getLong("remaining")).isEqualTo(50_000);

    db.use("eta", 30_000);
    CliJar.Result usage = db.cli().run("usage", "eta");
    assertThat(usage.exitCode()).isZero();
    assertThat(usage.out()).contains("credits    30,000 drawn this period, 20,000 left");
    assertThat(usage.out()).contains("50,000 ai-tokens once (30,000 drawn, 20,000 left)");
  }

  @Test
  void grantOverrideAndBypassEndByThemselvesOrByRevoke() {
    db.cli().run("plan", "delta", "free", "--new-tenant", "--reason", "signed up");
    db.use("delta", 100_000);

    JSONObject grant = new JSONObject(db.cli().run("grant", "delta", "50k", "--until", "end-of-period", "--reason",
        "JIRA-7: partial relief", "--json").out());
    assertThat(grant.getJSONObject("usage").getLong("remaining")).isEqualTo(50_000);

    CliJar.Result override = db.cli().run("override-tier", "delta", "enterprise", "--until", "+2d", "--reason",
        "JIRA-8: launch week", "--json");
    assertThat(override.exitCode()).isZero();
    assertThat(new JSONObject(override.out()).getJSONObject("usage").getString("effectiveTier"))
        .isEqualTo("enterprise");

    CliJar.Result bypass = db.cli().run("bypass", "delta", "--until", "+12h", "--reason", "INC-4", "--json");
    String bypassId = new JSONObject(bypass.out()).getJSONObject("bypass").getString("id");
    assertThat(db.service().guard().usage(TenantId.of("delta")).bypassed()).isTrue();

    CliJar.Result revoke = db.cli().run("revoke", bypassId, "--reason", "incident over");
    assertThat(revoke.exitCode()).isZero();
    assertThat(revoke.out()).startsWith("Revoked the bypass of no blocking of delta");
    assertThat(db.service().guard().usage(TenantId.of("delta")).bypassed()).isFalse();

    CliJar.Result again = db.cli().run("revoke", bypassId, "--reason", "twice");
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.err()).startsWith("quota revoke: bypass " + bypassId + " of tenant 'delta' already ended");
  }

  @Test
  void usageTopAndAuditAsJsonAreDocumentsForScripts() {
    db.cli().run("plan", "epsilon", "pro", "--new-tenant", "--reason", "CRM-90");
    db.use("epsilon", 900_000);

    JSONObject usage = new JSONObject(db.cli().run("usage", "epsilon", "--json").out());
    assertThat(usage.getLong("used")).isEqualTo(900_000);
    assertThat(usage.getLong("limit")).isEqualTo(1_000_000);
    assertThat(usage.getDouble("percentUsed")).isEqualTo(90.0);
    assertThat(usage.getBoolean("blocked")).isFalse();

    JSONArray tenants = new JSONObject(db.cli().run("top", "--json", "--limit", "1000").out()).getJSONArray("tenants");
    assertThat(tenants.toList()).anySatisfy(t -> assertThat(t.toString()).contains("tenant=epsilon"));

    JSONArray entries = new JSONObject(db.cli().run("audit", "epsilon", "--json").out()).getJSONArray("entries");
    assertThat(entries.getJSONObject(0).getString("operation")).isEqualTo("SET_PLAN");
    assertThat(entries.getJSONObject(0).getString("reason")).isEqualTo("CRM-90");
  }
}

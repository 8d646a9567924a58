package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageReport;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Grant;
import dev.quota.admin.PageRequest;
import java.time.Instant;
import java.util.List;
import org.json.JSONObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ChangeCommandsTest {
  private static final TenantId ACME = TenantId.of("acme");
  private final InProcessCli cli = new InProcessCli();

  private UsageReport usage() {
    return cli.service().guard().usage(ACME);
  }

  private List<AuditEntry> audit() {
    return cli.service().admin().audit(ACME, PageRequest.first(100)).items();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "reset acme",
      "grant acme 50k --until +2d",
      "limit acme 50k",
      "override-tier acme enterprise --until +2d",
      "bypass acme --until +2d",
      "revoke 3f0e8c1e-4b7a-4c55-9a53-2b1f7f1f0b11",
      "plan acme pro",
      "parent acme acme-corp",
      "parent acme --clear",
      "purge acme --since -1d --confirm acme"})
  void aChangeWithoutReasonExitsTwoWithOneLineBeforeConnecting(String command) {
    InProcessCli.Result result = cli.run(command.split(" "));

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err().lines()).hasSize(1);
    assertThat(result.err()).contains("--reason is required");
    assertThat(result.out()).isEmpty();
    assertThat(cli.opened).isEmpty();
  }

  @Test
  void aBlankReasonIsBadUsageAndChangesNothing() {
    cli.plan("acme", Tier.FREE).use("acme", 100_000);

    InProcessCli.Result result = cli.run("reset", "acme", "--reason", "  ");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota reset: reason must not be blank\n");
    assertThat(usage().blocked()).isTrue();
  }

  @Test
  void resetUnblocksByGrantingTheUsageBackAndKeepsTheHistory() {
    cli.plan("acme", Tier.FREE).use("acme", 100_000);

    InProcessCli.Result result = cli.run("reset", "acme", "--reason", "JIRA-123: demo tomorrow");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).contains("Reset acme on ai-tokens: granted back 100,000 until the period ends, "
        + "2026-12-01 00:00:00 UTC; usage history kept");
    assertThat(result.out()).contains("now: acme ai-tokens on free, used 100,000 of 200,000 (limit 100,000 + granted "
        + "100,000), remaining 100,000: open");
    assertThat(usage().used()).isEqualTo(100_000);
    assertThat(usage().blocked()).isFalse();
    assertThat(cli.store.ledger(ACME)).hasSize(1);
    assertThat(audit().getFirst().reason()).isEqualTo("JIRA-123: demo tomorrow");
    assertThat(audit().getFirst().actor().id()).isEqualTo("operator");
  }

  @Test
  void limitGivesTheTenantItsOwnLimitUntilAnExpiry() {
    cli.plan("acme", Tier.FREE).use("acme", 100_000);

    InProcessCli.Result result = cli.run("limit", "acme", "250k", "--until", "+2d", "--reason", "contract 17");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).contains("acme has its own limit of 250,000 ai-tokens per period until ");
    assertThat(usage().limit()).isEqualTo(250_000);
    assertThat(usage().limitOverride()).isPresent();
    assertThat(usage().blocked()).isFalse();
    assertThat(audit().getFirst().reason()).isEqualTo("contract 17");
  }

  @Test
  void limitOfZeroWithoutExpiryStopsTheTenantUntilRevoked() {
    cli.plan("acme", Tier.FREE).use("acme", 1);

    InProcessCli.Result result = cli.run("limit", "acme", "0", "--reason", "SEC-9");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).contains("acme has its own limit of 0 ai-tokens per period until revoked");
    assertThat(usage().limit()).isZero();
    assertThat(usage().blocked()).isTrue();
  }

  @Test
  void resetOfATenantWithoutUsageGrantsNothingButIsAudited() {
    InProcessCli.Result result = cli.run("reset", "acme", "--new-tenant", "--reason", "checking");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).startsWith("Nothing to reset: acme has no usage left to cancel");
    assertThat(audit()).hasSize(1);
  }

  @Test
  void theActorIsTheOptionsValueWhenGiven() {
    cli.run("--actor", "alice@ops", "reset", "acme", "--new-tenant", "--reason", "JIRA-1");

    assertThat(audit().getFirst().actor().id()).isEqualTo("alice@ops");
  }

  @Test
  void grantAddsCreditUntilARelativeExpiry() {
    cli.plan("acme", Tier.FREE).use("acme", 100_000);

    InProcessCli.Result result = cli.run("grant", "acme", "50k", "--until", "+2d", "--reason", "JIRA-7", "--json");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    JSONObject grant = new JSONObject(result.out()).getJSONObject("grant");
    assertThat(grant.getString("kind")).isEqualTo("credit");
    assertThat(grant.getLong("amount")).isEqualTo(50_000);
    assertThat(grant.getString("validUntil")).isEqualTo("2026-11-27T10:00:00Z");
    assertThat(usage().granted()).isEqualTo(50_000);
    assertThat(usage().remaining()).isEqualTo(50_000);
  }

  @Test
  void grantUntilEndOfPeriodEndsAtTheTenantsResetTime() {
    cli.plan("acme", Tier.FREE);

    cli.run("grant", "acme", "1000", "--until", "end-of-period", "--reason", "JIRA-8");

    Grant grant = (Grant) cli.service().admin().entitlements(ACME).getFirst();
    assertThat(grant.validUntil()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
  }

  @Test
  void grantWithAnExpiryInThePastIsBadUsage() {
    InProcessCli.Result result = cli.run("grant", "acme", "1000", "--until", "-1d", "--reason", "JIRA-9");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).startsWith("quota grant: expires at must be in the future");
    assertThat(cli.service().admin().entitlements(ACME)).isEmpty();
  }

  @Test
  void grantWithoutUntilIsBadUsage() {
    InProcessCli.Result result = cli.run("grant", "acme", "1000", "--reason", "JIRA-9");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota grant: --until=WHEN is required (see 'quota grant --help')\n");
  }

  @Test
  void overrideTierRaisesTheLimitUntilItRevertsByItself() {
    cli.plan("acme", Tier.FREE).use("acme", 100_000);

    InProcessCli.Result result = cli.run("override-tier", "acme", "enterprise", "--until", "2026-11-28", "--reason",
        "JIRA-10: launch week");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).startsWith("acme is on tier enterprise until 2026-11-28 00:00:00 UTC (in 2d 14h), then "
        + "back to its plan's tier by itself");
    assertThat(usage().effectiveTier()).contains(Tier.ENTERPRISE);
    cli.clock.set("2026-11-28T00:00:00Z");
    assertThat(usage().effectiveTier()).contains(Tier.FREE);
  }

  @Test
  void overrideToATierTheCatalogueDoesNotKnowIsBadUsage() {
    InProcessCli.Result result = cli.run("override-tier", "acme", "platinum", "--until", "+1d", "--reason", "x");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota override-tier: tier must be one of the catalogue's tiers [free, pro, "
        + "enterprise], was 'platinum'\n");
  }

  @Test
  void bypassLetsABlockedTenantProceedWhileUsageIsStillShown() {
    cli.plan("acme", Tier.FREE).use("acme", 100_000);

    InProcessCli.Result result = cli.run("bypass", "acme", "--until", "+12h", "--reason", "INC-4: incident");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).contains("acme is not blocked until 2026-11-25 22:00:00 UTC (in 12h)");
    assertThat(cli.run("usage", "acme").exitCode()).isEqualTo(ExitCode.OK);
    assertThat(cli.service().guard().canProceed(ACME)).isTrue();
  }

  @Test
  void revokeEndsAGrantByTheIdItsCommandPrinted() {
    cli.plan("acme", Tier.FREE).use("acme", 100_000);
    String id = new JSONObject(cli.run("grant", "acme", "10k", "--until", "+1d", "--reason", "r", "--json").out())
        .getJSONObject("grant").getString("id");

    InProcessCli.Result result = cli.run("revoke", id, "--reason", "granted by mistake");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).startsWith("Revoked the credit of 10,000 ai-tokens of acme");
    assertThat(usage().granted()).isZero();
    assertThat(cli.service().admin().entitlements(ACME).getFirst().revocation()).isPresent();
  }

  @Test
  void revokingAnUnknownEntitlementIsRefused() {
    InProcessCli.Result result = cli.run("revoke", "3f0e8c1e-4b7a-4c55-9a53-2b1f7f1f0b11", "--reason", "r");

    assertThat(result.exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(result.err()).isEqualTo("quota revoke: no grant, override or bypass has id "
        + "3f0e8c1e-4b7a-4c55-9a53-2b1f7f1f0b11\n");
  }

  @Test
  void revokingSomethingThatIsNotAnIdIsBadUsage() {
    InProcessCli.Result result = cli.run("revoke", "grant-1", "--reason", "r");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota revoke: entitlement id must be a UUID, was 'grant-1'\n");
    assertThat(cli.opened).isEmpty();
  }

  @Test
  void planSetsTheTierAndBillingDay() {
    cli.plan("acme", Tier.FREE);

    InProcessCli.Result result = cli.run("plan", "acme", "pro", "--billing-day", "15", "--reason", "upgraded");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).startsWith("acme's plan is now pro, periods starting on day 15 (was free).");
    assertThat(usage().limit()).isEqualTo(1_000_000);
    assertThat(usage().period().start()).isEqualTo(Instant.parse("2026-11-15T00:00:00Z"));
  }

  @Test
  void aChangeAsJsonCarriesTheAuditEntryAndTheNewStanding() {
    cli.plan("acme", Tier.FREE).use("acme", 100_000);

    JSONObject result = new JSONObject(cli.run("reset", "acme", "--reason", "JIRA-2", "--json").out());

    assertThat(result.getJSONObject("audit").getString("operation")).isEqualTo("RESET_USAGE");
    assertThat(result.getJSONObject("audit").getString("reason")).isEqualTo("JIRA-2");
    assertThat(result.getJSONArray("grants").getJSONObject(0).getString("kind")).isEqualTo("reset");
    assertThat(result.getJSONObject("usage").getLong("granted")).isEqualTo(100_000);
    assertThat(result.getJSONObject("usage").getBoolean("blocked")).isFalse();
  }
}

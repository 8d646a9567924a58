package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.admin.PageRequest;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A tenant id quota does not know is most likely a typo: changes are refused with the known tenants it resembles
 * unless {@code --new-tenant} says it is meant, and reads say that it is unknown.
 */
class UnknownTenantCommandTest {
  private static final TenantId TYPO = TenantId.of("acmee");
  private final InProcessCli cli = new InProcessCli();

  private int auditEntries() {
    return cli.service().admin().audit(PageRequest.first(PageRequest.MAX_SIZE)).items().size();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "grant acmee 50k --until +1d",
      "reset acmee",
      "reset acmee --meter ai-tokens",
      "override-tier acmee enterprise --until +1d",
      "bypass acmee --until +4h",
      "plan acmee pro"})
  void aChangeToAMisspelledTenantIsRefusedWithTheTenantItResemblesAndChangesNothing(String command) {
    cli.plan("acme", Tier.FREE).use("acme", 100_000);
    int before = auditEntries();

    InProcessCli.Result result = cli.run((command + " --reason typo").split(" "));

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).endsWith(": tenant 'acmee' is unknown: it has no plan, usage, entitlements or audit "
        + "history; did you mean 'acme'? Nothing was changed; to act on a new tenant anyway, add --new-tenant\n");
    assertThat(result.out()).isEmpty();
    assertThat(auditEntries()).isEqualTo(before);
    assertThat(cli.service().admin().lookUp(TYPO).known()).isFalse();
    assertThat(cli.service().guard().usage(TenantId.of("acme")).blocked()).as("acme is still blocked").isTrue();
  }

  @Test
  void aTenantLikeNoKnownOneIsRefusedWithoutASuggestion() {
    InProcessCli.Result result = cli.run("grant", "newco", "5k", "--until", "+1d", "--reason", "trial");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota grant: tenant 'newco' is unknown: it has no plan, usage, entitlements "
        + "or audit history. Nothing was changed; to act on a new tenant anyway, add --new-tenant\n");
  }

  @Test
  void newTenantActsOnATenantQuotaDoesNotKnowYet() {
    InProcessCli.Result plan = cli.run("plan", "newco", "pro", "--new-tenant", "--reason", "CRM-1: signed");
    InProcessCli.Result grant = cli.run("grant", "other", "5k", "--until", "+1d", "--new-tenant", "--reason", "trial");

    assertThat(plan.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(plan.out()).startsWith("newco's plan is now pro (it had no plan).");
    assertThat(grant.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(cli.service().guard().usage(TenantId.of("other")).granted()).isEqualTo(5_000);
  }

  @Test
  void aKnownTenantNeedsNoFlag() {
    cli.plan("acme", Tier.FREE);

    assertThat(cli.run("plan", "acme", "pro", "--reason", "upgrade").exitCode()).isEqualTo(ExitCode.OK);
    assertThat(cli.run("grant", "acme", "5k", "--until", "+1d", "--reason", "goodwill").exitCode())
        .isEqualTo(ExitCode.OK);
  }

  @Test
  void usageOfAnUnknownTenantSaysSoAboveWhatWouldApply() {
    cli.plan("acme", Tier.FREE);

    InProcessCli.Result result = cli.run("usage", "acmee");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).startsWith("tenant 'acmee' is unknown: it has no plan, usage, entitlements or audit "
        + "history; did you mean 'acme'?\nWhat would apply to it:\ntenant     acmee\n");
  }

  @Test
  void usageAsJsonSaysWhetherTheTenantIsKnown() {
    cli.plan("acme", Tier.FREE);

    JSONObject unknown = new JSONObject(cli.run("usage", "acmee", "--json").out());
    JSONObject known = new JSONObject(cli.run("usage", "acme", "--json").out());

    assertThat(unknown.getBoolean("tenantKnown")).isFalse();
    assertThat(unknown.getJSONArray("didYouMean").toList()).containsExactly("acme");
    assertThat(known.getBoolean("tenantKnown")).isTrue();
    assertThat(known.getJSONArray("didYouMean").toList()).isEmpty();
  }

  @Test
  void auditAndVerifyOfAnUnknownTenantSaySo() {
    cli.plan("acme", Tier.FREE);

    assertThat(cli.run("audit", "acmee").out()).isEqualTo("tenant 'acmee' is unknown: it has no plan, usage, "
        + "entitlements or audit history; did you mean 'acme'?\n");
    assertThat(cli.run("verify", "acmee").out()).startsWith("tenant 'acmee' is unknown: it has no plan, usage, "
        + "entitlements or audit history; did you mean 'acme'?\n0 counters of 1 tenant checked");
  }

  @Test
  void aPurgeOfAnUnknownTenantIsRefusedWithoutOfferingNewTenant() {
    cli.plan("acme", Tier.FREE).use("acme", 10);

    InProcessCli.Result result = cli.run("purge", "acmee", "--since", "-1d", "--confirm", "acmee", "--reason", "x");
    InProcessCli.Result dryRun = cli.run("purge", "acmee", "--since", "-1d", "--dry-run");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota purge: tenant 'acmee' is unknown: it has no plan, usage, entitlements "
        + "or audit history; did you mean 'acme'? Nothing was changed\n");
    assertThat(dryRun.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(dryRun.out()).startsWith("tenant 'acmee' is unknown").contains("dry run: nothing deleted");
  }
}

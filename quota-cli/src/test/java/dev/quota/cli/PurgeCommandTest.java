package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.PageRequest;
import org.json.JSONObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PurgeCommandTest {
  private static final TenantId ACME = TenantId.of("acme");
  private final InProcessCli cli = new InProcessCli();

  @BeforeEach
  void twoEntriesOfUsage() {
    cli.plan("acme", Tier.FREE).use("acme", 30_000);
    cli.clock.set("2026-11-25T12:00:00Z");
    cli.use("acme", 20_000);
  }

  @Test
  void aDryRunShowsWhatWouldBeDeletedAndDeletesNothing() {
    InProcessCli.Result result = cli.run("purge", "acme", "--since", "2026-11-25", "--dry-run");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).isEqualTo("""
        Would delete:
        tenant     acme
        since      2026-11-25 00:00:00 UTC
        entries    2 ledger entries
        units      50,000 ai-tokens
        dry run: nothing deleted
        """);
    assertThat(cli.store.ledger(ACME)).hasSize(2);
  }

  @Test
  void aWrongTypedConfirmationDeletesNothingAndExitsOne() {
    InProcessCli.Result result = cli.runWithInput("acme-corp\n", "purge", "acme", "--since", "2026-11-25",
        "--reason", "GDPR-5");

    assertThat(result.exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(result.out()).startsWith("Would delete:");
    assertThat(result.err()).endsWith("quota purge: cancelled: 'acme-corp' is not the tenant id 'acme'; nothing was "
        + "deleted\n");
    assertThat(result.err()).startsWith("This deletes usage history and cannot be undone. Type the tenant id (acme) "
        + "to confirm: \nquota purge: cancelled");
    assertThat(cli.store.ledger(ACME)).hasSize(2);
  }

  @Test
  void noAnswerDeletesNothing() {
    InProcessCli.Result result = cli.runWithInput("", "purge", "acme", "--since", "2026-11-25", "--reason", "GDPR-5");

    assertThat(result.exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(result.err()).contains("cancelled: no tenant id was typed");
    assertThat(cli.store.ledger(ACME)).hasSize(2);
  }

  @Test
  void theTenantIdTypedAgainDeletesFromTheInstantOnAndIsAudited() {
    InProcessCli.Result result = cli.runWithInput("acme\n", "purge", "acme", "--since", "2026-11-25T11:00:00Z",
        "--reason", "GDPR-5");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).contains("units      20,000 ai-tokens", "Deleted 1 ledger entry of acme");
    assertThat(cli.store.ledger(ACME)).hasSize(1);
    assertThat(cli.service().guard().usage(ACME).used()).isEqualTo(30_000);
    assertThat(cli.service().admin().audit(ACME, PageRequest.first(1)).items().getFirst().operation())
        .isEqualTo(AdminOperation.PURGE_USAGE);
  }

  @Test
  void aScriptConfirmsWithTheOption() {
    InProcessCli.Result result = cli.run("purge", "acme", "--since", "start-of-period", "--confirm", "acme",
        "--reason", "test data", "--json");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    JSONObject document = new JSONObject(result.out());
    assertThat(document.getJSONObject("wouldDelete").getLong("entries")).isEqualTo(2);
    assertThat(document.getJSONObject("deleted").getJSONObject("amountByMeter").getLong("ai-tokens")).isEqualTo(50_000);
    assertThat(cli.store.ledger(ACME)).isEmpty();
  }

  @Test
  void nothingToDeleteAsksForNoConfirmation() {
    InProcessCli.Result result = cli.run("purge", "acme", "--since", "2026-11-25T13:00:00Z", "--reason", "GDPR-5");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).endsWith("nothing to delete\n");
    assertThat(result.err()).isEmpty();
  }
}

package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.TenantId;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.PageRequest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The one destructive command, behind a preview and a typed confirmation. */
class PurgeIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  private static long used(String tenant) {
    return db.service().guard().usage(TenantId.of(tenant)).used();
  }

  private static List<AuditEntry> audit(String tenant) {
    return db.service().admin().audit(TenantId.of(tenant), PageRequest.first(10)).items();
  }

  @Test
  void aDryRunShowsWhatWouldBeDeletedAndDeletesNothing() {
    db.use("dry", 30_000);
    db.use("dry", 20_000);

    CliJar.Result result = db.cli().run("purge", "dry", "--since", "start-of-period", "--dry-run");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).contains("Would delete:", "entries    2 ledger entries", "units      50,000 ai-tokens",
        "dry run: nothing deleted");
    assertThat(used("dry")).isEqualTo(50_000);
    assertThat(audit("dry")).isEmpty();
  }

  @Test
  void aWrongTypedConfirmationDeletesNothing() {
    db.use("wrong", 30_000);

    CliJar.Result result = db.cli().runWithInput("wrang\n", "purge", "wrong", "--since", "start-of-period",
        "--reason", "GDPR-5");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.out()).contains("Would delete:", "units      30,000 ai-tokens");
    assertThat(result.err()).contains("Type the tenant id (wrong) to confirm: ")
        .endsWith("quota purge: cancelled: 'wrang' is not the tenant id 'wrong'; nothing was deleted\n");
    assertThat(used("wrong")).isEqualTo(30_000);
    assertThat(audit("wrong")).isEmpty();
  }

  @Test
  void theTenantIdTypedAgainDeletesAndThePurgeIsAudited() {
    db.use("erase", 30_000);

    CliJar.Result result = db.cli().runWithInput("erase\n", "purge", "erase", "--since", "start-of-period",
        "--reason", "GDPR-6: erasure request");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).contains("Deleted 1 ledger entry of erase");
    assertThat(used("erase")).isZero();
    assertThat(audit("erase").getFirst().operation()).isEqualTo(AdminOperation.PURGE_USAGE);
    assertThat(db.cli().run("verify", "erase").exitCode()).isZero();
  }
}

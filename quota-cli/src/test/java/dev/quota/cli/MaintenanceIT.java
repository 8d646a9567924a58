package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.TenantId;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Archival and verification, from the jar. */
class MaintenanceIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  @Test
  void archiveMovesOldEntriesAndBalancesStayTheSame() {
    db.use("archived", 1_000);
    db.use("archived", 2_000);

    CliJar.Result result = db.cli().run("archive", "--before", "+1m", "--json");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(new JSONObject(result.out()).getLong("entries")).isGreaterThanOrEqualTo(2);
    assertThat(db.service().guard().usage(TenantId.of("archived")).used()).isEqualTo(3_000);
    CliJar.Result verify = db.cli().run("verify", "archived");
    assertThat(verify.exitCode()).isZero();
    assertThat(verify.out()).contains("3,000   3,000  consistent");
  }

  @Test
  void verifyFindsACounterChangedOutsideQuotaAndExitsOne() throws Exception {
    db.use("tampered", 500);
    db.execute("UPDATE " + db.schema() + ".counter SET used = used + 5 WHERE tenant_id = ?", "tampered");

    CliJar.Result result = db.cli().run("verify", "tampered");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.out()).contains("505     500  DRIFT +5", "1 counter of 1 tenant checked: 1 drifted");
  }

  @Test
  void verifyWithoutTenantChecksEveryTenantWithUsage() {
    db.use("v1", 1);
    db.use("v2", 2);

    JSONObject result = new JSONObject(db.cli().run("verify", "--json").out());

    assertThat(result.getJSONArray("tenants").toList()).contains("v1", "v2");
  }
}

package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Services that keep tiers in their own table (the seed's {@code "user".tier}): the jar reads them there too. */
class HostPlansIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  private static String plansFrom;

  @BeforeAll
  static void aHostTableOfUsersWithTheirTiers() throws Exception {
    String host = db.newSchemaName("host");
    db.execute("CREATE SCHEMA " + host);
    db.execute("CREATE TABLE " + host + ".\"user\" (id bigint PRIMARY KEY, tier text)");
    db.execute("INSERT INTO " + host + ".\"user\" (id, tier) VALUES (?, ?)", 42L, "enterprise");
    plansFrom = host + ".user(id:bigint,tier)";
  }

  @Test
  void usageTakesTheTierFromTheHostsTable() {
    CliJar.Result result = db.cli().run("--plans-from", plansFrom, "usage", "42");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("tier       enterprise (the plan's tier)", "limit      10,000,000");
  }

  @Test
  void withoutTheOptionTheSameTenantHasNoPlan() {
    assertThat(db.cli().run("usage", "42").out()).contains("tier       free (default tier: the tenant has no plan)",
        "tiers      the library's defaults: no service has recorded its configuration in schema " + db.schema());
  }

  @Test
  void planIsRefusedAndTheTierIsChangedInTheHostsTableInstead() {
    CliJar.Result result = db.cli().run("--plans-from", plansFrom, "plan", "42", "free", "--reason", "downgrade");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).startsWith("quota plan: tiers come from the host's table " + plansFrom);
  }
}

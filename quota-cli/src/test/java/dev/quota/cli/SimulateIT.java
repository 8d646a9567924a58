package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.json.JSONArray;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code quota simulate} on PostgreSQL, on the real date: then {@code quota top} has tenants to show. */
class SimulateIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  @Test
  void topShowsTheSimulatedTenantsNow() {
    CliJar.Result simulate = db.cli().run("simulate", "--tenants", "15", "--minutes", "0.05", "--seed", "42");

    assertThat(simulate.exitCode()).as(simulate.err()).isZero();
    assertThat(simulate.out()).contains("Simulated 15 tenants for 3s: ");

    CliJar.Result top = db.cli().run("top", "--json");
    JSONArray tenants = new JSONObject(top.out()).getJSONArray("tenants");
    assertThat(tenants.length()).isEqualTo(15);
    for (int i = 0; i < tenants.length(); i++) {
      JSONObject report = tenants.getJSONObject(i);
      assertThat(report.getString("tenant")).startsWith("sim-");
      assertThat(report.getLong("used")).isPositive();
    }
    CliJar.Result table = db.cli().run("top", "--limit", "3");
    assertThat(table.out().lines().skip(1).limit(3)).hasSize(3).allSatisfy(line -> assertThat(line).contains("sim-"));
    assertThat(table.out()).endsWith("(more tenants follow: raise --limit)\ntiers the library's defaults: no service "
        + "has recorded its configuration in schema " + db.schema() + "\n");
  }
}

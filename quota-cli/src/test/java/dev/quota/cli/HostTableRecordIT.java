package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Quota;
import dev.quota.admin.TenantKey;
import dev.quota.jooq.PostgresQuotaStore;
import org.jooq.impl.SQLDataType;
import org.json.JSONObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A service that reads tiers from its own user table records so at its start: the jar reads tiers there without
 * being told, and refuses to write a plan the service would ignore.
 */
class HostTableRecordIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  private static PostgresQuotaStore store;
  private static String host;

  @BeforeAll
  static void theServiceReadsTiersFromItsUserTable() throws Exception {
    host = db.newSchemaName("host");
    db.execute("CREATE SCHEMA " + host);
    db.execute("CREATE TABLE " + host + ".app_user (id bigint PRIMARY KEY, email text NOT NULL, tier text)");
    db.execute("INSERT INTO " + host + ".app_user (id, email, tier) VALUES (?, ?, ?)", 42L, "Alice@Example.com",
        "enterprise");
    db.execute("INSERT INTO " + host + ".app_user (id, email, tier) VALUES (?, ?, ?)", 43L, "bob@example.com", "pro");
    db.execute("INSERT INTO " + host + ".app_user (id, email, tier) VALUES (?, ?, ?)", 44L, "shared@example.com",
        "pro");
    db.execute("INSERT INTO " + host + ".app_user (id, email, tier) VALUES (?, ?, ?)", 45L, "SHARED@example.com",
        "free");
    store = PostgresQuotaStore.builder().dataSource(CliSchema.dataSource()).schema(db.schema()).strict()
        .listenForChanges(false).plansFromHostTable(host, "app_user", "id", "tier", SQLDataType.BIGINT).build();
    Quota.builder().store(store).tenantKey(new TenantKey(host, "app_user", "email", "id"))
        .recordServiceConfiguration("planner", "2.0.0").build();
  }

  @AfterAll
  static void closeTheStore() {
    store.close();
  }

  @Test
  void usageReadsTheTierFromTheTableTheServiceRecorded() {
    CliJar.Result result = db.cli().run("usage", "42");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("tier       enterprise (the plan's tier)", "limit      10,000,000",
        "tiers      as recorded by planner 2.0.0 at ");
  }

  @Test
  void planIsRefusedSayingToChangeTheHostsTable() {
    CliJar.Result result = db.cli().run("plan", "43", "enterprise", "--reason", "upgrade");

    assertThat(result.exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(result.err()).startsWith("quota plan: tiers come from the host's table " + host
        + ".app_user(id:bigint,tier) (as recorded by planner 2.0.0 at ").contains("change the tier there")
        .contains("nothing was changed");
    assertThat(db.cli().run("audit", "43").out()).doesNotContain("SET_PLAN");
  }

  @Test
  void findPrintsTheTenantOfAnEmailAddressWithoutRegardToCase() {
    CliJar.Result result = db.cli().run("find", "alice@example.COM");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).isEqualTo("42\n");
  }

  @Test
  void findSaysSoWhenNoTenantMatches() {
    CliJar.Result result = db.cli().run("find", "carol@example.com");

    assertThat(result.exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(result.out()).isEqualTo("no tenant: no row of " + host + ".app_user.email -> id matches "
        + "'carol@example.com'\n");
  }

  @Test
  void findListsEveryTenantOfAnAddressSharedByTwoRows() {
    CliJar.Result result = db.cli().run("find", "shared@example.com", "--json");

    assertThat(result.exitCode()).isZero();
    assertThat(new JSONObject(result.out()).getJSONArray("tenants").toList()).containsExactly("44", "45");
  }

  @Test
  void aChangeGivenAnEmailAddressActsOnItsTenantAndSaysWhichOne() {
    CliJar.Result result = db.cli().run("grant", "alice@example.com", "1000", "--until", "+1d", "--reason",
        "SUP-7: found by e-mail");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.err()).startsWith("quota: alice@example.com is tenant 42 (" + host + ".app_user.email -> id)");
    assertThat(db.cli().run("audit", "42").out()).contains("GRANT_CREDIT", "SUP-7: found by e-mail");
  }

  @Test
  void aChangeGivenAnAmbiguousAddressIsRefusedListingTheCandidates() {
    CliJar.Result result = db.cli().run("reset", "shared@example.com", "--reason", "SUP-8");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).contains("'shared@example.com' matches several tenants in " + host
        + ".app_user.email -> id: 44, 45; give the tenant id; nothing was changed");
    assertThat(db.cli().run("audit", "44").out()).doesNotContain("RESET_USAGE");
  }
}

package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.Window;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.PageRequest;
import dev.quota.period.PeriodPolicy;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.json.JSONArray;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;

/** {@code quota parent}, {@code quota tree} and what {@code quota usage} adds for trees and windows. */
class ParentAndTreeCommandTest {
  private final InProcessCli cli = new InProcessCli();

  private InProcessCli.Result parent(String tenant, String parent) {
    return cli.run("--actor", "alice", "parent", tenant, parent, "--reason", "CRM-7: org chart");
  }

  /** acme > {eu > {team-a, team-b}, us}, each with a plan and some usage recorded after the tree was built. */
  private void organisation() {
    for (String tenant : List.of("acme", "eu", "us", "team-a", "team-b")) {
      cli.plan(tenant, Tier.ENTERPRISE);
    }
    assertThat(parent("eu", "acme").exitCode()).isZero();
    assertThat(parent("us", "acme").exitCode()).isZero();
    assertThat(parent("team-a", "eu").exitCode()).isZero();
    assertThat(parent("team-b", "eu").exitCode()).isZero();
    cli.use("team-a", 1_000_000).use("team-b", 500_000).use("us", 250_000);
  }

  @Test
  void parentHangsATenantUnderAnotherAndAuditsIt() {
    cli.plan("acme", Tier.ENTERPRISE).plan("acme-ml", Tier.PRO);

    InProcessCli.Result result = parent("acme-ml", "acme");

    assertThat(result.exitCode()).isZero();
    assertThat(result.err()).isEmpty();
    assertThat(result.out()).startsWith("acme-ml's parent is now acme (it was a root).\npath       acme > acme-ml\n"
        + "now: acme-ml ai-tokens on pro, used 0 of 1,000,000");
    assertThat(cli.service().admin().parentOf(TenantId.of("acme-ml"))).contains(TenantId.of("acme"));
    AuditEntry audit = cli.service().admin().audit(TenantId.of("acme-ml"), PageRequest.first(10)).items().get(0);
    assertThat(audit.operation()).isEqualTo(AdminOperation.SET_PARENT);
    assertThat(audit.actor()).isEqualTo(Actor.of("alice"));
    assertThat(audit.reason()).isEqualTo("CRM-7: org chart");
    assertThat(audit.details()).containsEntry("parent", "acme");
  }

  @Test
  void clearMakesATenantARootAndJsonSaysWhatItWas() {
    cli.plan("acme", Tier.ENTERPRISE).plan("acme-ml", Tier.PRO);
    parent("acme-ml", "acme");

    InProcessCli.Result result = cli.run("parent", "acme-ml", "--clear", "--reason", "spun off", "--json");

    assertThat(result.exitCode()).isZero();
    JSONObject json = new JSONObject(result.out());
    assertThat(json.getString("tenant")).isEqualTo("acme-ml");
    assertThat(json.isNull("parent")).isTrue();
    assertThat(json.getString("previousParent")).isEqualTo("acme");
    assertThat(json.getJSONArray("path").toList()).containsExactly("acme-ml");
    assertThat(json.getJSONObject("audit").getString("operation")).isEqualTo("SET_PARENT");
    assertThat(json.getJSONObject("usage").getString("tenant")).isEqualTo("acme-ml");
    assertThat(cli.service().admin().parentOf(TenantId.of("acme-ml"))).isEmpty();
  }

  @Test
  void aCycleOrTheTenantItselfIsRefusedNamingTheFieldAndNothingChanges() {
    organisation();

    InProcessCli.Result cycle = parent("acme", "team-a");
    InProcessCli.Result self = parent("eu", "eu");

    assertThat(cycle.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(cycle.err()).isEqualTo("quota parent: parent would close a cycle: 'acme' is an ancestor of 'team-a'. "
        + "Nothing was changed\n");
    assertThat(cycle.out()).isEmpty();
    assertThat(self.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(self.err()).startsWith("quota parent: parent must not be the tenant itself: 'eu'");
    assertThat(cli.service().admin().parentOf(TenantId.of("acme"))).isEmpty();
    assertThat(cli.service().admin().parentOf(TenantId.of("eu"))).contains(TenantId.of("acme"));
  }

  @Test
  void aTreeDeeperThanTheLibraryAllowsIsRefused() {
    List<String> chain = List.of("l1", "l2", "l3", "l4", "l5", "l6");
    chain.forEach(t -> cli.plan(t, Tier.PRO));
    for (int i = 1; i < 5; i++) {
      assertThat(parent(chain.get(i), chain.get(i - 1)).exitCode()).isZero();
    }

    InProcessCli.Result result = parent("l6", "l5");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).startsWith("quota parent: parent would make a path longer than "
        + "QuotaAdmin.MAX_TREE_DEPTH (5 levels)");
  }

  @Test
  void anUnknownTenantOrParentIsRefusedAsALikelyTypoUnlessNew() {
    cli.plan("acme", Tier.ENTERPRISE).plan("acme-ml", Tier.PRO);

    InProcessCli.Result unknownParent = parent("acme-ml", "acmee");
    InProcessCli.Result unknownTenant = parent("acme-mll", "acme");
    InProcessCli.Result anyway = cli.run("parent", "acme-ai", "acme", "--new-tenant", "--reason", "new team");

    assertThat(unknownParent.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(unknownParent.err()).startsWith("quota parent: PARENT: tenant 'acmee' is unknown")
        .contains("acme").contains("Nothing was changed");
    assertThat(unknownTenant.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(unknownTenant.err()).startsWith("quota parent: tenant 'acme-mll' is unknown");
    assertThat(cli.service().admin().parentOf(TenantId.of("acme-ml"))).isEmpty();
    assertThat(anyway.exitCode()).isZero();
    assertThat(cli.service().admin().parentOf(TenantId.of("acme-ai"))).contains(TenantId.of("acme"));
  }

  @Test
  void parentNeedsEitherAParentOrClearAndAReasonBeforeConnecting() {
    InProcessCli.Result neither = cli.run("parent", "acme-ml", "--reason", "x");
    InProcessCli.Result both = cli.run("parent", "acme-ml", "acme", "--clear", "--reason", "x");
    InProcessCli.Result noReason = cli.run("parent", "acme-ml", "acme");

    assertThat(neither.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(neither.err()).isEqualTo("quota parent: PARENT is required (or --clear to make acme-ml a root)\n");
    assertThat(both.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(both.err()).isEqualTo("quota parent: give PARENT or --clear, not both\n");
    assertThat(noReason.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(noReason.err()).contains("--reason is required");
    assertThat(cli.opened).isEmpty();
  }

  @Test
  void treePrintsTheSubtreeIndentedWithEachLevelsUsageAndTheAncestorsAbove() {
    organisation();

    InProcessCli.Result result = cli.run("tree", "eu");

    assertThat(result.exitCode()).isZero();
    assertThat(result.err()).isEmpty();
    assertThat(result.out()).isEqualTo("""
        path       acme > eu
        meter      ai-tokens; a level's usage includes its descendants'
        TENANT    TIER        USAGE                               USED  LIMIT+GRANTED  REMAINING  STATUS
        eu        enterprise  [###.................]  15.0%  1,500,000     10,000,000  8,500,000  open
          team-a  enterprise  [##..................]  10.0%  1,000,000     10,000,000  9,000,000  open
          team-b  enterprise  [#...................]   5.0%    500,000     10,000,000  9,500,000  open
        2 tenants under eu
        """);
  }

  @Test
  void treeOfTheRootShowsEveryLevelAndJsonNestsThem() {
    organisation();

    String text = cli.run("tree", "acme").out();
    JSONObject json = new JSONObject(cli.run("tree", "acme", "--json").out());

    assertThat(text).startsWith("path       acme (a root)\n").contains("\nacme        enterprise",
        "\n  eu        enterprise", "\n    team-a  enterprise", "\n    team-b  enterprise", "\n  us        enterprise",
        "4 tenants under acme");
    assertThat(text.indexOf("team-b")).isLessThan(text.indexOf("  us "));
    assertThat(json.getJSONArray("ancestors").toList()).isEmpty();
    assertThat(json.getBoolean("truncated")).isFalse();
    JSONObject root = json.getJSONObject("tree");
    assertThat(root.getString("tenant")).isEqualTo("acme");
    assertThat(root.getLong("used")).isEqualTo(1_750_000);
    JSONArray children = root.getJSONArray("children");
    assertThat(children.length()).isEqualTo(2);
    JSONObject eu = children.getJSONObject(0);
    assertThat(eu.getString("tenant")).isEqualTo("eu");
    assertThat(eu.getLong("used")).isEqualTo(1_500_000);
    assertThat(eu.getJSONArray("children").getJSONObject(1).getString("tenant")).isEqualTo("team-b");
    assertThat(eu.getJSONArray("children").getJSONObject(1).getJSONArray("children").length()).isZero();
    assertThat(children.getJSONObject(1).getLong("remaining")).isEqualTo(9_750_000);
  }

  @Test
  void treeOfALeafShowsItAloneUnderItsAncestors() {
    organisation();

    InProcessCli.Result result = cli.run("tree", "team-a", "--json");

    JSONObject json = new JSONObject(result.out());
    assertThat(json.getJSONArray("ancestors").toList()).containsExactly("acme", "eu");
    assertThat(json.getJSONObject("tree").getJSONArray("children").length()).isZero();
    assertThat(cli.run("tree", "team-a").out()).contains("path       acme > eu > team-a\n", "0 tenants under team-a");
  }

  @Test
  void treePagesThroughManyChildren() {
    cli.plan("acme", Tier.ENTERPRISE);
    int count = TenantTree.PAGE_SIZE + 5;
    for (int i = 0; i < count; i++) {
      cli.service().admin().acceptingNewTenants().setParent(TenantId.of(String.format("key-%03d", i)),
          TenantId.of("acme"), Actor.of("ops"), "keys");
    }

    JSONObject json = new JSONObject(cli.run("tree", "acme", "--json").out());

    assertThat(json.getJSONObject("tree").getJSONArray("children").length()).isEqualTo(count);
  }

  @Test
  void usageShowsTheParentAndTheAncestorsCounters() {
    organisation();

    InProcessCli.Result result = cli.run("usage", "team-a");
    JSONObject json = new JSONObject(cli.run("usage", "team-a", "--json").out());

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).contains("parent     eu\n", "limits on the path (a write must fit each):\n",
        "  eu (parent)  period  [###.................]  15.0%  1,500,000  10,000,000  8,500,000  open",
        "  acme (2 up)  period  [#");
    assertThat(json.getString("parent")).isEqualTo("eu");
    JSONArray levels = json.getJSONArray("levels");
    assertThat(levels.length()).isEqualTo(2);
    assertThat(levels.getJSONObject(0).getString("level")).isEqualTo("eu");
    assertThat(levels.getJSONObject(0).getInt("levelsUp")).isEqualTo(1);
    assertThat(levels.getJSONObject(0).getString("window")).isEqualTo("period");
    assertThat(levels.getJSONObject(1).getLong("used")).isEqualTo(1_750_000);
  }

  @Test
  void usageOfAFlatTenantAddsNothingButAnEmptyPath() {
    cli.plan("solo", Tier.PRO).use("solo", 10);

    String text = cli.run("usage", "solo").out();
    JSONObject json = new JSONObject(cli.run("usage", "solo", "--json").out());

    assertThat(text).doesNotContain("parent").doesNotContain("limits on the path");
    assertThat(json.isNull("parent")).isTrue();
    assertThat(json.getJSONArray("levels").length()).isZero();
  }

  @Test
  void usageShowsEachWindowOfTheRecordedCatalogueAndExitsOneWhenAWindowIsFull() {
    TierCatalogue catalogue = TierCatalogue.builder()
        .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 100_000L))
        .tier(Tier.PRO, Map.of(Meter.AI_TOKENS, 1_000_000L))
        .limit(Tier.PRO, Meter.AI_TOKENS, Window.MINUTE, 60_000)
        .limit(Tier.PRO, Meter.AI_TOKENS, Window.DAY, 500_000)
        .defaultTier(Tier.FREE)
        .build();
    Quota service = Quota.builder().store(cli.store).clock(cli.clock).catalogue(catalogue)
        .recordServiceConfiguration("planner", "2.0.0").build();
    cli.plan("acme", Tier.PRO);
    service.guard().record(UsageEvent.of(TenantId.of("acme"), Meter.AI_TOKENS, 45_000,
        UsageKey.of(UUID.randomUUID().toString())));

    InProcessCli.Result open = cli.run("usage", "acme");
    JSONObject json = new JSONObject(cli.run("usage", "acme", "--json").out());
    service.guard().record(UsageEvent.of(TenantId.of("acme"), Meter.AI_TOKENS, 15_000,
        UsageKey.of(UUID.randomUUID().toString())));
    InProcessCli.Result full = cli.run("usage", "acme");

    assertThat(open.exitCode()).isZero();
    assertThat(open.out()).contains("limits on the path (a write must fit each):\n",
        "  acme   day     [#...................]   9.0%  45,000  500,000    455,000  open    2026-11-26 00:00:00 UTC "
            + "(in 14h)",
        "  acme   minute  [###############.....]  75.0%  45,000   60,000     15,000  open",
        "tiers      as recorded by planner 2.0.0");
    assertThat(open.out().indexOf(" day ")).isLessThan(open.out().indexOf(" minute "));
    assertThat(json.getJSONArray("levels").length()).isEqualTo(2);
    JSONObject minute = json.getJSONArray("levels").getJSONObject(1);
    assertThat(minute.getString("window")).isEqualTo("minute");
    assertThat(minute.getInt("levelsUp")).isZero();
    assertThat(minute.getLong("ceiling")).isEqualTo(60_000);
    assertThat(minute.getJSONObject("period").getString("start")).isEqualTo("2026-11-25T10:00:00Z");
    assertThat(full.exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(full.out()).contains("status     open", "  acme   minute  [####################] 100.0%  60,000   "
        + "60,000          0  BLOCKED");
  }
}

package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.Window;
import dev.quota.admin.Actor;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.period.PeriodPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.json.JSONArray;
import org.json.JSONObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tenant trees and short windows with the jar on PostgreSQL: a tree built with {@code quota parent}, printed by
 * {@code quota tree}, a cycle refused, and {@code quota usage} with the windows the service recorded.
 */
class PathsIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  private static PostgresQuotaStore store;
  private static Quota service;

  /** The service's tiers: pro has 60,000 ai-tokens a minute besides 1,000,000 a month. */
  static TierCatalogue servicesTiers() {
    return TierCatalogue.builder()
        .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 100_000L))
        .tier(Tier.PRO, Map.of(Meter.AI_TOKENS, 1_000_000L))
        .tier(Tier.ENTERPRISE, Map.of(Meter.AI_TOKENS, 10_000_000L))
        .limit(Tier.PRO, Meter.AI_TOKENS, Window.MINUTE, 60_000)
        .defaultTier(Tier.FREE)
        .build();
  }

  @BeforeAll
  static void theServiceStartsAndRecordsItsTiers() {
    store = PostgresQuotaStore.builder().dataSource(CliSchema.dataSource()).schema(db.schema()).strict()
        .listenForChanges(false).build();
    service = Quota.builder().store(store).catalogue(servicesTiers())
        .recordServiceConfiguration("planner", "3.0.0").build();
    for (String tenant : List.of("acme", "eu", "us", "team-a", "globex")) {
      service.admin().setPlan(TenantId.of(tenant), Plan.of(Tier.ENTERPRISE), Actor.of("billing"), "subscribed");
    }
    service.admin().setPlan(TenantId.of("api-key"), Plan.of(Tier.PRO), Actor.of("billing"), "subscribed");
  }

  @AfterAll
  static void closeTheStore() {
    store.close();
  }

  private static CliJar.Result parent(String tenant, String parent) {
    return db.cli().run("--actor", "alice", "parent", tenant, parent, "--reason", "CRM-12: org chart");
  }

  private static void use(String tenant, long tokens) {
    service.guard().record(UsageEvent.of(TenantId.of(tenant), Meter.AI_TOKENS, tokens,
        UsageKey.of(UUID.randomUUID().toString())));
  }

  @Test
  void aTreeBuiltWithParentIsPrintedByTreeWithUsageAtEveryLevelAndACycleIsRefused() {
    CliJar.Result first = parent("eu", "acme");
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out()).startsWith("eu's parent is now acme (it was a root).\npath       acme > eu\n");
    assertThat(parent("us", "acme").exitCode()).isZero();
    assertThat(parent("team-a", "eu").exitCode()).isZero();
    use("team-a", 400_000);
    use("us", 100_000);

    CliJar.Result tree = db.cli().run("tree", "acme");
    CliJar.Result json = db.cli().run("tree", "eu", "--json");
    CliJar.Result cycle = parent("acme", "team-a");

    assertThat(tree.exitCode()).as(tree.err()).isZero();
    assertThat(tree.out()).startsWith("path       acme (a root)\n").contains(
        "\nacme        enterprise  [#...................]   5.0%  500,000     10,000,000  9,500,000  open\n",
        "\n  eu        enterprise  [....................]   4.0%  400,000     10,000,000  9,600,000  open\n",
        "\n    team-a  enterprise  [....................]   4.0%  400,000     10,000,000  9,600,000  open\n",
        "\n  us        enterprise  [....................]   1.0%  100,000     10,000,000  9,900,000  open\n",
        "3 tenants under acme");
    JSONObject document = new JSONObject(json.out());
    assertThat(document.getJSONArray("ancestors").toList()).containsExactly("acme");
    JSONObject eu = document.getJSONObject("tree");
    assertThat(eu.getString("tenant")).isEqualTo("eu");
    assertThat(eu.getLong("used")).isEqualTo(400_000);
    assertThat(eu.getJSONArray("children").getJSONObject(0).getString("tenant")).isEqualTo("team-a");
    assertThat(cycle.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(cycle.err()).isEqualTo("quota parent: parent would close a cycle: 'acme' is an ancestor of 'team-a'. "
        + "Nothing was changed\n");
    assertThat(service.admin().parentOf(TenantId.of("acme"))).isEmpty();
  }

  @Test
  void usageShowsTheParentAndTheWindowTheServiceRecorded() {
    assertThat(parent("api-key", "globex").exitCode()).isZero();
    Instant recorded = Instant.now();
    use("api-key", 45_000);

    CliJar.Result text = db.cli().run("usage", "api-key");
    JSONObject json = new JSONObject(db.cli().run("usage", "api-key", "--json").out());

    assertThat(text.exitCode()).as(text.err()).isZero();
    assertThat(text.out()).contains("parent     globex\n", "limits on the path (a write must fit each):\n",
        "tiers      as recorded by planner 3.0.0").containsPattern("\n  api-key\\s+minute\\s+\\[")
        .containsPattern("\n  globex \\(parent\\)\\s+period\\s+\\[\\.+\\]\\s+0\\.\\d%\\s+45,000\\s+10,000,000");
    assertThat(json.getString("parent")).isEqualTo("globex");
    JSONArray levels = json.getJSONArray("levels");
    JSONObject minute = levels.getJSONObject(0);
    assertThat(minute.getString("level")).isEqualTo("api-key");
    assertThat(minute.getString("window")).isEqualTo("minute");
    assertThat(minute.getLong("ceiling")).isEqualTo(60_000);
    // the usage counts in the minute it was recorded in; the report may already be in the next one
    Instant windowStart = Instant.parse(minute.getJSONObject("period").getString("start"));
    long expected = Window.MINUTE.at(recorded).start().equals(windowStart) ? 45_000 : 0;
    assertThat(minute.getLong("used")).isEqualTo(expected);
    // then the parent's period, and its minute: counted at every level, without a limit for enterprise
    assertThat(levels.length()).isEqualTo(3);
    assertThat(levels.getJSONObject(1).getString("level")).isEqualTo("globex");
    assertThat(levels.getJSONObject(1).getString("window")).isEqualTo("period");
    assertThat(levels.getJSONObject(1).getLong("used")).isEqualTo(45_000);
    assertThat(levels.getJSONObject(2).getString("window")).isEqualTo("minute");
    assertThat(levels.getJSONObject(2).isNull("ceiling")).isTrue();
    assertThat(levels.getJSONObject(2).getLong("used")).isEqualTo(expected);
  }
}

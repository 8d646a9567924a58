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
import dev.quota.admin.Actor;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.period.PeriodPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service with tiers of its own records them at its start; the jar shows tenants with those tiers by default, and
 * warns when told otherwise.
 */
class ServiceRecordIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  private static PostgresQuotaStore store;

  /** The service's own tiers: not the library's defaults. */
  static TierCatalogue servicesTiers() {
    return TierCatalogue.builder()
        .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 500L))
        .tier(Tier.PRO, Map.of(Meter.AI_TOKENS, 5_000L))
        .defaultTier(Tier.FREE)
        .build();
  }

  @BeforeAll
  static void theServiceStartsAndRecordsItsTiers() {
    store = PostgresQuotaStore.builder().dataSource(CliSchema.dataSource()).schema(db.schema()).strict()
        .listenForChanges(false).build();
    Quota service = Quota.builder().store(store).catalogue(servicesTiers())
        .recordServiceConfiguration("planner", "1.4.2").build();
    service.admin().setPlan(TenantId.of("acme"), Plan.of(Tier.PRO), Actor.of("billing"), "subscribed");
    service.guard().record(UsageEvent.of(TenantId.of("acme"), Meter.AI_TOKENS, 1_000, UsageKey.of("k1")));
  }

  @AfterAll
  static void closeTheStore() {
    store.close();
  }

  @Test
  void usageShowsTheTiersTheServiceRecordedAndSaysWhoRecordedThem() {
    CliJar.Result result = db.cli().run("usage", "acme");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("limit      5,000", "used       1,000")
        .containsPattern("tiers      as recorded by planner 1.4.2 at \\d{4}-\\d\\d-\\d\\d \\S+ \\S+ \\(version 1\\)");
    assertThat(result.err()).isEmpty();
  }

  @Test
  void aCatalogueThatDisagreesWithTheRecordIsUsedWithAWarningNamingWhatDiffers(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tiers.properties");
    Files.writeString(file, """
        meters = ai-tokens
        meter.ai-tokens.period = calendar-month UTC
        tiers = free, pro
        tier.free.ai-tokens = 500
        tier.pro.ai-tokens = 1M
        default-tier = free
        """);

    CliJar.Result result = db.cli().run("--catalogue", file.toString(), "usage", "acme");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("limit      1,000,000");
    assertThat(result.err().lines().toList()).singleElement().asString()
        .startsWith("quota: warning: --catalogue " + file + " disagrees with what planner 1.4.2 at ")
        .endsWith("recorded (recorded -> given): tier.pro.ai-tokens: 5000 -> 1000000");
  }

  @Test
  void aCatalogueThatAgreesWithTheRecordIsUsedSilently(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tiers.properties");
    Files.writeString(file, """
        meters = ai-tokens
        meter.ai-tokens.period = calendar-month UTC
        tiers = free, pro
        tier.free.ai-tokens = 500
        tier.pro.ai-tokens = 5000
        default-tier = free
        """);

    CliJar.Result result = db.cli().run("--catalogue", file.toString(), "usage", "acme");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.err()).isEmpty();
  }

  @Test
  void plansFromAHostTableTheServiceDoesNotReadWarns() throws Exception {
    String host = db.newSchemaName("host");
    db.execute("CREATE SCHEMA " + host);
    db.execute("CREATE TABLE " + host + ".account (id text PRIMARY KEY, tier text)");

    CliJar.Result result = db.cli().run("--plans-from", host + ".account(id,tier)", "usage", "acme");

    assertThat(result.err()).startsWith("quota: warning: --plans-from disagrees with what planner 1.4.2 at ")
        .contains("plans: quota -> host-table");
  }
}

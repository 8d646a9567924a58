package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.PlanFallback;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.admin.PageRequest;
import dev.quota.admin.TenantStatus;
import dev.quota.admin.UsageQuery;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.period.PeriodPolicy;
import dev.quota.testkit.TestClock;
import java.util.List;
import java.util.Map;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin listing with plans in the host's table: the tier column may hold anything (a declared tier, an undeclared
 * one, text that is no tier name, nothing), and the listing ranks and filters each as the usage report reads it.
 */
class HostPlanListingTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Meter TOKENS = Meter.of("host-listed");

  @Test
  void theListingReadsTiersFromTheHostsTableAsTheReportsDo() throws java.sql.SQLException {
    DB.execute("CREATE TABLE \"" + DB.schema() + "\".\"account\" (id bigint PRIMARY KEY, plan text)");
    DB.execute("INSERT INTO \"" + DB.schema() + "\".\"account\" VALUES (1, 'pro'), (2, 'free'), (3, 'gold'), "
        + "(4, 'not a tier!'), (5, NULL)");
    // No plan: rejected (a ceiling of 0); an undeclared tier: the default, free.
    TierCatalogue catalogue = TierCatalogue.builder()
        .meter(TOKENS, PeriodPolicy.calendarMonth())
        .tier(Tier.FREE, Map.of(TOKENS, 1_000L))
        .tier(Tier.PRO, Map.of(TOKENS, 10_000L))
        .defaultTier(Tier.FREE)
        .whenNoPlan(PlanFallback.REJECT)
        .whenUnknownTier(PlanFallback.USE_DEFAULT_TIER)
        .build();
    try (PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema())
        .plansFromHostTable(DB.schema(), "account", "id", "plan", SQLDataType.BIGINT).build()) {
      Quota quota = Quota.builder().store(store).catalogue(catalogue).clock(TestClock.at("2026-11-25T10:00:00Z"))
          .build();
      List<TenantId> tenants = List.of(TenantId.of("1"), TenantId.of("2"), TenantId.of("3"), TenantId.of("4"),
          TenantId.of("5"), TenantId.of("6"));
      for (TenantId tenant : tenants) {
        quota.guard().record(UsageEvent.of(tenant, TOKENS, 500, UsageKey.random()));
      }

      List<UsageReport> listed = quota.admin().listUsage(UsageQuery.all().meter(TOKENS), PageRequest.first(10))
          .items();
      List<UsageReport> blocked = quota.admin().listUsage(UsageQuery.all().meter(TOKENS)
          .statuses(TenantStatus.BLOCKED), PageRequest.first(10)).items();

      List<UsageReport> expected = tenants.stream().map(t -> quota.guard().usage(t, TOKENS))
          .sorted(UsageQuery.all().order().comparator()).toList();
      assertThat(listed).isEqualTo(expected);
      assertThat(listed).extracting(r -> r.tenant().value()).containsExactly("4", "5", "6", "2", "3", "1");
      assertThat(blocked).extracting(r -> r.tenant().value()).containsExactly("4", "5", "6");
    }
  }
}

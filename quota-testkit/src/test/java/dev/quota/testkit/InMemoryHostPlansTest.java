package dev.quota.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.admin.Actor;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.PageRequest;
import dev.quota.admin.UsageQuery;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The in-memory store can read tenants' tiers from the host, as the PostgreSQL store reads a host plan table. */
class InMemoryHostPlansTest {
  private static final TenantId PRO_USER = TenantId.of("42");
  private static final TenantId NEW_USER = TenantId.of("43");

  private final Map<String, String> accountTiers = new ConcurrentHashMap<>(Map.of("42", "pro"));
  private final InMemoryQuotaStore store = InMemoryQuotaStore.builder()
      .plansFrom(tenant -> Optional.ofNullable(accountTiers.get(tenant.value())).map(Tier::of))
      .build();
  private final Quota quota = Quota.builder().store(store).clock(TestClock.at("2026-11-25T10:00:00Z")).build();

  @Test
  void aTenantsTierComesFromTheHost() {
    UsageReport pro = quota.guard().usage(PRO_USER);

    assertThat(store.plansFromHost()).isTrue();
    assertThat(pro.plannedTier()).contains(Tier.PRO);
    assertThat(pro.limit()).isEqualTo(1_000_000);
  }

  @Test
  void aTenantTheHostHasNoTierForHasNoPlan() {
    UsageReport report = quota.guard().usage(NEW_USER);

    assertThat(report.plannedTier()).isEmpty();
    assertThat(report.effectiveTier()).contains(Tier.FREE);
  }

  @Test
  void aChangeInTheHostsTableIsSeenByTheNextRead() {
    quota.guard().record(UsageEvent.of(NEW_USER, Meter.AI_TOKENS, 150_000, UsageKey.of("s-1")));
    assertThat(quota.guard().canProceed(NEW_USER)).isFalse();

    accountTiers.put(NEW_USER.value(), "pro");

    assertThat(quota.guard().canProceed(NEW_USER)).isTrue();
    assertThat(quota.guard().usage(NEW_USER).used()).isEqualTo(150_000);
  }

  @Test
  void setPlanIsRefusedSinceTheTierIsChangedInTheHostsTable() {
    assertThatThrownBy(() -> quota.admin().setPlan(PRO_USER, Plan.of(Tier.ENTERPRISE), Actor.of("billing"), "upgrade"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("change the tier there");
    assertThat(quota.admin().audit(AuditQuery.all(), PageRequest.first(10)).items()).isEmpty();
  }

  @Test
  void theAdminListingShowsTheHostsTiers() {
    quota.guard().record(UsageEvent.of(PRO_USER, Meter.AI_TOKENS, 500_000, UsageKey.of("s-1")));
    quota.guard().record(UsageEvent.of(NEW_USER, Meter.AI_TOKENS, 50_000, UsageKey.of("s-2")));

    assertThat(quota.admin().listUsage(UsageQuery.all(), PageRequest.first(10)).items())
        .extracting(UsageReport::tenant, UsageReport::plannedTier)
        .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(PRO_USER, Optional.of(Tier.PRO)),
            org.assertj.core.groups.Tuple.tuple(NEW_USER, Optional.empty()));
  }

  @Test
  void withoutAHostLookupPlansAreTheStoresOwn() {
    InMemoryQuotaStore own = InMemoryQuotaStore.builder().build();
    Quota withOwnPlans = Quota.builder().store(own).build();

    withOwnPlans.admin().setPlan(PRO_USER, Plan.of(Tier.PRO), Actor.of("billing"), "signed up");

    assertThat(own.plansFromHost()).isFalse();
    assertThat(withOwnPlans.guard().usage(PRO_USER).plannedTier()).contains(Tier.PRO);
  }
}

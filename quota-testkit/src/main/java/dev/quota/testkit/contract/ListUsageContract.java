package dev.quota.testkit.contract;

import static dev.quota.Tier.FREE;
import static dev.quota.Tier.PRO;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static dev.quota.testkit.contract.QuotaStoreContract.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.QuotaAdmin;
import dev.quota.period.PeriodPolicy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link QuotaAdmin#listUsage}: the dashboard's list, most utilized first.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.ListUsage}.
 */
public abstract class ListUsageContract extends ContractFixture {
  private Meter meter;
  private Quota quota;
  private QuotaGuard guard;
  private QuotaAdmin admin;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected ListUsageContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    // A meter of this test's own, so that a store shared with other tests lists only this test's tenants.
    meter = Meter.of("listed-" + testId());
    quota = quota(TierCatalogue.builder()
        .meter(meter, PeriodPolicy.calendarMonth())
        .tier(FREE, Map.of(meter, 1_000L))
        .tier(PRO, Map.of(meter, 10_000L))
        .defaultTier(FREE)
        .build());
    guard = quota.guard();
    admin = quota.admin();
  }

  private TenantId tenantWithUsage(String label, long used) {
    TenantId tenant = newTenant(label);
    use(guard, tenant, meter, used);
    return tenant;
  }

  @Test
  void listUsageShowsTheMostUtilizedFirst() {
    TenantId tenth = tenantWithUsage("tenth", 100);
    TenantId ninetieth = tenantWithUsage("ninetieth", 900);
    TenantId half = tenantWithUsage("half", 500);

    Page<UsageReport> page = admin.listUsage(meter, PageRequest.first(10));

    assertThat(page.items()).extracting(UsageReport::tenant).containsExactly(ninetieth, half, tenth);
    assertThat(page.items()).extracting(UsageReport::used).containsExactly(900L, 500L, 100L);
    assertThat(page.hasMore()).isFalse();
  }

  @Test
  void listUsageRanksByShareOfTheCeilingNotByAmount() {
    TenantId proHalf = newTenant("pro-half");
    admin.setPlan(proHalf, Plan.of(PRO), OPERATOR, REASON);
    use(guard, proHalf, meter, 5_000);
    TenantId freeNinety = tenantWithUsage("free-ninety", 900);

    Page<UsageReport> page = admin.listUsage(meter, PageRequest.first(10));

    assertThat(page.items()).extracting(UsageReport::tenant).containsExactly(freeNinety, proHalf);
  }

  @Test
  void listUsagePagesThroughTheTenants() {
    TenantId tenth = tenantWithUsage("tenth", 100);
    TenantId ninetieth = tenantWithUsage("ninetieth", 900);
    TenantId half = tenantWithUsage("half", 500);

    Page<UsageReport> first = admin.listUsage(meter, PageRequest.first(2));
    Page<UsageReport> second = admin.listUsage(meter, first.request().next());

    assertThat(first.items()).extracting(UsageReport::tenant).containsExactly(ninetieth, half);
    assertThat(first.hasMore()).isTrue();
    assertThat(second.items()).extracting(UsageReport::tenant).containsExactly(tenth);
    assertThat(second.hasMore()).isFalse();
  }

  @Test
  void listUsageLeavesOutTenantsWithoutUsageThisPeriod() {
    TenantId planned = newTenant("planned-only");
    admin.setPlan(planned, Plan.of(PRO), OPERATOR, REASON);
    TenantId lastMonth = newTenant("last-month");
    clock().set("2026-10-20T10:00:00Z");
    use(guard, lastMonth, meter, 900);
    clock().set(START);
    TenantId active = tenantWithUsage("active", 10);

    Page<UsageReport> page = admin.listUsage(meter, PageRequest.first(10));

    assertThat(page.items()).extracting(UsageReport::tenant).containsExactly(active);
  }

  @Test
  void listUsageIncludesTenantsThatOnlyHoldReservations() {
    TenantId holding = newTenant("holding");
    guard.reserve(holding, meter, 400, Duration.ofMinutes(5));

    Page<UsageReport> page = admin.listUsage(meter, PageRequest.first(10));

    assertThat(page.items()).singleElement().satisfies(report -> assertThat(report).hasTenant(holding)
        .hasUsed(0).hasReserved(400));
  }

  @Test
  void listUsageWithoutAMeterListsTheDefaultMeter() {
    TenantId tenant = tenantWithUsage("default-meter", 300);

    Page<UsageReport> page = admin.listUsage(PageRequest.first(10));

    assertThat(page.items()).singleElement().satisfies(report -> assertThat(report).hasTenant(tenant)
        .hasMeter(meter).hasUsed(300).hasLimit(1_000));
  }
}

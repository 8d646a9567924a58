package dev.quota.testkit.contract;

import static dev.quota.Tier.FREE;
import static dev.quota.Tier.PRO;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.PlanFallback;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.TenantStatus;
import dev.quota.admin.UsageOrder;
import dev.quota.admin.UsageQuery;
import dev.quota.period.PeriodPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link QuotaAdmin#listUsage(UsageQuery, PageRequest)}: the store filters by tenant prefix and status, orders and
 * pages, and agrees with the usage reports of every tenant it lists or leaves out. Each test lists a meter of its own,
 * so that a store shared with other tests lists only this test's tenants.
 */
public abstract class UsageListingContract extends ContractFixture {
  private static final Tier UNDECLARED = Tier.of("undeclared");

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected UsageListingContract(QuotaStoreContract contract) {
    super(contract);
  }

  private Meter newMeter() {
    return Meter.of("listing-" + UUID.randomUUID().toString().substring(0, 8));
  }

  /** Free 1,000 and pro 10,000 a month on the meter; tenants without a plan are free. */
  private Quota quota(Meter meter) {
    return quotaBuilder().catalogue(TierCatalogue.builder()
        .meter(meter, PeriodPolicy.calendarMonth())
        .tier(FREE, Map.of(meter, 1_000L))
        .tier(PRO, Map.of(meter, 10_000L))
        .defaultTier(FREE)
        .build()).build();
  }

  private static List<TenantId> tenants(Page<UsageReport> page) {
    return page.items().stream().map(UsageReport::tenant).toList();
  }

  @Test
  void aTenantPrefixListsOnlyTheTenantsWhoseIdStartsWithIt() {
    Meter meter = newMeter();
    Quota quota = quota(meter);
    String run = UUID.randomUUID().toString().substring(0, 8);
    TenantId alpha1 = TenantId.of("alpha-" + run + "-1");
    TenantId alpha2 = TenantId.of("alpha-" + run + "-2");
    TenantId beta = TenantId.of("beta-" + run);
    use(quota.guard(), alpha1, meter, 100);
    use(quota.guard(), alpha2, meter, 200);
    use(quota.guard(), beta, meter, 300);

    Page<UsageReport> page = quota.admin().listUsage(UsageQuery.all().meter(meter).tenantPrefix("alpha-"),
        PageRequest.first(10));

    assertThat(tenants(page)).containsExactly(alpha2, alpha1);
  }

  @Test
  void aTenantPrefixMatchesItsCharactersLiterallyNotAsAPattern() {
    Meter meter = newMeter();
    Quota quota = quota(meter);
    TenantId percent = TenantId.of("100%_off");
    TenantId digits = TenantId.of("1000_off");
    TenantId underscore = TenantId.of("a_b");
    TenantId letter = TenantId.of("axb");
    TenantId backslash = TenantId.of("c\\d");
    TenantId noBackslash = TenantId.of("cd");
    for (TenantId tenant : List.of(percent, digits, underscore, letter, backslash, noBackslash)) {
      use(quota.guard(), tenant, meter, 100);
    }
    QuotaAdmin admin = quota.admin();
    UsageQuery query = UsageQuery.all().meter(meter);

    assertThat(tenants(admin.listUsage(query.tenantPrefix("100%"), PageRequest.first(10)))).containsExactly(percent);
    assertThat(tenants(admin.listUsage(query.tenantPrefix("a_"), PageRequest.first(10)))).containsExactly(underscore);
    assertThat(tenants(admin.listUsage(query.tenantPrefix("c\\"), PageRequest.first(10)))).containsExactly(backslash);
  }

  @Test
  void statusesNarrowTheListingToBlockedNearLimitBypassedOrOverriddenTenants() {
    Meter meter = newMeter();
    Quota quota = quota(meter);
    QuotaGuard guard = quota.guard();
    QuotaAdmin admin = quota.admin();
    Instant later = clock().instant().plus(Duration.ofDays(1));
    TenantId blocked = newTenant("blocked");
    use(guard, blocked, meter, 1_000);
    TenantId near = newTenant("near");
    use(guard, near, meter, 850);
    TenantId open = newTenant("open");
    use(guard, open, meter, 100);
    TenantId bypassed = newTenant("bypassed");
    use(guard, bypassed, meter, 1_200);
    admin.bypass(bypassed, later, QuotaStoreContract.OPERATOR, QuotaStoreContract.REASON);
    TenantId overridden = newTenant("overridden");
    use(guard, overridden, meter, 1_000);
    admin.overrideTier(overridden, PRO, later, QuotaStoreContract.OPERATOR, QuotaStoreContract.REASON);
    UsageQuery query = UsageQuery.all().meter(meter);

    assertThat(tenants(admin.listUsage(query.statuses(TenantStatus.BLOCKED), PageRequest.first(10))))
        .containsExactly(blocked);
    assertThat(tenants(admin.listUsage(query.statuses(TenantStatus.NEAR_LIMIT), PageRequest.first(10))))
        .as("not blocked, at 80 %% or more: the bypassed tenant is at 120 %%").containsExactly(bypassed, near);
    assertThat(tenants(admin.listUsage(query.statuses(TenantStatus.BYPASSED), PageRequest.first(10))))
        .containsExactly(bypassed);
    assertThat(tenants(admin.listUsage(query.statuses(TenantStatus.OVERRIDDEN), PageRequest.first(10))))
        .containsExactly(overridden);
    assertThat(tenants(admin.listUsage(query.statuses(TenantStatus.BLOCKED, TenantStatus.OVERRIDDEN),
        PageRequest.first(10)))).containsExactly(blocked, overridden);
    assertThat(tenants(admin.listUsage(query.statuses(TenantStatus.NEAR_LIMIT).nearLimitPercent(10),
        PageRequest.first(10)))).as("10 %% each: the overridden tenant used more").containsExactly(bypassed, near, overridden, open);
  }

  @Test
  void tenantIdOrderIsCodePointOrderWhateverTheDatabaseCollation() {
    Meter meter = newMeter();
    Quota quota = quota(meter);
    List<TenantId> ids = List.of(TenantId.of("b"), TenantId.of("B"), TenantId.of("a-2"), TenantId.of("a10"),
        TenantId.of("\u00e9t\u00e9"), TenantId.of("Z"), TenantId.of("a 1"));
    for (TenantId tenant : ids) {
      use(quota.guard(), tenant, meter, 10);
    }

    Page<UsageReport> page = quota.admin().listUsage(UsageQuery.all().meter(meter).orderBy(UsageOrder.TENANT_ID),
        PageRequest.first(10));

    assertThat(tenants(page)).extracting(TenantId::value)
        .containsExactly("B", "Z", "a 1", "a-2", "a10", "b", "\u00e9t\u00e9");
  }

  @Test
  void equalUtilizationIsOrderedByUsedThenByTenantId() {
    Meter meter = newMeter();
    Quota quota = quota(meter);
    TenantId freeHalf = TenantId.of("m-" + UUID.randomUUID());
    use(quota.guard(), freeHalf, meter, 500);
    TenantId proHalf = newTenant("pro-half");
    quota.admin().setPlan(proHalf, Plan.of(PRO), QuotaStoreContract.OPERATOR, QuotaStoreContract.REASON);
    use(quota.guard(), proHalf, meter, 5_000);
    TenantId twinA = TenantId.of("twin-a-" + UUID.randomUUID());
    TenantId twinB = TenantId.of("twin-b-" + UUID.randomUUID());
    use(quota.guard(), twinB, meter, 500);
    use(quota.guard(), twinA, meter, 500);

    Page<UsageReport> page = quota.admin().listUsage(UsageQuery.all().meter(meter), PageRequest.first(10));

    assertThat(tenants(page)).containsExactly(proHalf, freeHalf, twinA, twinB);
  }

  @Test
  void afterAChangeOfBillingDayOnlyTheNewPeriodsUsageCounts() {
    Meter meter = newMeter();
    Quota quota = quota(meter);
    Instant start = clock().instant();
    TenantId earlier = newTenant("used-before-the-new-period");
    TenantId later = newTenant("used-in-the-new-period");
    clock().set(Instant.parse("2026-11-02T10:00:00Z"));
    use(quota.guard(), earlier, meter, 700);
    clock().set(start);
    use(quota.guard(), later, meter, 300);
    // Billing on the 24th: the current period becomes [Nov 24, Dec 24), which the usage of Nov 2 is not in, while
    // its old calendar-month counter still contains the instant.
    for (TenantId tenant : List.of(earlier, later)) {
      quota.admin().setPlan(tenant, new Plan(FREE, java.util.OptionalInt.of(24)), QuotaStoreContract.OPERATOR,
          QuotaStoreContract.REASON);
    }

    Page<UsageReport> page = quota.admin().listUsage(UsageQuery.all().meter(meter), PageRequest.first(10));

    assertThat(page.items()).singleElement().satisfies(report -> {
      assertThat(report.tenant()).isEqualTo(later);
      assertThat(report.used()).isEqualTo(300);
    });
  }

  /**
   * A random population (plans known, unknown and missing; grants, overrides and bypasses active, ended, revoked
   * and future; usage over and under the ceiling; holds live and expired) listed under every filter and order, page
   * by page, against the reports the guard gives for each tenant.
   */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  void theListingAgreesWithEveryTenantsReport(long seed) {
    Random random = new Random(seed);
    Meter meter = newMeter();
    TierCatalogue catalogue = TierCatalogue.builder()
        .meter(meter, PeriodPolicy.calendarMonth())
        .tier(FREE, Map.of(meter, 1_000L))
        .tier(PRO, Map.of(meter, 10_000L))
        .tier(LEGACY, Map.of(meter, TierCatalogue.UNLIMITED))
        .defaultTier(FREE)
        .whenNoPlan(random.nextBoolean() ? PlanFallback.USE_DEFAULT_TIER : PlanFallback.REJECT)
        .whenUnknownTier(random.nextBoolean() ? PlanFallback.USE_DEFAULT_TIER : PlanFallback.REJECT)
        .build();
    Quota quota = quotaBuilder().catalogue(catalogue).build();
    QuotaGuard guard = quota.guard();
    QuotaAdmin admin = quota.admin().acceptingNewTenants(); // the population holds tenants without plan or usage
    // The admin of a service whose catalogue declares two more tiers: plans and overrides that the listed
    // catalogue does not know, as when tiers are retired or a second service plans ahead.
    QuotaAdmin wider = quotaBuilder().catalogue(TierCatalogue.builder()
        .meter(meter, PeriodPolicy.calendarMonth())
        .tier(FREE, Map.of(meter, 1_000L))
        .tier(PRO, Map.of(meter, 10_000L))
        .tier(LEGACY, Map.of(meter, TierCatalogue.UNLIMITED))
        .tier(UNDECLARED, Map.of(meter, 5L))
        .tier(Tier.ENTERPRISE, Map.of(meter, 5L))
        .defaultTier(FREE)
        .build()).build().admin().acceptingNewTenants();
    Instant start = clock().instant();
    Instant tomorrow = start.plus(Duration.ofDays(1));
    String prefix = "pop-" + UUID.randomUUID().toString().substring(0, 6);
    List<TenantId> population = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      TenantId tenant = TenantId.of((i % 3 == 0 ? "other-" : prefix + "-") + i);
      population.add(tenant);
      switch (random.nextInt(5)) {
        case 0 -> { } // no plan
        case 1 -> admin.setPlan(tenant, Plan.of(FREE), QuotaStoreContract.OPERATOR, QuotaStoreContract.REASON);
        case 2 -> admin.setPlan(tenant, Plan.of(PRO), QuotaStoreContract.OPERATOR, QuotaStoreContract.REASON);
        case 3 -> admin.setPlan(tenant, Plan.of(LEGACY), QuotaStoreContract.OPERATOR, QuotaStoreContract.REASON);
        default -> wider.setPlan(tenant, Plan.of(UNDECLARED), QuotaStoreContract.OPERATOR, QuotaStoreContract.REASON);
      }
      // Usage in round amounts, so that several tenants tie on utilization.
      int uses = random.nextInt(4);
      for (int u = 0; u < uses; u++) {
        use(guard, tenant, meter, 250L * (1 + random.nextInt(4)));
      }
      if (random.nextInt(3) == 0) {
        Instant until = random.nextBoolean() ? tomorrow : start.plus(Duration.ofMinutes(2)); // the second ends
        admin.grantCredit(tenant, meter, 250L * (1 + random.nextInt(4)), until, QuotaStoreContract.OPERATOR,
            QuotaStoreContract.REASON);
      }
      if (random.nextInt(4) == 0) {
        var grant = admin.grantCredit(tenant, meter, 5_000, tomorrow, QuotaStoreContract.OPERATOR,
            QuotaStoreContract.REASON);
        admin.revoke(grant.id(), QuotaStoreContract.OPERATOR, QuotaStoreContract.REASON);
      }
      if (random.nextInt(4) == 0) {
        Tier tier = switch (random.nextInt(3)) {
          case 0 -> PRO;
          case 1 -> FREE;
          default -> Tier.ENTERPRISE; // not in this catalogue: not in force
        };
        wider.overrideTier(tenant, tier, random.nextBoolean() ? tomorrow : start.plus(Duration.ofMinutes(2)),
            QuotaStoreContract.OPERATOR, QuotaStoreContract.REASON);
      }
      if (random.nextInt(6) == 0) {
        admin.bypass(tenant, random.nextBoolean() ? tomorrow : start.plus(Duration.ofMinutes(2)),
            QuotaStoreContract.OPERATOR, QuotaStoreContract.REASON);
      }
      if (random.nextInt(3) == 0) {
        // One hold that lives on and one that expires before the listing; neither counts as used.
        guard.reserve(tenant, meter, 100, random.nextBoolean() ? Duration.ofHours(1) : Duration.ofMinutes(1));
      }
    }
    clock().advance(Duration.ofMinutes(3)); // ends the short entitlements and holds

    List<UsageReport> reports = population.stream().map(tenant -> guard.usage(tenant, meter)).toList();
    List<UsageQuery> queries = new ArrayList<>();
    UsageQuery all = UsageQuery.all().meter(meter);
    queries.add(all);
    queries.add(all.orderBy(UsageOrder.TENANT_ID));
    queries.add(all.tenantPrefix(prefix));
    for (TenantStatus status : TenantStatus.values()) {
      queries.add(all.statuses(status));
    }
    queries.add(all.statuses(EnumSet.of(TenantStatus.BLOCKED, TenantStatus.BYPASSED)).nearLimitPercent(50));
    queries.add(all.statuses(Set.of(TenantStatus.NEAR_LIMIT)).nearLimitPercent(50).tenantPrefix(prefix));

    for (UsageQuery query : queries) {
      List<TenantId> expected = reports.stream().filter(query::matches).sorted(query.order().comparator())
          .map(UsageReport::tenant).toList();
      List<UsageReport> listed = new ArrayList<>();
      Page<UsageReport> page = admin.listUsage(query, PageRequest.first(5));
      listed.addAll(page.items());
      while (page.hasMore()) {
        page = admin.listUsage(query, page.request().next());
        listed.addAll(page.items());
      }
      assertThat(listed).extracting(UsageReport::tenant).as("%s (seed %s)", query, seed)
          .containsExactlyElementsOf(expected);
      for (UsageReport report : listed) {
        assertThat(report).as("the listed report of %s", report.tenant())
            .isEqualTo(reports.get(population.indexOf(report.tenant())));
      }
    }
  }
}

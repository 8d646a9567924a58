package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.Tier.FREE;
import static dev.quota.Tier.PRO;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.TierCatalogue;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.admin.PageRequest;
import dev.quota.admin.QuotaAdmin;
import dev.quota.period.PeriodPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TierCatalogue.Builder#rollover}: a tier's unused allowance of one period rolled over into the next, capped,
 * expiring with that period, made once per tenant, meter and period by the system actor, audited once, never a ledger
 * write, off by default.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.Rollovers}.
 */
public abstract class RolloverContract extends ContractFixture {
  private static final Instant IN_DECEMBER = DECEMBER_START.plus(Duration.ofHours(1));
  private static final Instant JANUARY_START = Instant.parse("2027-01-01T00:00:00Z");

  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected RolloverContract(QuotaStoreContract contract) {
    super(contract);
  }

  /** Free: 100,000 tokens a month, half of it may roll over; pro: 1,000,000, nothing rolls over. */
  static TierCatalogue freeRollsHalfOver() {
    return TierCatalogue.builder()
        .meter(AI_TOKENS, PeriodPolicy.calendarMonth())
        .tier(FREE, Map.of(AI_TOKENS, 100_000L))
        .tier(PRO, Map.of(AI_TOKENS, 1_000_000L))
        .rollover(FREE, AI_TOKENS, 50)
        .defaultTier(FREE)
        .build();
  }

  @BeforeEach
  void setUp() {
    Quota quota = quota(freeRollsHalfOver());
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("rollover");
    admin.setPlan(tenant, Plan.of(FREE), OPERATOR, REASON);
  }

  @Test
  void unusedAllowanceBeyondTheCapRollsOverTheCap() {
    use(guard, tenant, 10_000); // 90,000 unused in November
    clock().set(IN_DECEMBER);

    assertThat(guard.tryConsume(tenant, AI_TOKENS, 140_000, UsageKey.of("big"))).isConsumed();

    UsageReport report = guard.usage(tenant);
    assertThat(report.rolledOver()).isEqualTo(50_000);
    assertThat(report).hasUsed(140_000).hasLimit(100_000).hasRemaining(10_000);
  }

  @Test
  void unusedAllowanceBelowTheCapRollsOverAll() {
    use(guard, tenant, 80_000);
    clock().set(IN_DECEMBER);

    UsageReport report = guard.usage(tenant);

    assertThat(report.rolledOver()).isEqualTo(20_000);
    assertThat(report).hasRemaining(120_000);
  }

  @Test
  void theReportNamesTheRolloverAndItsSource() {
    use(guard, tenant, 80_000);
    clock().set(IN_DECEMBER);

    Grant rollover = guard.usage(tenant).rollover().orElseThrow();

    assertThat(rollover.kind()).isEqualTo(Grant.Kind.ROLLOVER);
    assertThat(rollover.amount()).isEqualTo(20_000);
    assertThat(rollover.validFrom()).isEqualTo(DECEMBER_START);
    assertThat(rollover.validUntil()).as("expires at the end of the period it rolled into").isEqualTo(JANUARY_START);
    assertThat(rollover.createdBy()).isEqualTo(Grant.ROLLOVER_ACTOR);
    assertThat(rollover.reason()).contains(NOVEMBER.toString()).contains("allowance 100000 - used 80000 = 20000")
        .contains("capped at 50% of the limit 100000 = 50000").contains("rolled over 20000");
  }

  @Test
  void nothingUnusedRollsNothingOver() {
    use(guard, tenant, 100_000);
    clock().set(IN_DECEMBER);

    assertThat(guard.usage(tenant).rolledOver()).isZero();
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 100_001, UsageKey.of("over"))).isDenied();
    assertThat(rollovers()).isEmpty();
    assertThat(auditOf(admin, tenant)).noneMatch(e -> e.operation() == AdminOperation.ROLLOVER);
  }

  @Test
  void aPeriodWithoutUsageRollsNothingOver() {
    clock().set(IN_DECEMBER);

    assertThat(guard.usage(tenant).rolledOver()).isZero();
    assertThat(guard.usage(newTenant("never-seen")).rolledOver()).isZero();
    assertThat(rollovers()).isEmpty();
  }

  @Test
  void usageDrawnFromOneTimeCreditsMakesNoUnusedAllowance() {
    admin.grantOneTimeCredit(tenant, AI_TOKENS, 30_000, clock().instant(), JANUARY_START, OPERATOR, REASON);
    use(guard, tenant, 120_000); // 20,000 drawn from the credit, none of the allowance left
    clock().set(IN_DECEMBER);

    assertThat(guard.usage(tenant).rolledOver()).isZero();
  }

  @Test
  void decisionsWellInsideTheLimitDoNotComputeIt() {
    use(guard, tenant, 10_000);
    clock().set(IN_DECEMBER);

    assertThat(guard.tryConsume(tenant, AI_TOKENS, 1_000, UsageKey.of("small"))).isConsumed();
    assertThat(guard.canProceed(tenant)).isTrue();

    assertThat(rollovers()).as("lazy: nothing was denied or reported yet").isEmpty();
  }

  @Test
  void aDenialSettlesItAndIsDecidedAgain() {
    use(guard, tenant, 10_000);
    clock().set(IN_DECEMBER);
    use(guard, tenant, 100_000); // at the limit; a record does not settle

    assertThat(guard.canProceed(tenant)).as("the rollover's 50,000 allow it").isTrue();
    assertThat(guard.check(tenant, AI_TOKENS, 50_000)).isAllowed();
    assertThat(guard.check(tenant, AI_TOKENS, 50_001)).isDenied();
    assertThat(rollovers()).hasSize(1);
  }

  @Test
  void itExpiresAtTheEndOfTheNextPeriodAndDoesNotChain() {
    use(guard, tenant, 10_000);
    clock().set(IN_DECEMBER);
    assertThat(guard.usage(tenant).rolledOver()).isEqualTo(50_000);
    use(guard, tenant, 95_000); // 5,000 of December's own 100,000 left (55,000 with the rollover)

    clock().set(JANUARY_START.plus(Duration.ofHours(1)));
    UsageReport january = guard.usage(tenant);

    assertThat(january.rolledOver()).as("only December's own allowance rolls over, not November's rollover")
        .isEqualTo(5_000);
    assertThat(january.granted()).as("December's rollover ended with December").isEqualTo(5_000);
    assertThat(january.rollover().orElseThrow().validFrom()).isEqualTo(JANUARY_START);
    assertThat(rollovers()).hasSize(2);
  }

  @Test
  void computingAgainChangesNothingWritesNothingAuditsNothing() {
    use(guard, tenant, 10_000);
    clock().set(IN_DECEMBER);
    UsageReport first = guard.usage(tenant);
    List<AuditEntry> auditAfterFirst = auditOf(admin, tenant);
    long version = store().read(tenant, AI_TOKENS, clock().instant()).version();

    Quota other = quota(freeRollsHalfOver()); // another instance, which never settled it
    assertThat(other.guard().usage(tenant)).isEqualTo(first);
    assertThat(other.guard().tryConsume(tenant, AI_TOKENS, 200_000, UsageKey.of("too-big"))).isDenied();
    assertThat(guard.usage(tenant)).isEqualTo(first);

    assertThat(rollovers()).hasSize(1);
    assertThat(auditOf(admin, tenant)).isEqualTo(auditAfterFirst);
    assertThat(store().read(tenant, AI_TOKENS, clock().instant()).version()).isEqualTo(version);
  }

  @Test
  void itIsAuditedOnceAsTheSystemActor() {
    use(guard, tenant, 80_000);
    clock().set(IN_DECEMBER);

    guard.usage(tenant);
    guard.usage(tenant);

    List<AuditEntry> rolled = auditOf(admin, tenant).stream()
        .filter(e -> e.operation() == AdminOperation.ROLLOVER).toList();
    assertThat(rolled).hasSize(1);
    AuditEntry entry = rolled.getFirst();
    assertThat(entry.actor()).isEqualTo(Grant.ROLLOVER_ACTOR);
    assertThat(entry.reason()).contains("rolled over 20000");
    assertThat(entry.details()).containsEntry("meter", AI_TOKENS.name()).containsEntry("amount", "20000")
        .containsEntry("from", DECEMBER_START.toString()).containsEntry("until", JANUARY_START.toString());
  }

  @Test
  void itWritesNoLedgerEntry() {
    use(guard, tenant, 10_000);
    clock().set(IN_DECEMBER);

    guard.usage(tenant);

    assertThat(admin.ledger(tenant, PageRequest.first(PageRequest.MAX_SIZE)).items()).hasSize(1);
    assertThat(admin.verify(tenant).consistent()).isTrue();
    assertThat(guard.usage(tenant)).hasUsed(0);
  }

  @Test
  void aTierWithoutRolloverRollsNothingOver() {
    admin.setPlan(tenant, Plan.of(PRO), OPERATOR, REASON);
    use(guard, tenant, 10_000);
    clock().set(IN_DECEMBER);

    assertThat(guard.usage(tenant).rolledOver()).isZero();
    assertThat(rollovers()).isEmpty();
  }

  @Test
  void offByDefault() {
    Quota defaults = quota();
    use(defaults.guard(), tenant, 10_000);
    clock().set(IN_DECEMBER);

    assertThat(defaults.guard().usage(tenant).rolledOver()).isZero();
    assertThat(defaults.guard().tryConsume(tenant, AI_TOKENS, 100_001, UsageKey.of("over"))).isDenied();
    assertThat(rollovers()).isEmpty();
  }

  @Test
  void theStoreWritesAPeriodsRolloverOnce() {
    Grant first = rolloverGrant(1_000);
    Grant second = rolloverGrant(2_000);

    assertThat(store().addRollover(first, auditOf(first))).isTrue();
    assertThat(store().addRollover(second, auditOf(second))).isFalse();

    assertThat(rollovers()).containsExactly(first);
    assertThat(auditOf(admin, tenant)).filteredOn(e -> e.operation() == AdminOperation.ROLLOVER).hasSize(1);
  }

  @Test
  void concurrentInstancesWriteAPeriodsRolloverOnce() throws Exception {
    use(guard, tenant, 10_000);
    clock().set(IN_DECEMBER);
    int threads = Math.max(2, concurrentThreads());
    List<QuotaGuard> instances = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      instances.add(quota(freeRollsHalfOver()).guard()); // each settles on its own
    }
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Long>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        QuotaGuard instance = instances.get(t);
        futures.add(pool.submit(() -> {
          start.await(concurrencyTimeout().toMillis(), TimeUnit.MILLISECONDS);
          return instance.usage(tenant).rolledOver();
        }));
      }
      for (Future<Long> future : futures) {
        assertThat(future.get(concurrencyTimeout().toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(50_000);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(rollovers()).hasSize(1);
    assertThat(auditOf(admin, tenant)).filteredOn(e -> e.operation() == AdminOperation.ROLLOVER).hasSize(1);
  }

  @Test
  void concurrentStoreCallsWriteAPeriodsRolloverOnce() throws Exception {
    int threads = Math.max(2, concurrentThreads());
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long written = 0;
    try {
      List<Future<Boolean>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Grant grant = rolloverGrant(1_000 + t);
        futures.add(pool.submit(() -> {
          start.await(concurrencyTimeout().toMillis(), TimeUnit.MILLISECONDS);
          return store().addRollover(grant, auditOf(grant));
        }));
      }
      for (Future<Boolean> future : futures) {
        if (future.get(concurrencyTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
          written++;
        }
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(written).isEqualTo(1);
    assertThat(rollovers()).hasSize(1);
    assertThat(auditOf(admin, tenant)).filteredOn(e -> e.operation() == AdminOperation.ROLLOVER).hasSize(1);
  }

  @Test
  void aCapOutsideOneToAHundredPercentIsRefused() {
    for (int cap : new int[] {0, -5, 101}) {
      assertRejected("rollover of tier free on ai-tokens",
          () -> TierCatalogue.builder().meter(AI_TOKENS, PeriodPolicy.calendarMonth())
              .tier(FREE, Map.of(AI_TOKENS, 100_000L)).rollover(FREE, AI_TOKENS, cap));
    }
  }

  @Test
  void aRolloverOnAnUnlimitedMeterOrUndeclaredTierIsRefused() {
    assertRejected("rollover of tier free on ai-tokens",
        () -> TierCatalogue.builder().meter(AI_TOKENS, PeriodPolicy.calendarMonth())
            .tier(FREE, Map.of(AI_TOKENS, TierCatalogue.UNLIMITED)).rollover(FREE, AI_TOKENS, 50));
    assertRejected("tier", () -> TierCatalogue.builder().meter(AI_TOKENS, PeriodPolicy.calendarMonth())
        .rollover(FREE, AI_TOKENS, 50));
    assertRejected("rollover of tier free on ai-calls",
        () -> TierCatalogue.builder().meter(AI_TOKENS, PeriodPolicy.calendarMonth())
            .tier(FREE, Map.of(AI_TOKENS, 100_000L)).rollover(FREE, Meter.of("ai-calls"), 50));
  }

  /** The tenant's rollover grants, active or ended. */
  private List<Entitlement> rollovers() {
    return admin.entitlements(tenant).stream()
        .filter(e -> e instanceof Grant g && g.kind() == Grant.Kind.ROLLOVER).toList();
  }

  private Grant rolloverGrant(long amount) {
    return new Grant(EntitlementId.random(), tenant, Grant.Kind.ROLLOVER, AI_TOKENS, amount, DECEMBER_START,
        JANUARY_START, Grant.ROLLOVER_ACTOR, "rolled over " + amount, Optional.empty());
  }

  private AuditEntry auditOf(Grant grant) {
    return new AuditEntry(UUID.randomUUID(), clock().instant(), tenant, Grant.ROLLOVER_ACTOR, AdminOperation.ROLLOVER,
        grant.reason(), Map.of("entitlement", grant.id().toString()));
  }
}

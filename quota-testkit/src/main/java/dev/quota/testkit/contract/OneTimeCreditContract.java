package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static dev.quota.testkit.contract.QuotaStoreContract.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.Reservation;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.CreditCheck;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PurgeConfirmation;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.TenantStatus;
import dev.quota.admin.UsageQuery;
import dev.quota.admin.Verification;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link QuotaAdmin#grantOneTimeCredit}: a balance spent once, drawn on only beyond the period's allowance,
 * soonest-expiring first, carried into later periods until it expires, never taken back.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.OneTimeCredits}.
 */
public abstract class OneTimeCreditContract extends ContractFixture {
  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected OneTimeCreditContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    Quota quota = quota();
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("credit");
    admin.setPlan(tenant, Plan.of(Tier.FREE), OPERATOR, REASON); // FREE: 100,000 tokens a month
  }

  private OneTimeCredit credit(long amount, Duration validFor) {
    Instant now = clock().instant();
    return admin.grantOneTimeCredit(tenant, AI_TOKENS, amount, now, now.plus(validFor), OPERATOR, "top-up pack");
  }

  private OneTimeCredit only(UsageReport report) {
    assertThat(report.credits()).hasSize(1);
    return report.credits().get(0);
  }

  @Test
  void creditIsDrawnOnlyByUsageBeyondTheAllowance() {
    credit(50_000, Duration.ofDays(60));

    use(guard, tenant, 90_000);
    assertThat(only(guard.usage(tenant)).drawn()).isZero();
    assertThat(guard.usage(tenant)).hasRemaining(60_000);

    use(guard, tenant, 30_000);
    UsageReport report = guard.usage(tenant);
    assertThat(only(report).drawn()).isEqualTo(20_000);
    assertThat(only(report).unspent()).isEqualTo(30_000);
    assertThat(report.creditDrawn()).isEqualTo(20_000);
    assertThat(report.creditAvailable()).isEqualTo(30_000);
    assertThat(report).hasUsed(120_000).hasRemaining(30_000);
  }

  /** The 60-day example. */
  @Test
  void sixtyDayCreditBoughtMidMonthGivesItsAmountOnceAndRevokingItNeverPutsTheTenantOverItsCeiling() {
    OneTimeCredit pack = credit(50_000, Duration.ofDays(60));
    use(guard, tenant, 130_000); // 30k beyond the 100k limit: drawn from the credit

    assertThat(only(guard.usage(tenant)).drawn()).isEqualTo(30_000);
    admin.revoke(pack.id(), OPERATOR, "refunded");

    UsageReport report = guard.usage(tenant);
    assertThat(report).hasUsed(130_000).hasRemaining(0).isBlocked();
    assertThat(report.ceiling()).isEqualTo(130_000); // at its ceiling, never over it
    assertThat(report.credits()).isEmpty();
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 1, UsageKey.of("after-revoke"))).isDenied();
  }

  /**
   * A reset cancels the usage the credit did not pay for: the tenant has its limit to spend again, as in a fresh
   * period, plus what is left of its credit, and no more.
   */
  @Test
  void resetAfterADrawGivesBackTheLimitAndKeepsTheRestOfTheCredit() {
    credit(50_000, Duration.ofDays(60));
    use(guard, tenant, 130_000); // 30k beyond the 100k limit: drawn from the credit

    admin.resetUsage(tenant, OPERATOR, "SUP-7: unblock");

    UsageReport report = guard.usage(tenant);
    assertThat(report.granted()).isEqualTo(100_000);
    assertThat(report.creditDrawn()).isEqualTo(30_000);
    assertThat(report).hasUsed(130_000).hasRemaining(100_000 + 20_000);
  }

  @Test
  void creditSpanningPeriodsGivesItsAmountInTotal() {
    credit(50_000, Duration.ofDays(60));
    use(guard, tenant, 120_000); // November: 20k drawn

    clock().set(DECEMBER_START.plus(Duration.ofDays(1)));
    assertThat(guard.usage(tenant)).hasUsed(0).hasRemaining(130_000); // 100k limit + the 30k left
    use(guard, tenant, 100_000);
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 30_001, UsageKey.of("too-much"))).isDenied();
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 30_000, UsageKey.of("the-rest"))).isConsumed();

    UsageReport december = guard.usage(tenant);
    assertThat(december).hasUsed(130_000).hasRemaining(0).isBlocked();
    assertThat(december.ceiling()).isEqualTo(130_000);
    assertThat(admin.entitlements(tenant)).filteredOn(OneTimeCredit.class::isInstance)
        .singleElement().satisfies(e -> assertThat(((OneTimeCredit) e).drawn()).isEqualTo(50_000));
  }

  @Test
  void expiryNeverTakesBackWhatWasDrawn() {
    credit(50_000, Duration.ofDays(2));
    use(guard, tenant, 130_000);

    clock().advance(Duration.ofDays(2));

    UsageReport report = guard.usage(tenant);
    assertThat(report).hasUsed(130_000).hasRemaining(0);
    assertThat(report.ceiling()).isEqualTo(130_000);
    assertThat(report.credits()).isEmpty();
  }

  @Test
  void soonestExpiringCreditIsDrawnFirst() {
    OneTimeCredit later = credit(10_000, Duration.ofDays(30));
    OneTimeCredit sooner = credit(10_000, Duration.ofDays(10));

    use(guard, tenant, 105_000);

    UsageReport report = guard.usage(tenant);
    assertThat(report.credits()).extracting(OneTimeCredit::id).containsExactly(sooner.id(), later.id());
    assertThat(report.credits()).extracting(OneTimeCredit::drawn).containsExactly(5_000L, 0L);
  }

  @Test
  void tryConsumeBeyondAllowanceAndCreditsIsDeniedAndDrawsNothing() {
    credit(50_000, Duration.ofDays(60));
    use(guard, tenant, 100_000);

    assertThat(guard.tryConsume(tenant, AI_TOKENS, 50_001, UsageKey.of("big"))).isDenied();
    assertThat(only(guard.usage(tenant)).drawn()).isZero();
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 50_000, UsageKey.of("fits"))).isConsumed();
    assertThat(only(guard.usage(tenant)).drawn()).isEqualTo(50_000);
  }

  @Test
  void reserveIsAdmittedAgainstTheAllowanceAndTheCreditAsTryConsumeIs() {
    credit(50_000, Duration.ofDays(60));
    use(guard, tenant, 100_000);

    assertThat(guard.reserve(tenant, AI_TOKENS, 50_001, Duration.ofMinutes(5)).granted()).isFalse();
    assertThat(guard.reserve(tenant, AI_TOKENS, 50_000, Duration.ofMinutes(5)).granted()).isTrue();
    assertThat(only(guard.usage(tenant)).drawn()).isZero(); // a hold draws nothing
    assertThat(guard.usage(tenant)).hasRemaining(0);
  }

  @Test
  void commitBeyondTheAllowanceDrawsTheCreditInItsOwnWrite() {
    credit(50_000, Duration.ofDays(60));
    use(guard, tenant, 90_000);
    Reservation call = guard.reserve(tenant, AI_TOKENS, 40_000, Duration.ofMinutes(5)).reservation();

    call.commit(30_000, UsageKey.of("call"));

    UsageReport report = guard.usage(tenant);
    assertThat(only(report).drawn()).isEqualTo(20_000); // drawn by the commit, not by a later write
    assertThat(report.creditDrawn()).isEqualTo(20_000);
    assertThat(report.creditAvailable()).isEqualTo(30_000);
    assertThat(report).hasUsed(120_000).hasReserved(0).hasRemaining(30_000);
  }

  @Test
  void commitWithinTheAllowanceDrawsNothing() {
    credit(50_000, Duration.ofDays(60));
    Reservation call = guard.reserve(tenant, AI_TOKENS, 120_000, Duration.ofMinutes(5)).reservation();

    call.commit(60_000, UsageKey.of("call"));

    assertThat(only(guard.usage(tenant)).drawn()).isZero();
    assertThat(guard.usage(tenant)).hasUsed(60_000).hasRemaining(90_000);
  }

  @Test
  void commitNeverDrawsMoreThanTheCreditHolds() {
    credit(10_000, Duration.ofDays(60));
    use(guard, tenant, 100_000);
    Reservation call = guard.reserve(tenant, AI_TOKENS, 10_000, Duration.ofMinutes(5)).reservation();

    call.commit(15_000, UsageKey.of("over-the-estimate")); // the call used more than it held

    UsageReport report = guard.usage(tenant);
    assertThat(only(guard.usage(tenant)).drawn()).isEqualTo(10_000);
    assertThat(report.creditDrawn()).isEqualTo(10_000);
    assertThat(report).hasUsed(115_000).hasRemaining(0).isBlocked();
    assertThat(report.ceiling()).isEqualTo(110_000);
  }

  @Test
  void commitAfterTheCreditExpiredRecordsTheUsageAndDrawsNothing() {
    credit(10_000, Duration.ofMinutes(30));
    use(guard, tenant, 100_000);
    Reservation call = guard.reserve(tenant, AI_TOKENS, 5_000, Duration.ofHours(1)).reservation();
    clock().advance(Duration.ofMinutes(30));

    call.commit(5_000, UsageKey.of("late"));

    UsageReport report = guard.usage(tenant);
    assertThat(report.credits()).isEmpty();
    assertThat(report.creditDrawn()).isZero();
    assertThat(report).hasUsed(105_000).hasReserved(0).hasRemaining(0);
    assertThat(report.ceiling()).isEqualTo(100_000);
  }

  @Test
  void commitAfterTheCreditWasRevokedRecordsTheUsageAndDrawsNothing() {
    OneTimeCredit pack = credit(10_000, Duration.ofDays(60));
    use(guard, tenant, 100_000);
    Reservation call = guard.reserve(tenant, AI_TOKENS, 5_000, Duration.ofMinutes(5)).reservation();
    admin.revoke(pack.id(), OPERATOR, "refunded");

    call.commit(5_000, UsageKey.of("after-revoke"));

    UsageReport report = guard.usage(tenant);
    assertThat(report.creditDrawn()).isZero();
    assertThat(report).hasUsed(105_000).hasReserved(0).hasRemaining(0);
    assertThat(admin.entitlements(tenant)).filteredOn(OneTimeCredit.class::isInstance)
        .singleElement().satisfies(e -> assertThat(((OneTimeCredit) e).drawn()).isZero());
  }

  @Test
  void retriedCommitDrawsOnce() {
    credit(50_000, Duration.ofDays(60));
    use(guard, tenant, 100_000);
    Reservation call = guard.reserve(tenant, AI_TOKENS, 20_000, Duration.ofMinutes(5)).reservation();

    call.commit(20_000, UsageKey.of("call"));
    call.commit(20_000, UsageKey.of("call"));

    assertThat(only(guard.usage(tenant)).drawn()).isEqualTo(20_000);
    assertThat(guard.usage(tenant)).hasUsed(120_000).hasRemaining(30_000);
  }

  @Test
  void verifyFindsTheDrawsOfWritesAndCommitsInAgreement() {
    credit(50_000, Duration.ofDays(60));
    use(guard, tenant, 110_000); // 10k drawn by a record
    guard.reserve(tenant, AI_TOKENS, 10_000, Duration.ofMinutes(5)).reservation()
        .commit(10_000, UsageKey.of("call")); // 10k drawn by a commit

    Verification verification = admin.verify(tenant);

    assertThat(verification.consistent()).as("%s", verification).isTrue();
    assertThat(verification.creditChecks()).singleElement()
        .isEqualTo(new CreditCheck(AI_TOKENS, 20_000, 20_000, 0));
  }

  /**
   * A purge deletes usage but gives no drawn credit back: the credit stays spent and the period keeps it in its
   * ceiling, so the tenant is left with more room than before the purge, never less, and never over its ceiling.
   */
  @Test
  void purgeKeepsWhatTheCreditGaveInTheCeiling() {
    OneTimeCredit pack = credit(50_000, Duration.ofDays(60));
    use(guard, tenant, 100_000);
    clock().advance(Duration.ofHours(1));
    use(guard, tenant, 30_000); // drawn from the credit

    admin.purgeUsage(tenant, START.plus(Duration.ofMinutes(30)), new PurgeConfirmation(tenant.value()), OPERATOR,
        "erroneous traffic");

    UsageReport report = guard.usage(tenant);
    assertThat(report).hasUsed(100_000).hasRemaining(50_000);
    assertThat(report.creditDrawn()).isEqualTo(30_000);
    assertThat(report.ceiling()).isEqualTo(150_000);
    assertThat(admin.entitlements(tenant)).filteredOn(e -> e.id().equals(pack.id()))
        .singleElement().satisfies(e -> assertThat(((OneTimeCredit) e).drawn()).isEqualTo(30_000));
    assertThat(admin.verify(tenant).consistent()).as("%s", admin.verify(tenant)).isTrue();
  }

  /**
   * A new billing day moves the usage that drew on the credit into the new period, and the draws go with it (up to
   * the usage moved): the credit stays spent once, and the new period's ceiling keeps what it gave.
   */
  @Test
  void billingDayChangeMovesTheDrawsWithTheUsage() {
    clock().set("2026-11-10T10:00:00Z");
    credit(50_000, Duration.ofDays(60));
    use(guard, tenant, 100_000);
    clock().set(START);
    use(guard, tenant, 30_000); // drawn from the credit, in November's period

    admin.setPlan(tenant, Plan.of(Tier.FREE, 20), OPERATOR, REASON);

    UsageReport report = guard.usage(tenant); // November 20 to December 20: only the 30k of November 25
    assertThat(report).hasUsed(30_000);
    assertThat(report.creditDrawn()).isEqualTo(30_000);
    assertThat(report.creditAvailable()).isEqualTo(20_000);
    assertThat(report.ceiling()).isEqualTo(150_000);
    Verification verification = admin.verify(tenant);
    assertThat(verification.consistent()).as("%s", verification).isTrue();
    assertThat(verification.creditChecks()).singleElement()
        .isEqualTo(new CreditCheck(AI_TOKENS, 30_000, 30_000, 0));
  }

  @Test
  void listingCountsCreditsInTheCeiling() {
    TenantId other = newTenant("credit");
    admin.setPlan(other, Plan.of(Tier.FREE), OPERATOR, REASON);
    credit(50_000, Duration.ofDays(60));
    use(guard, tenant, 120_000); // 120k of 150k: 80 %, open
    use(guard, other, 90_000); // 90k of 100k: 90 %

    String prefix = "credit-" + testId() + "-";
    Page<UsageReport> page = admin.listUsage(UsageQuery.all().tenantPrefix(prefix), PageRequest.first(10));
    Page<UsageReport> blocked = admin.listUsage(UsageQuery.all().tenantPrefix(prefix)
        .statuses(TenantStatus.BLOCKED), PageRequest.first(10));

    assertThat(page.items()).extracting(UsageReport::tenant).containsExactly(other, tenant);
    assertThat(blocked.items()).isEmpty();
  }

  @Test
  void creditIsAuditedWithActorAndReason() {
    OneTimeCredit pack = credit(50_000, Duration.ofDays(365));

    assertThat(auditOf(admin, tenant).get(0)).satisfies(entry -> {
      assertThat(entry.operation()).isEqualTo(AdminOperation.GRANT_ONE_TIME_CREDIT);
      assertThat(entry.actor()).isEqualTo(OPERATOR);
      assertThat(entry.reason()).isEqualTo("top-up pack");
      assertThat(entry.details()).containsEntry("entitlement", pack.id().toString()).containsEntry("amount", "50000");
    });
  }

  @Test
  void validityBeyondTheMaximumIsRejectedAndWritesNothing() {
    Instant tooLate = START.plus(QuotaAdmin.MAX_CREDIT_VALIDITY).plusMillis(1);

    assertRejected("valid until", () -> admin.grantOneTimeCredit(tenant, AI_TOKENS, 5, START, tooLate, OPERATOR,
        REASON));

    assertThat(admin.entitlements(tenant)).isEmpty();
  }

  @Test
  void concurrentDrawsNeverDrawMoreThanTheCreditHolds() throws Exception {
    credit(1_000, Duration.ofDays(60));
    use(guard, tenant, 100_000); // at the allowance: every further unit comes from the credit
    List<QuotaGuard> instances = List.of(quota().guard(), quota().guard());
    int threads = Math.max(2, concurrentThreads());
    AtomicLong consumed = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        QuotaGuard instance = instances.get(t % 2);
        int thread = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < 20; i++) {
            ConsumeResult result = instance.tryConsume(tenant, AI_TOKENS, 7, UsageKey.of("t" + thread + "-" + i));
            if (result.outcome() == ConsumeResult.Outcome.CONSUMED) {
              consumed.addAndGet(7);
            }
          }
        }));
      }
      for (Future<?> future : futures) {
        future.get(concurrencyTimeout().toMillis(), TimeUnit.MILLISECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    UsageReport report = guard.usage(tenant);
    assertThat(consumed.get()).isLessThanOrEqualTo(1_000).isGreaterThan(1_000 - 7);
    assertThat(report).hasUsed(100_000 + consumed.get());
    assertThat(only(report).drawn()).isEqualTo(consumed.get());
    assertThat(only(report).drawn()).isLessThanOrEqualTo(only(report).amount());
  }
}

package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.ConsumeResult.Outcome;
import dev.quota.Decision.Reason;
import dev.quota.Quota;
import dev.quota.RecordResult;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.admin.Grant;
import dev.quota.admin.Verification;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Concurrency: many threads on one tenant never together exceed its balance, and every unit recorded is a
 * unit some caller was told it consumed.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.Concurrency}.
 *
 * <p>Each test waits for its threads at most {@link QuotaStoreContract#concurrencyTimeout()}, and takes at most
 * {@value #TIME_LIMIT_MINUTES} minutes as a whole: a store that hangs fails the test rather than the build.
 */
@Timeout(value = ConcurrencyContract.TIME_LIMIT_MINUTES, unit = TimeUnit.MINUTES)
public abstract class ConcurrencyContract extends ContractFixture {
  /**
   * The longest one test of this group may take, in minutes, its threads and its reads together; a backend's
   * {@link QuotaStoreContract#concurrencyTimeout()} must stay below it.
   */
  public static final long TIME_LIMIT_MINUTES = 5;
  /** Every operation's amount: a balance that is a whole multiple of it can be spent to the last unit. */
  private static final long AMOUNT = 7;

  private int threads;
  private int operations;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected ConcurrencyContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    threads = concurrentThreads();
    operations = operationsPerThread();
    assertThat(threads).as("concurrentThreads()").isGreaterThanOrEqualTo(2);
    assertThat(operations).as("operationsPerThread()").isPositive();
    assertThat(concurrencyTimeout()).as("concurrencyTimeout()").isPositive()
        .isLessThan(Duration.ofMinutes(TIME_LIMIT_MINUTES));
  }

  /** The balance half the attempts can spend, so that the other half contend for nothing left. */
  private long halfOfTheDemand() {
    return (long) threads * operations / 2 * AMOUNT;
  }

  private record Run(List<ConsumeResult> results, UsageReport report, Verification verification, long limit) {
    long consumed() {
      return results.stream().filter(r -> r.outcome() == Outcome.CONSUMED).count();
    }
  }

  private Run consumeConcurrently() {
    long limit = halfOfTheDemand();
    Quota quota = quota(singleTier(limit));
    TenantId tenant = newTenant("contended");
    List<ConsumeResult> results = Concurrently.run(threads, operations, concurrencyTimeout(),
        (thread, op) -> quota.guard().tryConsume(tenant, AI_TOKENS, AMOUNT, UsageKey.of("t" + thread + "-op" + op)));
    return new Run(results, quota.guard().usage(tenant), quota.admin().verify(tenant), limit);
  }

  @Test
  void concurrentConsumesNeverExceedTheBalance() {
    Run run = consumeConcurrently();

    assertThat(run.report().used()).isLessThanOrEqualTo(run.limit());
    assertThat(run.consumed() * AMOUNT).isLessThanOrEqualTo(run.limit());
  }

  @Test
  void concurrentConsumesRecordExactlyTheUnitsTheyReportConsumed() {
    Run run = consumeConcurrently();

    assertThat(run.results()).extracting(ConsumeResult::outcome).containsOnly(Outcome.CONSUMED, Outcome.DENIED);
    assertThat(run.report()).hasUsed(run.consumed() * AMOUNT);
    assertThat(run.verification().consistent()).as("counters match the ledger: %s", run.verification()).isTrue();
  }

  @Test
  void concurrentConsumesAreDeniedOnlyOnceTheBalanceIsSpent() {
    Run run = consumeConcurrently();

    assertThat(run.consumed()).isEqualTo(run.limit() / AMOUNT);
    assertThat(run.results()).filteredOn(r -> r.outcome() == Outcome.DENIED)
        .allSatisfy(r -> assertThat(r.decision()).hasReason(Reason.INSUFFICIENT_BALANCE));
    assertThat(run.report()).hasRemaining(0);
  }

  @Test
  void concurrentReservationsAndConsumesNeverOvershoot() {
    long limit = halfOfTheDemand();
    Quota quota = quota(singleTier(limit));
    TenantId tenant = newTenant("contended");

    // Even threads hold, odd threads consume: both draw on the same balance.
    List<Object> outcomes = Concurrently.run(threads, operations, concurrencyTimeout(), (thread, op) -> {
      if (thread % 2 == 0) {
        return quota.guard().reserve(tenant, AI_TOKENS, AMOUNT, Duration.ofMinutes(10));
      }
      return quota.guard().tryConsume(tenant, AI_TOKENS, AMOUNT, UsageKey.of("t" + thread + "-op" + op));
    });
    long holds = outcomes.stream().filter(o -> o instanceof ReserveResult r && r.granted()).count();
    long consumed = outcomes.stream()
        .filter(o -> o instanceof ConsumeResult c && c.outcome() == Outcome.CONSUMED).count();

    UsageReport report = quota.guard().usage(tenant);
    assertThat(report).hasUsed(consumed * AMOUNT).hasReserved(holds * AMOUNT);
    assertThat(report.used() + report.reserved()).isLessThanOrEqualTo(limit);
    assertThat((holds + consumed) * AMOUNT).as("the whole balance was taken").isEqualTo(limit);
    assertThat(quota.admin().verify(tenant).consistent()).isTrue();
  }

  @Test
  void concurrentRetriesOfOneConsumeCountOnce() {
    Quota quota = quota();
    TenantId tenant = newTenant("retried");
    UsageKey key = UsageKey.of("the-one-session");

    List<ConsumeResult> results = Concurrently.run(threads, operations, concurrencyTimeout(),
        (thread, op) -> quota.guard().tryConsume(tenant, AI_TOKENS, 500, key));

    assertThat(results).extracting(ConsumeResult::outcome).filteredOn(o -> o == Outcome.CONSUMED).hasSize(1);
    assertThat(results).extracting(ConsumeResult::outcome)
        .containsOnly(Outcome.CONSUMED, Outcome.ALREADY_CONSUMED);
    assertThat(quota.guard().usage(tenant)).hasUsed(500);
  }

  @Test
  void concurrentRetriesOfOneRecordCountOnce() {
    Quota quota = quota();
    TenantId tenant = newTenant("retried");
    UsageEvent event = UsageEvent.of(tenant, AI_TOKENS, 500, UsageKey.of("the-one-session"));

    List<RecordResult> results = Concurrently.run(threads, operations, concurrencyTimeout(),
        (thread, op) -> quota.guard().record(event));

    assertThat(results).filteredOn(r -> !r.duplicate()).hasSize(1);
    assertThat(quota.guard().usage(tenant)).hasUsed(500);
    assertThat(quota.admin().verify(tenant).consistent()).isTrue();
  }

  @Test
  void concurrentResetsTogetherCancelThePeriodsUsageOnce() {
    Quota quota = quota();
    TenantId tenant = newTenant("reset");
    quota.guard().record(UsageEvent.of(tenant, AI_TOKENS, 700, UsageKey.of("usage")));

    Concurrently.run(threads, 1, concurrencyTimeout(),
        (thread, op) -> quota.admin().resetUsage(tenant, AI_TOKENS, OPERATOR, REASON));

    assertThat(quota.admin().entitlements(tenant)).allSatisfy(e -> assertThat(e).isInstanceOf(Grant.class))
        .extracting(e -> ((Grant) e).amount()).containsExactly(700L);
    assertThat(quota.guard().usage(tenant)).hasUsed(700);
    assertThat(quota.guard().usage(tenant).granted()).isEqualTo(700);
  }

  @Test
  void concurrentRecordsAreAllCounted() {
    Quota quota = quota();
    TenantId tenant = newTenant("recorded");

    Concurrently.run(threads, operations, concurrencyTimeout(), (thread, op) -> quota.guard()
        .record(UsageEvent.of(tenant, AI_TOKENS, AMOUNT, UsageKey.of("t" + thread + "-op" + op))));

    assertThat(quota.guard().usage(tenant)).hasUsed((long) threads * operations * AMOUNT);
    assertThat(quota.admin().verify(tenant).consistent()).isTrue();
  }

  @Test
  void alertsFireOnceWhenManyThreadsCrossTheThresholdsTogether() {
    AlertRecorder alerts = new AlertRecorder(testId());
    long limit = (long) threads * operations * 10;
    Quota quota = alerts.deliveringFrom(quotaBuilder().catalogue(singleTier(limit)).alertListener(alerts)
        .dispatchManually().build());
    TenantId tenant = newTenant("alerted");

    Concurrently.run(threads, operations, concurrencyTimeout(), (thread, op) -> quota.guard()
        .record(UsageEvent.of(tenant, AI_TOKENS, 10, UsageKey.of("t" + thread + "-op" + op))));

    assertThat(alerts.thresholds()).containsExactlyInAnyOrder(80, 90, 100);
    assertThat(quota.guard().usage(tenant)).hasUsed(limit);
  }
}

package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.ConsumeResult;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.RecordResult;
import dev.quota.TenantId;
import dev.quota.UsageConflictException;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Idempotency: a usage key identifies one event, which counts once however often it is sent.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.Idempotency}.
 */
public abstract class IdempotencyContract extends ContractFixture {
  private Quota quota;
  private QuotaGuard guard;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected IdempotencyContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    quota = quota();
    guard = quota.guard();
    tenant = newTenant("idempotency");
  }

  @Test
  void sameKeyAndAmountRecordedTwiceCountsOnce() {
    UsageEvent event = UsageEvent.of(tenant, AI_TOKENS, 1_200, UsageKey.of("session-42"));

    RecordResult first = guard.record(event);
    RecordResult second = guard.record(event);

    assertThat(first.duplicate()).isFalse();
    assertThat(first.usedInPeriod()).isEqualTo(1_200);
    assertThat(second.duplicate()).isTrue();
    assertThat(second.amount()).isEqualTo(1_200);
    assertThat(second.usedInPeriod()).isEqualTo(1_200);
    assertThat(guard.usage(tenant)).hasUsed(1_200);
  }

  @Test
  void sameKeyWithAnotherAmountIsAConflictAndWritesNothing() {
    UsageKey key = UsageKey.of("session-42");
    guard.record(UsageEvent.of(tenant, AI_TOKENS, 1_200, key));

    assertThatThrownBy(() -> guard.record(UsageEvent.of(tenant, AI_TOKENS, 1_300, key)))
        .isInstanceOfSatisfying(UsageConflictException.class, e -> {
          assertThat(e.tenant()).isEqualTo(tenant);
          assertThat(e.key()).isEqualTo(key);
          assertThat(e.recordedAmount()).isEqualTo(1_200);
          assertThat(e.attemptedAmount()).isEqualTo(1_300);
        });
    assertThat(guard.usage(tenant)).hasUsed(1_200);
    assertThat(quota.admin().verify(tenant).consistent()).isTrue();
  }

  @Test
  void sameKeyOnAnotherMeterIsAnotherEvent() {
    QuotaGuard twoMeters = quota(tokensAndDailyCalls()).guard();
    UsageKey key = UsageKey.of("session-42");

    RecordResult tokens = twoMeters.record(UsageEvent.of(tenant, AI_TOKENS, 1_200, key));
    RecordResult calls = twoMeters.record(UsageEvent.of(tenant, AI_CALLS, 1, key));

    assertThat(tokens.duplicate()).isFalse();
    assertThat(calls.duplicate()).isFalse();
    assertThat(twoMeters.usage(tenant, AI_TOKENS)).hasUsed(1_200);
    assertThat(twoMeters.usage(tenant, AI_CALLS)).hasUsed(1);
  }

  @Test
  void sameKeyOfAnotherTenantIsAnotherEvent() {
    TenantId other = newTenant("other");
    UsageKey key = UsageKey.of("session-42");

    guard.record(UsageEvent.of(tenant, AI_TOKENS, 1_200, key));
    RecordResult second = guard.record(UsageEvent.of(other, AI_TOKENS, 900, key));

    assertThat(second.duplicate()).isFalse();
    assertThat(guard.usage(tenant)).hasUsed(1_200);
    assertThat(guard.usage(other)).hasUsed(900);
  }

  @Test
  void recordAllCountsNewKeysAndReportsDuplicates() {
    guard.record(UsageEvent.of(tenant, AI_TOKENS, 100, UsageKey.of("k1")));

    List<RecordResult> results = guard.recordAll(List.of(
        UsageEvent.of(tenant, AI_TOKENS, 100, UsageKey.of("k1")),
        UsageEvent.of(tenant, AI_TOKENS, 200, UsageKey.of("k2")),
        UsageEvent.of(tenant, AI_TOKENS, 300, UsageKey.of("k3"))));

    assertThat(results).extracting(RecordResult::duplicate).containsExactly(true, false, false);
    assertThat(results).extracting(RecordResult::key)
        .containsExactly(UsageKey.of("k1"), UsageKey.of("k2"), UsageKey.of("k3"));
    assertThat(guard.usage(tenant)).hasUsed(600);
  }

  @Test
  void recordAllWithOneKeyTwiceCountsItOnce() {
    List<RecordResult> results = guard.recordAll(List.of(
        UsageEvent.of(tenant, AI_TOKENS, 100, UsageKey.of("k1")),
        UsageEvent.of(tenant, AI_TOKENS, 100, UsageKey.of("k1"))));

    assertThat(results).extracting(RecordResult::duplicate).containsExactly(false, true);
    assertThat(guard.usage(tenant)).hasUsed(100);
  }

  @Test
  void recordAllKeepsEachTenantsUsageApart() {
    TenantId other = newTenant("other");

    guard.recordAll(List.of(
        UsageEvent.of(tenant, AI_TOKENS, 100, UsageKey.of("k1")),
        UsageEvent.of(other, AI_TOKENS, 200, UsageKey.of("k1")),
        UsageEvent.of(tenant, AI_TOKENS, 300, UsageKey.of("k2"))));

    assertThat(guard.usage(tenant)).hasUsed(400);
    assertThat(guard.usage(other)).hasUsed(200);
  }

  @Test
  void recordAllRecordsTheBatchsOtherEventsAndReportsTheConflict() {
    guard.record(UsageEvent.of(tenant, AI_TOKENS, 100, UsageKey.of("k1")));

    assertThatThrownBy(() -> guard.recordAll(List.of(
        UsageEvent.of(tenant, AI_TOKENS, 200, UsageKey.of("k2")),
        UsageEvent.of(tenant, AI_TOKENS, 150, UsageKey.of("k1")),
        UsageEvent.of(tenant, AI_TOKENS, 300, UsageKey.of("k3")))))
        .isInstanceOfSatisfying(UsageConflictException.class, e -> {
          assertThat(e.key()).isEqualTo(UsageKey.of("k1"));
          assertThat(e.recordedAmount()).isEqualTo(100);
          assertThat(e.attemptedAmount()).isEqualTo(150);
        });

    // The other events happened; a conflict elsewhere in the batch must not lose them.
    assertThat(guard.usage(tenant)).hasUsed(600);
    assertThat(quota.admin().verify(tenant).consistent()).isTrue();
  }

  @Test
  void retriedConsumeIsAlreadyConsumed() {
    UsageKey key = UsageKey.of("session-7");
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 5_000, key)).isConsumed();

    ConsumeResult retry = guard.tryConsume(tenant, AI_TOKENS, 5_000, key);

    assertThat(retry).isAlreadyConsumed().isAllowed();
    assertThat(guard.usage(tenant)).hasUsed(5_000);
  }

  @Test
  void retriedConsumeIsAlreadyConsumedEvenAfterTheTenantGotBlocked() {
    UsageKey key = UsageKey.of("session-7");
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 60_000, key)).isConsumed();
    use(guard, tenant, 40_000);
    assertThat(guard.canProceed(tenant)).isFalse();

    ConsumeResult retry = guard.tryConsume(tenant, AI_TOKENS, 60_000, key);

    assertThat(retry).isAlreadyConsumed().isAllowed();
    assertThat(guard.usage(tenant)).hasUsed(100_000);
  }

  @Test
  void retriedConsumeWithAnotherAmountIsAConflictAndWritesNothing() {
    UsageKey key = UsageKey.of("session-7");
    guard.tryConsume(tenant, AI_TOKENS, 5_000, key);

    assertThatThrownBy(() -> guard.tryConsume(tenant, AI_TOKENS, 6_000, key))
        .isInstanceOf(UsageConflictException.class);
    assertThat(guard.usage(tenant)).hasUsed(5_000);
  }

  @Test
  void recordOfAConsumedKeyIsADuplicate() {
    UsageKey key = UsageKey.of("session-7");
    guard.tryConsume(tenant, AI_TOKENS, 5_000, key);

    RecordResult result = guard.record(UsageEvent.of(tenant, AI_TOKENS, 5_000, key));

    assertThat(result.duplicate()).isTrue();
    assertThat(guard.usage(tenant)).hasUsed(5_000);
  }
}

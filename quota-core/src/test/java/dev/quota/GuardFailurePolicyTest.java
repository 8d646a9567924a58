package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.quota.ConsumeResult.Outcome;
import dev.quota.Decision.Reason;
import dev.quota.admin.Actor;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.support.LogCapture;
import dev.quota.support.MutableClock;
import dev.quota.support.SimpleStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the guard does when its store cannot be reached, for each {@link FailurePolicy}, and how the outage
 * is logged. The store is a double of quota's own SPI that can be switched off.
 */
class GuardFailurePolicyTest {
  private static final String OUTAGE_LOGGER = "dev.quota.internal.Outage";
  private static final TenantId TENANT = TenantId.of("acme");
  private static final Meter TOKENS = Meter.AI_TOKENS;
  private static final Duration MAX_AGE = Duration.ofMinutes(5);

  private final SimpleStore store = new SimpleStore();
  private final MutableClock clock = MutableClock.at("2027-01-15T12:00:00Z");
  private LogCapture logs;

  @BeforeEach
  void captureLogs() {
    logs = LogCapture.start();
  }

  @AfterEach
  void stopCapturing() {
    logs.close();
  }

  private QuotaGuard guard(FailurePolicy policy) {
    return guard(policy, EnforcementMode.ENFORCE);
  }

  private QuotaGuard guard(FailurePolicy policy, EnforcementMode mode) {
    return Quota.builder().store(store).clock(clock).failurePolicy(policy).mode(mode).build().guard();
  }

  /** Usage already in the store, recorded a minute ago in the current period (January, UTC). */
  private void givenUsed(long amount) {
    store.givenUsage(new LedgerEntry(TENANT, TOKENS, amount, UsageKey.of("earlier-" + amount),
        clock.instant().minusSeconds(60), TierCatalogue.defaults().periodPolicy(TOKENS).periodAt(clock.instant()),
        Map.of()));
  }

  private List<String> outageWarnings() {
    return logs.messages(OUTAGE_LOGGER, Level.WARN);
  }

  private List<String> recoveries() {
    return logs.messages(OUTAGE_LOGGER, Level.INFO);
  }

  // --- deny ------------------------------------------------------------------------------------------

  @Test
  void denyPolicyDeniesChecksWhileTheStoreIsDown() {
    QuotaGuard guard = guard(FailurePolicy.deny());
    store.failing(true);

    Decision decision = guard.check(TENANT, TOKENS, 1);

    assertThat(decision.allowed()).isFalse();
    assertThat(decision.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
    assertThat(decision.shadowed()).isFalse();
    assertThat(decision.report()).isEmpty();
  }

  @Test
  void denyPolicyMakesCanProceedFalse() {
    QuotaGuard guard = guard(FailurePolicy.deny());
    store.failing(true);

    assertThat(guard.canProceed(TENANT)).isFalse();
  }

  @Test
  void denyPolicyDeniesConsumesAndRecordsNothing() {
    QuotaGuard guard = guard(FailurePolicy.deny());
    store.failing(true);

    ConsumeResult result = guard.tryConsume(TENANT, TOKENS, 10, UsageKey.of("k1"));

    assertThat(result.outcome()).isEqualTo(Outcome.DENIED);
    assertThat(result.decision().reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
    store.failing(false);
    assertThat(store.ledger(TENANT)).isEmpty();
  }

  @Test
  void denyPolicyDeniesReservations() {
    QuotaGuard guard = guard(FailurePolicy.deny());
    store.failing(true);

    ReserveResult result = guard.reserve(TENANT, TOKENS, 10, Duration.ofMinutes(1));

    assertThat(result.granted()).isFalse();
    assertThat(result.decision().reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
  }

  // --- allow -----------------------------------------------------------------------------------------

  @Test
  void allowPolicyAllowsChecksWithoutAReport() {
    QuotaGuard guard = guard(FailurePolicy.allow());
    store.failing(true);

    Decision decision = guard.check(TENANT, TOKENS, 1);

    assertThat(decision.allowed()).isTrue();
    assertThat(decision.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
    assertThat(decision.report()).isEmpty();
    assertThat(guard.canProceed(TENANT)).isTrue();
  }

  @Test
  void allowPolicyLetsConsumesThroughUnrecorded() {
    QuotaGuard guard = guard(FailurePolicy.allow());
    store.failing(true);

    ConsumeResult result = guard.tryConsume(TENANT, TOKENS, 10, UsageKey.of("k1"));

    assertThat(result.outcome()).isEqualTo(Outcome.ALLOWED_UNRECORDED);
    assertThat(result.allowed()).isTrue();
    store.failing(false);
    assertThat(store.ledger(TENANT)).isEmpty();
  }

  @Test
  void usageAllowedUnrecordedCanBeRecordedOnceAfterRecovery() {
    QuotaGuard guard = guard(FailurePolicy.allow());
    store.failing(true);
    guard.tryConsume(TENANT, TOKENS, 10, UsageKey.of("k1"));
    store.failing(false);

    RecordResult first = guard.record(UsageEvent.of(TENANT, TOKENS, 10, UsageKey.of("k1")));
    RecordResult retry = guard.record(UsageEvent.of(TENANT, TOKENS, 10, UsageKey.of("k1")));

    assertThat(first.duplicate()).isFalse();
    assertThat(retry.duplicate()).isTrue();
    assertThat(retry.usedInPeriod()).isEqualTo(10);
  }

  @Test
  void allowPolicyGivesAReservationThatHoldsNothingAndRecordsItsCommitOnceTheStoreIsBack() {
    QuotaGuard guard = guard(FailurePolicy.allow());
    store.failing(true);

    ReserveResult result = guard.reserve(TENANT, TOKENS, 10, Duration.ofMinutes(1));

    assertThat(result.decision().allowed()).isTrue();
    assertThat(result.decision().reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
    assertThat(result.granted()).isTrue();

    store.failing(false);
    RecordResult committed = result.reservation().commit(7, UsageKey.of("after-outage"));

    assertThat(committed.duplicate()).isFalse();
    assertThat(committed.usedInPeriod()).isEqualTo(7);
  }

  @Test
  void denyPolicyGivesNoReservation() {
    QuotaGuard guard = guard(FailurePolicy.deny());
    store.failing(true);

    ReserveResult result = guard.reserve(TENANT, TOKENS, 10, Duration.ofMinutes(1));

    assertThat(result.decision().allowed()).isFalse();
    assertThat(result.granted()).isFalse();
  }

  // --- last known state -----------------------------------------------------------------------------------

  @Test
  void lastKnownStateWithinMaxAgeDecidesFromThatState() {
    store.rememberReads(true);
    QuotaGuard guard = guard(FailurePolicy.lastKnownState(MAX_AGE));
    givenUsed(40_000);
    guard.check(TENANT, TOKENS, 1);
    store.failing(true);
    clock.advance(Duration.ofMinutes(4));

    Decision decision = guard.check(TENANT, TOKENS, 60_000);

    assertThat(decision.allowed()).isTrue();
    assertThat(decision.reason()).isEqualTo(Reason.WITHIN_BALANCE);
    assertThat(decision.snapshot().used()).isEqualTo(40_000);
    assertThat(decision.snapshot().asOf()).isEqualTo(clock.instant());
  }

  @Test
  void lastKnownStateOverTheLimitDenies() {
    store.rememberReads(true);
    QuotaGuard guard = guard(FailurePolicy.lastKnownState(MAX_AGE));
    givenUsed(99_000);
    guard.check(TENANT, TOKENS, 1);
    store.failing(true);

    Decision decision = guard.check(TENANT, TOKENS, 1_001);

    assertThat(decision.allowed()).isFalse();
    assertThat(decision.reason()).isEqualTo(Reason.INSUFFICIENT_BALANCE);
    assertThat(decision.remaining()).isEqualTo(1_000);
  }

  @Test
  void lastKnownStateExactlyMaxAgeOldIsStillTrusted() {
    store.rememberReads(true);
    QuotaGuard guard = guard(FailurePolicy.lastKnownState(MAX_AGE));
    guard.check(TENANT, TOKENS, 1);
    store.failing(true);
    clock.advance(MAX_AGE);

    assertThat(guard.check(TENANT, TOKENS, 1).reason()).isEqualTo(Reason.WITHIN_BALANCE);
  }

  @Test
  void lastKnownStateOlderThanMaxAgeDenies() {
    store.rememberReads(true);
    QuotaGuard guard = guard(FailurePolicy.lastKnownState(MAX_AGE));
    guard.check(TENANT, TOKENS, 1);
    store.failing(true);
    clock.advance(MAX_AGE.plusNanos(1));

    Decision decision = guard.check(TENANT, TOKENS, 1);

    assertThat(decision.allowed()).isFalse();
    assertThat(decision.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
    assertThat(decision.report()).isEmpty();
  }

  @Test
  void lastKnownStateWithNothingKnownDenies() {
    QuotaGuard guard = guard(FailurePolicy.lastKnownState(MAX_AGE));
    store.failing(true);

    Decision decision = guard.check(TENANT, TOKENS, 1);

    assertThat(decision.allowed()).isFalse();
    assertThat(decision.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
  }

  @Test
  void lastKnownStateFromTheEndOfThePreviousPeriodCountsNothingInTheNewOne() {
    clock.set(Instant.parse("2027-01-31T23:58:00Z"));
    store.rememberReads(true);
    QuotaGuard guard = guard(FailurePolicy.lastKnownState(MAX_AGE));
    givenUsed(100_000);
    assertThat(guard.check(TENANT, TOKENS, 1).allowed()).isFalse();
    store.failing(true);
    clock.advance(Duration.ofMinutes(3));

    Decision decision = guard.check(TENANT, TOKENS, 1);

    assertThat(decision.allowed()).isTrue();
    assertThat(decision.snapshot().used()).isZero();
    assertThat(decision.snapshot().period().start()).isEqualTo(Instant.parse("2027-02-01T00:00:00Z"));
  }

  @Test
  void lastKnownStateLetsConsumesThroughUnrecorded() {
    store.rememberReads(true);
    QuotaGuard guard = guard(FailurePolicy.lastKnownState(MAX_AGE));
    guard.check(TENANT, TOKENS, 1);
    store.failing(true);

    ConsumeResult result = guard.tryConsume(TENANT, TOKENS, 10, UsageKey.of("k1"));

    assertThat(result.outcome()).isEqualTo(Outcome.ALLOWED_UNRECORDED);
    store.failing(false);
    assertThat(store.ledger(TENANT)).isEmpty();
  }

  @Test
  void usageReportFallsBackToTheLastKnownState() {
    store.rememberReads(true);
    QuotaGuard guard = guard(FailurePolicy.lastKnownState(MAX_AGE));
    givenUsed(40_000);
    guard.usage(TENANT);
    store.failing(true);

    assertThat(guard.usage(TENANT).used()).isEqualTo(40_000);
  }

  @Test
  void usageReportThrowsWhenNoRecentStateIsKnown() {
    store.rememberReads(true);
    QuotaGuard guard = guard(FailurePolicy.lastKnownState(MAX_AGE));
    guard.usage(TENANT);
    store.failing(true);
    clock.advance(MAX_AGE.plusSeconds(1));

    assertThatThrownBy(() -> guard.usage(TENANT)).isInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void usageReportThrowsUnderTheAllowPolicy() {
    store.rememberReads(true);
    QuotaGuard guard = guard(FailurePolicy.allow());
    guard.usage(TENANT);
    store.failing(true);

    // Only LAST_KNOWN_STATE trusts remembered state; the others have no standing to report.
    assertThatThrownBy(() -> guard.usage(TENANT)).isInstanceOf(StoreUnavailableException.class);
  }

  // --- shadow mode ------------------------------------------------------------------------------------------

  @Test
  void shadowModeTurnsAFailureDenialIntoAShadowedAllow() {
    QuotaGuard guard = guard(FailurePolicy.deny(), EnforcementMode.SHADOW);
    store.failing(true);

    Decision decision = guard.check(TENANT, TOKENS, 1);

    assertThat(decision.allowed()).isTrue();
    assertThat(decision.shadowed()).isTrue();
    assertThat(decision.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
  }

  @Test
  void shadowModeLetsConsumesThroughUnrecordedDuringAnOutage() {
    QuotaGuard guard = guard(FailurePolicy.deny(), EnforcementMode.SHADOW);
    store.failing(true);

    ConsumeResult result = guard.tryConsume(TENANT, TOKENS, 10, UsageKey.of("k1"));

    assertThat(result.outcome()).isEqualTo(Outcome.ALLOWED_UNRECORDED);
    assertThat(result.decision().shadowed()).isTrue();
  }

  @Test
  void shadowModeShadowsADenialFromTheLastKnownState() {
    store.rememberReads(true);
    QuotaGuard guard = guard(FailurePolicy.lastKnownState(MAX_AGE), EnforcementMode.SHADOW);
    givenUsed(100_000);
    guard.check(TENANT, TOKENS, 1);
    store.failing(true);

    Decision decision = guard.check(TENANT, TOKENS, 1);

    assertThat(decision.allowed()).isTrue();
    assertThat(decision.shadowed()).isTrue();
    assertThat(decision.reason()).isEqualTo(Reason.INSUFFICIENT_BALANCE);
  }

  @Test
  void allowPolicyDecisionIsNotMarkedShadowedInShadowMode() {
    QuotaGuard guard = guard(FailurePolicy.allow(), EnforcementMode.SHADOW);
    store.failing(true);

    assertThat(guard.check(TENANT, TOKENS, 1).shadowed()).isFalse();
  }

  // --- writes that cannot be decided by a policy ----------------------------------------------------------------

  @Test
  void recordThrowsStoreUnavailableWhateverThePolicy() {
    QuotaGuard guard = guard(FailurePolicy.allow());
    store.failing(true);

    assertThatThrownBy(() -> guard.record(UsageEvent.of(TENANT, TOKENS, 10, UsageKey.of("k1"))))
        .isInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void recordAllThrowsStoreUnavailable() {
    QuotaGuard guard = guard(FailurePolicy.allow());
    store.failing(true);

    assertThatThrownBy(() -> guard.recordAll(List.of(UsageEvent.of(TENANT, TOKENS, 10, UsageKey.of("k1")))))
        .isInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void commitThrowsStoreUnavailableAndTheCommitCanBeRetried() {
    QuotaGuard guard = guard(FailurePolicy.allow());
    Reservation reservation = guard.reserve(TENANT, TOKENS, 100, Duration.ofMinutes(5)).reservation();
    store.failing(true);

    assertThatThrownBy(() -> reservation.commit(80, UsageKey.of("k1"))).isInstanceOf(StoreUnavailableException.class);

    store.failing(false);
    assertThat(reservation.commit(80, UsageKey.of("k1")).usedInPeriod()).isEqualTo(80);
  }

  @Test
  void releaseThrowsStoreUnavailable() {
    QuotaGuard guard = guard(FailurePolicy.allow());
    Reservation reservation = guard.reserve(TENANT, TOKENS, 100, Duration.ofMinutes(5)).reservation();
    store.failing(true);

    assertThatThrownBy(reservation::release).isInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void invalidInputIsRejectedBeforeTheStoreIsAsked() {
    QuotaGuard guard = guard(FailurePolicy.allow());
    store.failing(true);

    assertThatThrownBy(() -> guard.check(TENANT, TOKENS, 0))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("amount");
          assertThat(e.rule()).isEqualTo("must be positive, was 0");
        });
    assertThatThrownBy(() -> guard.check(TENANT, Meter.of("undeclared"), 1))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("meter");
          assertThat(e.rule()).isEqualTo("must be one of the catalogue's meters [ai-tokens], was 'undeclared'");
        });
    assertThat(store.calls()).isZero();
  }

  // --- recovery and logging -----------------------------------------------------------------------------------

  @Test
  void guardRecoversByItselfWhenTheStoreAnswersAgain() {
    QuotaGuard guard = guard(FailurePolicy.deny());
    store.failing(true);
    guard.check(TENANT, TOKENS, 1);
    store.failing(false);

    Decision decision = guard.check(TENANT, TOKENS, 1);

    assertThat(decision.allowed()).isTrue();
    assertThat(decision.reason()).isEqualTo(Reason.WITHIN_BALANCE);
  }

  @Test
  void outageIsLoggedOnceNotOncePerCall() {
    QuotaGuard guard = guard(FailurePolicy.deny());
    store.failing(true);

    guard.check(TENANT, TOKENS, 1);
    guard.canProceed(TENANT);
    guard.tryConsume(TENANT, TOKENS, 1, UsageKey.of("k1"));
    guard.reserve(TENANT, TOKENS, 1, Duration.ofMinutes(1));
    assertThatThrownBy(() -> guard.record(UsageEvent.of(TENANT, TOKENS, 1, UsageKey.of("k2"))))
        .isInstanceOf(StoreUnavailableException.class);
    assertThatThrownBy(() -> guard.usage(TENANT)).isInstanceOf(StoreUnavailableException.class);

    assertThat(outageWarnings()).singleElement().asString()
        .contains("quota store unavailable").contains("DENY");
  }

  @Test
  void outageWarningCarriesTheStoreFailure() {
    QuotaGuard guard = guard(FailurePolicy.allow());
    store.failing(true);

    guard.check(TENANT, TOKENS, 1);

    ILoggingEvent warning = logs.events().stream().filter(e -> e.getLoggerName().equals(OUTAGE_LOGGER)).findFirst()
        .orElseThrow();
    assertThat(warning.getThrowableProxy()).isNotNull();
    assertThat(warning.getThrowableProxy().getClassName()).isEqualTo(StoreUnavailableException.class.getName());
    assertThat(warning.getFormattedMessage()).contains("ALLOW");
  }

  @Test
  void recoveryIsLoggedOnce() {
    QuotaGuard guard = guard(FailurePolicy.deny());
    store.failing(true);
    guard.check(TENANT, TOKENS, 1);
    guard.check(TENANT, TOKENS, 1);
    store.failing(false);

    guard.check(TENANT, TOKENS, 1);
    guard.tryConsume(TENANT, TOKENS, 1, UsageKey.of("k1"));
    guard.record(UsageEvent.of(TENANT, TOKENS, 1, UsageKey.of("k2")));
    guard.usage(TENANT);

    assertThat(recoveries()).containsExactly("quota store available again");
    assertThat(outageWarnings()).hasSize(1);
  }

  @Test
  void recoveryIsLoggedAfterAFailedRecordToo() {
    QuotaGuard guard = guard(FailurePolicy.deny());
    store.failing(true);
    assertThatThrownBy(() -> guard.record(UsageEvent.of(TENANT, TOKENS, 1, UsageKey.of("k1"))))
        .isInstanceOf(StoreUnavailableException.class);
    store.failing(false);

    guard.record(UsageEvent.of(TENANT, TOKENS, 1, UsageKey.of("k1")));

    assertThat(outageWarnings()).hasSize(1);
    assertThat(recoveries()).hasSize(1);
  }

  @Test
  void anOutageThatStartsWithACommitIsLoggedAndItsEndToo() {
    QuotaGuard guard = guard(FailurePolicy.deny());
    Reservation hold = guard.reserve(TENANT, TOKENS, 10, Duration.ofMinutes(1)).reservation();
    store.failingCommits(true);

    assertThatThrownBy(() -> hold.commit(5, UsageKey.of("k1"))).isInstanceOf(StoreUnavailableException.class);
    store.failingCommits(false);
    hold.commit(5, UsageKey.of("k1"));

    assertThat(outageWarnings()).singleElement().asString().contains("quota store unavailable");
    assertThat(recoveries()).containsExactly("quota store available again");
  }

  @Test
  void secondOutageIsLoggedAgain() {
    QuotaGuard guard = guard(FailurePolicy.deny());
    store.failing(true);
    guard.check(TENANT, TOKENS, 1);
    store.failing(false);
    guard.check(TENANT, TOKENS, 1);
    store.failing(true);
    guard.check(TENANT, TOKENS, 1);
    guard.check(TENANT, TOKENS, 1);
    store.failing(false);
    guard.check(TENANT, TOKENS, 1);

    assertThat(outageWarnings()).hasSize(2);
    assertThat(recoveries()).hasSize(2);
  }

  @Test
  void healthyStoreLogsNoOutageOrRecovery() {
    QuotaGuard guard = guard(FailurePolicy.deny());

    guard.check(TENANT, TOKENS, 1);
    guard.tryConsume(TENANT, TOKENS, 1, UsageKey.of("k1"));

    assertThat(outageWarnings()).isEmpty();
    assertThat(recoveries()).isEmpty();
  }

  @Test
  void adminCallsPassTheStoreFailureOnAndWriteNothing() {
    Quota quota = Quota.builder().store(store).clock(clock).failurePolicy(FailurePolicy.allow()).build();
    store.failing(true);

    assertThatThrownBy(() -> quota.admin().grantCredit(TENANT, TOKENS, 5_000, clock.instant().plus(Duration.ofDays(1)),
        Actor.of("ops@example.com"), "JIRA-1"))
        .isInstanceOf(StoreUnavailableException.class);
    store.failing(false);
    assertThat(store.auditLog()).isEmpty();
    assertThat(quota.admin().entitlements(TENANT)).isEmpty();
  }

  // --- a store that fails after the usage is written ------------------------------------------------------------

  @Test
  void consumeThatWasRecordedIsReportedAsConsumedWhenOnlyTheAlertMarkFails() {
    QuotaGuard guard = guard(FailurePolicy.deny());
    givenUsed(79_999);
    store.failingAlertMarks(true);

    // Reaches 80 %: the usage is written, then marking the alert fails.
    ConsumeResult result = guard.tryConsume(TENANT, TOKENS, 1, UsageKey.of("k1"));

    assertThat(store.ledger(TENANT)).extracting(LedgerEntry::key).contains(UsageKey.of("k1"));
    assertThat(result.outcome()).isEqualTo(Outcome.CONSUMED);
    assertThat(result.allowed()).isTrue();
  }

  @Test
  void recordSucceedsWhenOnlyTheAlertMarkFails() {
    QuotaGuard guard = guard(FailurePolicy.deny());
    givenUsed(79_999);
    store.failingAlertMarks(true);

    RecordResult result = guard.record(UsageEvent.of(TENANT, TOKENS, 1, UsageKey.of("k1")));

    assertThat(result.duplicate()).isFalse();
    assertThat(result.usedInPeriod()).isEqualTo(80_000);
  }

  @Test
  void alertWhoseMarkFailedFiresWithTheNextUsage() {
    List<Integer> fired = new ArrayList<>();
    Quota quota = Quota.builder().store(store).clock(clock)
        .alertListener(alert -> fired.add(alert.thresholdPercent())).dispatchManually().build();
    QuotaGuard guard = quota.guard();
    givenUsed(79_999);
    store.failingAlertMarks(true);
    guard.record(UsageEvent.of(TENANT, TOKENS, 1, UsageKey.of("k1")));
    store.failingAlertMarks(false);

    guard.record(UsageEvent.of(TENANT, TOKENS, 1, UsageKey.of("k2")));
    quota.dispatcher().orElseThrow().runOnce();

    assertThat(fired).containsExactly(80);
  }

  // --- a reserve committed while its answer was lost ------------------------------------------------------------

  @Test
  void aReserveWhoseAnswerWasLostLeavesNoHoldOnceTheStoreAnswersAgain() {
    QuotaGuard guard = guard(FailurePolicy.deny());
    store.losingReserveAnswers(true);

    ReserveResult lost = guard.reserve(TENANT, TOKENS, 500, Duration.ofHours(1));

    assertThat(lost.granted()).isFalse();
    assertThat(lost.decision().reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
    assertThat(store.openHolds(TENANT)).as("the hold the store wrote").isOne();

    // still down: the next write fails, and the hold waits
    store.losingReserveAnswers(false).failing(true);
    assertThatThrownBy(() -> guard.record(UsageEvent.of(TENANT, TOKENS, 1, UsageKey.of("down"))))
        .isInstanceOf(StoreUnavailableException.class);
    assertThat(store.openHolds(TENANT)).isOne();

    // the store answers again: the first write that gets through releases it
    store.failing(false);
    guard.record(UsageEvent.of(TENANT, TOKENS, 1, UsageKey.of("up")));
    assertThat(store.openHolds(TENANT)).as("holds left open").isZero();
    assertThat(guard.usage(TENANT, TOKENS).reserved()).isZero();
  }

  @Test
  void aReserveThatFailedBeforeWritingLeavesNothingToReleaseAndTheNextWriteGoesThrough() {
    QuotaGuard guard = guard(FailurePolicy.deny());
    store.failing(true);
    assertThat(guard.reserve(TENANT, TOKENS, 500, Duration.ofHours(1)).granted()).isFalse();
    store.failing(false);

    RecordResult recorded = guard.record(UsageEvent.of(TENANT, TOKENS, 1, UsageKey.of("up")));

    assertThat(recorded.duplicate()).isFalse();
    assertThat(store.openHolds(TENANT)).isZero();
    assertThat(guard.usage(TENANT, TOKENS).used()).isOne();
  }
}

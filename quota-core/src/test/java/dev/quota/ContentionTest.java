package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.Actor;
import dev.quota.admin.QuotaAdmin;
import dev.quota.support.MutableClock;
import dev.quota.support.SimpleStore;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Writes whose every attempt an admin change overtakes: the store refuses each as stale, and the call gives up
 * with {@link QuotaContentionException} after a bounded number of attempts, having written nothing.
 */
class ContentionTest {
  private static final TenantId TENANT = TenantId.of("acme");
  private static final Meter TOKENS = Meter.AI_TOKENS;
  private static final Actor OPERATOR = Actor.of("operator");
  private static final int ATTEMPTS = 16;

  private final SimpleStore store = new SimpleStore();
  private final MutableClock clock = MutableClock.at("2027-01-15T12:00:00Z");

  private Quota quota(EnforcementMode mode) {
    return Quota.builder().store(store).clock(clock).mode(mode).build();
  }

  private final Quota quota = quota(EnforcementMode.ENFORCE);
  private final QuotaGuard guard = quota.guard();
  private final QuotaAdmin admin = quota.admin();

  private static void assertGivesUp(ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(QuotaContentionException.class, e -> {
      assertThat(e.tenant()).isEqualTo(TENANT);
      assertThat(e.attempts()).isEqualTo(ATTEMPTS);
      assertThat(e).isInstanceOf(QuotaException.class).hasMessageContaining("nothing was written");
    });
  }

  private void assertNothingWritten() {
    assertThat(store.ledger(TENANT)).isEmpty();
    assertThat(store.auditLog()).isEmpty();
    assertThat(admin.entitlements(TENANT)).isEmpty();
    UsageReport report = guard.usage(TENANT);
    assertThat(report.used()).isZero();
    assertThat(report.reserved()).isZero();
  }

  @Test
  void tryConsumeGivesUpAfterABoundedNumberOfStaleAttempts() {
    store.staleWrites(true);
    int writesBefore = store.writes();

    assertGivesUp(() -> guard.tryConsume(TENANT, TOKENS, 10, UsageKey.of("k")));

    assertThat(store.writes() - writesBefore).as("write attempts").isEqualTo(ATTEMPTS);
    assertNothingWritten();
  }

  @Test
  void tryConsumeInShadowModeGivesUpWritingNothing() {
    QuotaGuard shadow = quota(EnforcementMode.SHADOW).guard();
    store.staleWrites(true);

    assertGivesUp(() -> shadow.tryConsume(TENANT, TOKENS, 10, UsageKey.of("k")));

    assertNothingWritten();
  }

  @Test
  void reserveGivesUpHoldingNothing() {
    store.staleWrites(true);

    assertGivesUp(() -> guard.reserve(TENANT, TOKENS, 10, Duration.ofMinutes(1)));

    assertNothingWritten();
  }

  @Test
  void commitGivesUpRecordingNothingAndLeavesTheHoldOpen() {
    Reservation reservation = guard.reserve(TENANT, TOKENS, 10, Duration.ofMinutes(1)).reservation();
    store.staleWrites(true);

    assertGivesUp(() -> reservation.commit(8, UsageKey.of("k")));
    assertGivesUp(() -> guard.commit(TENANT, reservation.id(), TOKENS, 8, UsageKey.of("k")));

    assertThat(store.ledger(TENANT)).isEmpty();
    assertThat(guard.usage(TENANT).reserved()).as("the hold still counts").isEqualTo(10);
  }

  @Test
  void commitOfAReservationTheStoreNoLongerKnowsGivesUpRecordingNothing() {
    store.staleWrites(true);

    assertGivesUp(() -> guard.commit(TENANT, ReservationId.random(), TOKENS, 8, UsageKey.of("k")));

    assertNothingWritten();
  }

  @Test
  void recordGivesUpRecordingNothing() {
    store.staleWrites(true);

    assertGivesUp(() -> guard.record(UsageEvent.of(TENANT, TOKENS, 10, UsageKey.of("k"))));

    assertNothingWritten();
  }

  @Test
  void recordAllGivesUpRecordingNothing() {
    store.staleWrites(true);

    assertGivesUp(() -> guard.recordAll(List.of(UsageEvent.of(TENANT, TOKENS, 10, UsageKey.of("a")),
        UsageEvent.of(TENANT, TOKENS, 20, UsageKey.of("b")))));

    assertNothingWritten();
  }

  @Test
  void resetUsageGivesUpGrantingAndAuditingNothing() {
    guard.record(UsageEvent.of(TENANT, TOKENS, 10, UsageKey.of("k")));
    store.staleWrites(true);

    assertGivesUp(() -> admin.resetUsage(TENANT, OPERATOR, "JIRA-1"));
    assertGivesUp(() -> admin.resetUsage(TENANT, TOKENS, OPERATOR, "JIRA-1"));

    assertThat(store.auditLog()).isEmpty();
    assertThat(admin.entitlements(TENANT)).isEmpty();
    assertThat(guard.usage(TENANT).remaining()).isEqualTo(100_000 - 10);
  }

  @Test
  void theSameCallSucceedsOnceTheTenantStopsChanging() {
    store.staleWrites(true);
    assertGivesUp(() -> guard.tryConsume(TENANT, TOKENS, 10, UsageKey.of("k")));
    store.staleWrites(false);

    ConsumeResult retried = guard.tryConsume(TENANT, TOKENS, 10, UsageKey.of("k"));

    assertThat(retried.outcome()).isEqualTo(ConsumeResult.Outcome.CONSUMED);
    assertThat(guard.usage(TENANT).used()).isEqualTo(10);
  }
}

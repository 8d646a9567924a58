package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Decision.Reason;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.RecordResult;
import dev.quota.Reservation;
import dev.quota.ReservationStateException;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.UsageConflictException;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reservations: holds for work whose cost is known afterwards.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.Reservations}.
 */
public abstract class ReservationsContract extends ContractFixture {
  private static final Duration TTL = Duration.ofMinutes(5);

  private Quota quota;
  private QuotaGuard guard;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected ReservationsContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    quota = quota();
    guard = quota.guard();
    tenant = newTenant("reservations");
  }

  private Reservation reserve(long estimate) {
    ReserveResult result = guard.reserve(tenant, AI_TOKENS, estimate, TTL);
    assertThat(result.granted()).as("reservation of %s granted: %s", estimate, result.decision()).isTrue();
    return result.reservation();
  }

  @Test
  void reservedUnitsCountAgainstTheBalance() {
    ReserveResult result = guard.reserve(tenant, AI_TOKENS, 60_000, TTL);

    assertThat(result.granted()).isTrue();
    assertThat(result.decision()).isAllowed().hasReason(Reason.WITHIN_BALANCE).hasRemaining(40_000);
    assertThat(guard.usage(tenant)).hasReserved(60_000).hasUsed(0).hasRemaining(40_000);
    assertThat(guard.check(tenant, AI_TOKENS, 50_000)).isDenied();
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 50_000, UsageKey.of("too-much"))).isDenied();
    assertThat(guard.tryConsume(tenant, AI_TOKENS, 40_000, UsageKey.of("the-rest"))).isConsumed();
  }

  @Test
  void reservationDescribesItsHold() {
    Reservation reservation = reserve(60_000);

    assertThat(reservation.id()).isNotNull();
    assertThat(reservation.tenant()).isEqualTo(tenant);
    assertThat(reservation.meter()).isEqualTo(AI_TOKENS);
    assertThat(reservation.amount()).isEqualTo(60_000);
    assertThat(reservation.createdAt()).isEqualTo(START);
    assertThat(reservation.expiresAt()).isEqualTo(START.plus(TTL));
  }

  @Test
  void commitRecordsTheActualUsageAndEndsTheHold() {
    Reservation reservation = reserve(10_000);

    RecordResult result = reservation.commit(7_000, UsageKey.of("call-1"));

    assertThat(result.duplicate()).isFalse();
    assertThat(result.amount()).isEqualTo(7_000);
    assertThat(result.usedInPeriod()).isEqualTo(7_000);
    assertThat(result.period()).isEqualTo(NOVEMBER);
    assertThat(guard.usage(tenant)).hasUsed(7_000).hasReserved(0).hasRemaining(93_000);
  }

  @Test
  void commitMayExceedTheEstimate() {
    Reservation reservation = reserve(1_000);

    reservation.commit(5_000, UsageKey.of("call-1"));

    assertThat(guard.usage(tenant)).hasUsed(5_000).hasReserved(0);
  }

  @Test
  void commitIsRecordedEvenBeyondTheLimit() {
    Reservation reservation = reserve(90_000);

    reservation.commit(150_000, UsageKey.of("call-1"));

    assertThat(guard.usage(tenant)).hasUsed(150_000).hasReserved(0).isBlocked();
  }

  @Test
  void commitAfterExpiryStillRecordsTheUsage() {
    // The tokens an AI call spent before it failed half-way are real, however late they are reported.
    Reservation reservation = reserve(10_000);
    clock().advance(TTL.plusMinutes(10));
    assertThat(guard.usage(tenant)).hasReserved(0);

    RecordResult result = reservation.commit(4_000, UsageKey.of("call-1"));

    assertThat(result.duplicate()).isFalse();
    assertThat(guard.usage(tenant)).hasUsed(4_000).hasReserved(0);
  }

  @Test
  void commitLongAfterExpiryStillRecordsTheUsage() {
    Reservation reservation = reserve(10_000);
    clock().advance(Duration.ofDays(2));
    // Stores may forget ended holds after a while; a later reservation gives them the chance to.
    reserve(1).release();

    RecordResult result = reservation.commit(4_000, UsageKey.of("call-1"));

    assertThat(result.duplicate()).isFalse();
    assertThat(guard.usage(tenant)).hasUsed(4_000).hasReserved(0);
  }

  @Test
  void commitUnderAKeyAlreadyRecordedEndsTheHold() {
    // The host recorded the call's usage already (say, from its own metering) and then commits it.
    guard.record(UsageEvent.of(tenant, AI_TOKENS, 7_000, UsageKey.of("call-1")));
    Reservation reservation = reserve(60_000);

    RecordResult result = reservation.commit(7_000, UsageKey.of("call-1"));

    assertThat(result.duplicate()).isTrue();
    assertThat(guard.usage(tenant)).hasUsed(7_000).hasReserved(0).hasRemaining(93_000);
  }

  @Test
  void commitUnderAKeyRecordedWithAnotherAmountIsAConflictAndKeepsTheHold() {
    guard.record(UsageEvent.of(tenant, AI_TOKENS, 7_000, UsageKey.of("call-1")));
    Reservation reservation = reserve(60_000);

    assertThatThrownBy(() -> reservation.commit(8_000, UsageKey.of("call-1")))
        .isInstanceOf(UsageConflictException.class);

    assertThat(guard.usage(tenant)).hasUsed(7_000).hasReserved(60_000);
    assertThat(reservation.commit(8_000, UsageKey.of("call-1-retry")).duplicate()).isFalse();
    assertThat(guard.usage(tenant)).hasUsed(15_000).hasReserved(0);
  }

  @Test
  void releaseFreesTheHold() {
    Reservation reservation = reserve(60_000);

    assertThat(reservation.release()).isTrue();

    assertThat(guard.usage(tenant)).hasReserved(0).hasUsed(0).hasRemaining(100_000);
  }

  @Test
  void releasingTwiceEndsTheHoldOnce() {
    Reservation reservation = reserve(60_000);

    assertThat(reservation.release()).isTrue();
    assertThat(reservation.release()).isFalse();
    assertThat(guard.usage(tenant)).hasReserved(0);
  }

  @Test
  void reservationStopsCountingAtItsExpiry() {
    reserve(60_000);

    clock().advance(TTL.minusMillis(1));
    assertThat(guard.usage(tenant)).as("a millisecond before expiry").hasReserved(60_000);

    clock().advance(Duration.ofMillis(1));
    assertThat(guard.usage(tenant)).as("at expiry").hasReserved(0).hasRemaining(100_000);
  }

  @Test
  void releaseAfterExpiryHasNothingToEnd() {
    Reservation reservation = reserve(60_000);
    clock().advance(TTL);

    assertThat(reservation.release()).isFalse();
    assertThat(guard.usage(tenant)).hasReserved(0);
  }

  @Test
  void releaseAfterExpiryLeavesTheReservationCommittable() {
    Reservation reservation = reserve(10_000);
    clock().advance(TTL);
    reservation.release();

    RecordResult committed = reservation.commit(7_000, UsageKey.of("late-call"));

    assertThat(committed.duplicate()).isFalse();
    assertThat(guard.usage(tenant)).hasUsed(7_000).hasReserved(0);
  }

  @Test
  void commitOnAnotherMeterThanTheReservationsIsRefusedAndWritesNothing() {
    QuotaGuard twoMeters = quota(tokensAndDailyCalls()).guard();
    Reservation reservation = twoMeters.reserve(tenant, AI_TOKENS, 10_000, TTL).reservation();

    assertThatThrownBy(() -> twoMeters.commit(tenant, reservation.id(), AI_CALLS, 3, UsageKey.of("call-1")))
        .isInstanceOf(ReservationStateException.class)
        .hasMessageContaining(AI_TOKENS.name());
    assertThat(twoMeters.usage(tenant, AI_CALLS)).hasUsed(0);
    assertThat(twoMeters.usage(tenant, AI_TOKENS)).hasUsed(0).hasReserved(10_000);
  }

  @Test
  void commitAfterReleaseIsRefusedAndWritesNothing() {
    Reservation reservation = reserve(10_000);
    reservation.release();

    assertThatThrownBy(() -> reservation.commit(7_000, UsageKey.of("call-1")))
        .isInstanceOf(ReservationStateException.class);
    assertThat(guard.usage(tenant)).hasUsed(0).hasReserved(0);
  }

  @Test
  void commitTwiceWithTheSameKeyCountsOnce() {
    Reservation reservation = reserve(10_000);
    reservation.commit(7_000, UsageKey.of("call-1"));

    RecordResult retry = reservation.commit(7_000, UsageKey.of("call-1"));

    assertThat(retry.duplicate()).isTrue();
    assertThat(guard.usage(tenant)).hasUsed(7_000).hasReserved(0);
  }

  @Test
  void commitUnderAnotherKeyAfterACommitIsRefused() {
    Reservation reservation = reserve(10_000);
    reservation.commit(7_000, UsageKey.of("call-1"));

    assertThatThrownBy(() -> reservation.commit(7_000, UsageKey.of("call-2")))
        .isInstanceOf(ReservationStateException.class);
    assertThat(guard.usage(tenant)).hasUsed(7_000);
  }

  @Test
  void releaseAfterCommitIsRefused() {
    Reservation reservation = reserve(10_000);
    reservation.commit(7_000, UsageKey.of("call-1"));

    assertThatThrownBy(reservation::release).isInstanceOf(ReservationStateException.class);
    assertThat(guard.usage(tenant)).hasUsed(7_000).hasReserved(0);
  }

  @Test
  void ttlAboveTheMaximumIsRejectedAndHoldsNothing() {
    assertRejected("ttl", () -> guard.reserve(tenant, AI_TOKENS, 1_000, Duration.ofMinutes(61)));

    assertThat(guard.usage(tenant)).hasReserved(0);
  }

  @Test
  void ttlUpToAConfiguredMaximumIsAccepted() {
    QuotaGuard longHolds = quotaBuilder().maxReservationTtl(Duration.ofHours(6)).build().guard();

    ReserveResult result = longHolds.reserve(tenant, AI_TOKENS, 1_000, Duration.ofHours(6));

    assertThat(result.granted()).isTrue();
    assertThat(result.reservation().expiresAt()).isEqualTo(START.plus(Duration.ofHours(6)));
  }

  @Test
  void deniedReservationHoldsNothing() {
    use(guard, tenant, 50_000);

    ReserveResult result = guard.reserve(tenant, AI_TOKENS, 60_000, TTL);

    assertThat(result.granted()).isFalse();
    assertThat(result.reservationIfGranted()).isEmpty();
    assertThat(result.decision()).isDenied().hasReason(Reason.INSUFFICIENT_BALANCE).hasRemaining(50_000);
    assertThatThrownBy(result::reservation).isInstanceOf(IllegalStateException.class);
    assertThat(guard.usage(tenant)).hasReserved(0).hasUsed(50_000);
  }

  @Test
  void reservationCanBeEndedThroughAnotherQuotaOverTheSameStore() {
    Reservation reservation = reserve(10_000);
    QuotaGuard elsewhere = quota().guard();

    elsewhere.commit(tenant, reservation.id(), AI_TOKENS, 3_000, UsageKey.of("call-1"));

    assertThat(guard.usage(tenant)).hasUsed(3_000).hasReserved(0);
    assertThat(elsewhere.usage(tenant)).hasUsed(3_000).hasReserved(0);
  }
}

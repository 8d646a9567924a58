package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static dev.quota.testkit.contract.QuotaStoreContract.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.alert.Delivery;
import dev.quota.alert.DeliveryState;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationDispatcher;
import dev.quota.alert.NotificationKind;
import dev.quota.testkit.contract.RecordingChannel.Behaviour;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The notification outbox: each alert's mark written with its notification and its deliveries, atomically; claims
 * that no two claimers hold at once, leases that expire, backoff, give-up, listing and requeueing.
 *
 * <p>Each test delivers to a channel named after it, so that deliveries other tests leave in a shared database are
 * never claimed here; what a test leaves pending is delivered when it ends.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.NotificationOutbox}.
 */
public abstract class NotificationOutboxContract extends ContractFixture {
  private static final Duration LEASE = Duration.ofMinutes(1);
  private String channel;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected NotificationOutboxContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    channel = "t" + testId();
    tenant = newTenant("outbox");
  }

  @AfterEach
  void deliverWhatIsLeft() {
    Instant later = START.plus(Duration.ofDays(3_650));
    for (Delivery d : store().claimDeliveries(List.of(channel), "cleanup", later, LEASE, 1_000)) {
      store().recordDelivered(d.notification().id(), channel, "cleanup", later);
    }
  }

  // --- marks and notifications, written together ------------------------------------------------------------------

  @Test
  void markingWritesTheNotificationWithOnePendingDeliveryPerChannel() {
    Notification crossed = crossing(80);

    assertThat(store().markAlertFired(crossed, List.of(channel, channel + "-b"))).isTrue();

    for (String each : List.of(channel, channel + "-b")) {
      assertThat(store().delivery(crossed.id(), each)).hasValueSatisfying(d -> {
        assertThat(d.notification()).isEqualTo(crossed);
        assertThat(d.state()).isEqualTo(DeliveryState.PENDING);
        assertThat(d.attempts()).isZero();
        assertThat(d.nextAttemptAt()).isEqualTo(START);
        assertThat(d.queuedAt()).isEqualTo(START);
        assertThat(d.lastAttemptAt()).isNull();
        assertThat(d.lastError()).isEmpty();
      });
    }
  }

  @Test
  void aMarkAlreadySetWritesNoSecondNotification() {
    store().markAlertFired(crossing(80), List.of(channel));
    Notification again = crossing(80);

    assertThat(store().markAlertFired(again, List.of(channel))).isFalse();

    assertThat(store().delivery(again.id(), channel)).isEmpty();
  }

  @Test
  void concurrentMarksOfOneCrossingWriteExactlyOneNotification() {
    List<Notification> attempts = new ArrayList<>();
    for (int i = 0; i < concurrentThreads(); i++) {
      attempts.add(crossing(90));
    }

    List<Boolean> marked = Concurrently.run(concurrentThreads(), 1, concurrencyTimeout(),
        (thread, op) -> store().markAlertFired(attempts.get(thread), List.of(channel)));

    assertThat(marked).containsOnlyOnce(true);
    assertThat(attempts).filteredOn(n -> store().delivery(n.id(), channel).isPresent()).hasSize(1);
  }

  @Test
  void eachThresholdAndTheBlockAreMarksOfTheirOwn() {
    assertThat(store().markAlertFired(crossing(80), List.of(channel))).isTrue();
    assertThat(store().markAlertFired(crossing(100), List.of(channel))).isTrue();
    assertThat(store().markAlertFired(blocked(), List.of(channel))).isTrue();
    assertThat(store().markAlertFired(blocked(), List.of(channel))).isFalse();
  }

  @Test
  void reArmingLetsTheThresholdWriteANewNotification() {
    store().markAlertFired(crossing(80), List.of(channel));
    store().rearmAlerts(tenant, AI_TOKENS, NOVEMBER, List.of(80), null, List.of(channel));

    Notification again = crossing(80);
    assertThat(store().markAlertFired(again, List.of(channel))).isTrue();
    assertThat(store().delivery(again.id(), channel)).isPresent();
  }

  @Test
  void anUnblockIsWrittenOnlyWhenTheTenantWasMarkedBlocked() {
    Notification unblockedTooEarly = unblocked();
    assertThat(store().rearmAlerts(tenant, AI_TOKENS, NOVEMBER, List.of(), unblockedTooEarly, List.of(channel)))
        .as("no block mark: nothing written").isFalse();
    assertThat(store().delivery(unblockedTooEarly.id(), channel)).isEmpty();

    store().markAlertFired(blocked(), List.of(channel));
    Notification unblocked = unblocked();
    assertThat(store().rearmAlerts(tenant, AI_TOKENS, NOVEMBER, List.of(80), unblocked, List.of(channel))).isTrue();
    assertThat(store().delivery(unblocked.id(), channel)).hasValueSatisfying(
        d -> assertThat(d.notification()).isEqualTo(unblocked));

    assertThat(store().markAlertFired(blocked(), List.of(channel))).as("the block mark was cleared").isTrue();
  }

  @Test
  void reArmingWithoutAnUnblockLeavesTheBlockMark() {
    store().markAlertFired(blocked(), List.of(channel));

    store().rearmAlerts(tenant, AI_TOKENS, NOVEMBER, List.of(80, 90, 100), null, List.of(channel));

    assertThat(store().markAlertFired(blocked(), List.of(channel))).isFalse();
  }

  // --- through the guard ------------------------------------------------------------------------------------------

  @Test
  void theGuardWritesThresholdBlockAndUnblockNotifications() {
    RecordingChannel recorder = new RecordingChannel(channel);
    Quota quota = quotaBuilder().catalogue(singleTier(1_000)).notificationChannel(recorder).dispatchManually()
        .build();

    use(quota.guard(), tenant, 950);
    quota.guard().tryConsume(tenant, AI_TOKENS, 100, UsageKey.of("refused-1"));
    quota.guard().tryConsume(tenant, AI_TOKENS, 100, UsageKey.of("refused-2"));
    quota.admin().grantCredit(tenant, AI_TOKENS, 500, DECEMBER_START, OPERATOR, REASON);
    quota.dispatcher().orElseThrow().runOnce();

    assertThat(recorder.delivered()).extracting(Notification::kind, Notification::thresholdPercent,
            Notification::cause)
        .containsExactly(
            org.assertj.core.api.Assertions.tuple(NotificationKind.THRESHOLD_CROSSED, 80, ""),
            org.assertj.core.api.Assertions.tuple(NotificationKind.THRESHOLD_CROSSED, 90, ""),
            org.assertj.core.api.Assertions.tuple(NotificationKind.BLOCKED, 100, ""),
            org.assertj.core.api.Assertions.tuple(NotificationKind.UNBLOCKED, 0, "GRANT_CREDIT"));
    assertThat(recorder.delivered()).allSatisfy(n -> assertThat(n.tenant()).isEqualTo(tenant));
    assertThat(recorder.delivered().get(2).used()).isEqualTo(950);
    assertThat(recorder.delivered().get(3).ceiling()).isEqualTo(1_500);
  }

  @Test
  void anAdminChangeThatLeavesTheTenantBlockedWritesNoUnblock() {
    RecordingChannel recorder = new RecordingChannel(channel);
    Quota quota = quotaBuilder().catalogue(singleTier(1_000)).notificationChannel(recorder).dispatchManually()
        .build();
    use(quota.guard(), tenant, 1_200);
    quota.guard().tryConsume(tenant, AI_TOKENS, 1, UsageKey.of("refused"));

    quota.admin().grantCredit(tenant, AI_TOKENS, 100, DECEMBER_START, OPERATOR, REASON);
    quota.dispatcher().orElseThrow().runOnce();

    assertThat(recorder.delivered()).extracting(Notification::kind).doesNotContain(NotificationKind.UNBLOCKED)
        .contains(NotificationKind.BLOCKED);
  }

  // --- claims and leases ------------------------------------------------------------------------------------------

  @Test
  void twoClaimersNeverHoldTheSameDelivery() {
    Set<UUID> written = new HashSet<>();
    for (int threshold = 1; threshold <= 40; threshold++) {
      Notification n = crossing(threshold);
      store().markAlertFired(n, List.of(channel));
      written.add(n.id());
    }

    List<List<UUID>> claims = Concurrently.run(2, 20, concurrencyTimeout(), (thread, op) ->
        store().claimDeliveries(List.of(channel), "claimer-" + thread, START, LEASE, 3).stream()
            .map(d -> d.notification().id()).toList());

    List<UUID> claimed = claims.stream().flatMap(List::stream).toList();
    assertThat(claimed).doesNotHaveDuplicates();
    assertThat(new HashSet<>(claimed)).isEqualTo(written);
  }

  @Test
  void aLeasedDeliveryIsNotClaimedAgainUntilItsLeaseExpires() {
    Notification n = crossing(80);
    store().markAlertFired(n, List.of(channel));
    assertThat(store().claimDeliveries(List.of(channel), "first", START, LEASE, 10)).hasSize(1);

    assertThat(store().claimDeliveries(List.of(channel), "second", START.plus(LEASE).minusMillis(1), LEASE, 10))
        .isEmpty();
    List<Delivery> reclaimed = store().claimDeliveries(List.of(channel), "second", START.plus(LEASE), LEASE, 10);

    assertThat(reclaimed).extracting(d -> d.notification().id()).containsExactly(n.id());
    assertThat(store().recordDelivered(n.id(), channel, "first", START.plus(LEASE)))
        .as("the first claimer's lease is gone").isFalse();
    assertThat(store().recordDelivered(n.id(), channel, "second", START.plus(LEASE))).isTrue();
    assertThat(store().delivery(n.id(), channel)).hasValueSatisfying(d -> {
      assertThat(d.state()).isEqualTo(DeliveryState.DELIVERED);
      assertThat(d.attempts()).isEqualTo(1);
      assertThat(d.nextAttemptAt()).isNull();
    });
  }

  @Test
  void onlyDueDeliveriesOfTheClaimersChannelsAreClaimed() {
    Notification later = new Notification(UUID.randomUUID(), NotificationKind.THRESHOLD_CROSSED, tenant, AI_TOKENS,
        NOVEMBER, 80, 800, 1_000, START.plusSeconds(60), "");
    store().markAlertFired(later, List.of(channel));

    assertThat(store().claimDeliveries(List.of(channel + "-other"), "c", START.plusSeconds(60), LEASE, 10)).isEmpty();
    assertThat(store().claimDeliveries(List.of(channel), "c", START, LEASE, 10)).isEmpty();
    assertThat(store().claimDeliveries(List.of(channel), "c", START.plusSeconds(60), LEASE, 10)).hasSize(1);
  }

  // --- the dispatcher: backoff, give-up, listing, requeue ---------------------------------------------------------

  @Test
  void aFailedAttemptIsRetriedAfterADoublingBackoff() {
    RecordingChannel failing = new RecordingChannel(channel).behave(Behaviour.FAIL_RETRYABLE);
    NotificationDispatcher dispatcher = dispatcher(failing, Duration.ofDays(3));
    Notification n = crossing(80);
    store().markAlertFired(n, List.of(channel));

    assertThat(dispatcher.runOnce()).isEqualTo(1);
    assertThat(store().delivery(n.id(), channel)).hasValueSatisfying(d -> {
      assertThat(d.state()).isEqualTo(DeliveryState.PENDING);
      assertThat(d.attempts()).isEqualTo(1);
      assertThat(d.lastAttemptAt()).isEqualTo(START);
      assertThat(d.nextAttemptAt()).isEqualTo(START.plus(Duration.ofMinutes(1)));
      assertThat(d.lastError()).contains("receiver down (503)");
    });
    assertThat(dispatcher.runOnce()).as("not due yet").isZero();

    clock().advance(Duration.ofMinutes(1));
    assertThat(dispatcher.runOnce()).isEqualTo(1);
    assertThat(store().delivery(n.id(), channel)).hasValueSatisfying(d -> {
      assertThat(d.attempts()).isEqualTo(2);
      assertThat(d.nextAttemptAt()).isEqualTo(START.plus(Duration.ofMinutes(3)));
    });

    failing.behave(Behaviour.ACCEPT);
    clock().advance(Duration.ofMinutes(2));
    assertThat(dispatcher.runOnce()).isEqualTo(1);
    assertThat(failing.delivered()).containsExactly(n);
    assertThat(store().delivery(n.id(), channel)).hasValueSatisfying(d -> {
      assertThat(d.state()).isEqualTo(DeliveryState.DELIVERED);
      assertThat(d.attempts()).isEqualTo(3);
      assertThat(d.lastError()).isEmpty();
    });
  }

  @Test
  void aDeliveryThatKeepsFailingIsGivenUpAtTheGiveUpTimeAndListedAsFailed() {
    RecordingChannel failing = new RecordingChannel(channel).behave(Behaviour.FAIL_RETRYABLE);
    NotificationDispatcher dispatcher = dispatcher(failing, Duration.ofMinutes(2));
    Notification n = crossing(80);
    store().markAlertFired(n, List.of(channel));

    dispatcher.runOnce();                       // at 0: next at 1 minute
    clock().advance(Duration.ofMinutes(1));
    dispatcher.runOnce();                       // at 1: next would be 3, cut to the give-up time, 2
    assertThat(store().delivery(n.id(), channel).orElseThrow().nextAttemptAt())
        .isEqualTo(START.plus(Duration.ofMinutes(2)));
    clock().advance(Duration.ofMinutes(1));
    dispatcher.runOnce();                       // at 2: the last attempt fails

    Delivery failed = store().delivery(n.id(), channel).orElseThrow();
    assertThat(failed.state()).isEqualTo(DeliveryState.FAILED);
    assertThat(failed.attempts()).isEqualTo(3);
    assertThat(failed.nextAttemptAt()).isNull();
    clock().advance(Duration.ofDays(1));
    assertThat(dispatcher.runOnce()).as("a failed delivery is not tried again").isZero();
    assertThat(quotaBuilder().build().outbox().deliveries(DeliveryState.FAILED, 1_000))
        .filteredOn(d -> d.notification().id().equals(n.id())).containsExactly(failed);
  }

  @Test
  void aPermanentFailureIsGivenUpAtOnce() {
    NotificationDispatcher dispatcher =
        dispatcher(new RecordingChannel(channel).behave(Behaviour.FAIL_PERMANENTLY), Duration.ofDays(3));
    Notification n = crossing(80);
    store().markAlertFired(n, List.of(channel));

    dispatcher.runOnce();

    assertThat(store().delivery(n.id(), channel)).hasValueSatisfying(d -> {
      assertThat(d.state()).isEqualTo(DeliveryState.FAILED);
      assertThat(d.attempts()).isEqualTo(1);
      assertThat(d.lastError()).contains("404");
    });
  }

  @Test
  void deliveriesAreListedByState() {
    RecordingChannel recorder = new RecordingChannel(channel);
    Notification first = crossing(80);
    Notification second = crossing(90);
    store().markAlertFired(first, List.of(channel));
    store().markAlertFired(second, List.of(channel));
    Quota quota = quotaBuilder().build();

    assertThat(ours(quota.outbox().deliveries(DeliveryState.PENDING, 1_000))).containsExactly(first.id(), second.id());
    assertThat(quota.outbox().count(DeliveryState.PENDING)).isGreaterThanOrEqualTo(2);

    dispatcher(recorder, Duration.ofDays(3)).runOnce();

    assertThat(ours(quota.outbox().deliveries(DeliveryState.PENDING, 1_000))).isEmpty();
    assertThat(ours(quota.outbox().deliveries(DeliveryState.DELIVERED, 1_000)))
        .containsExactlyInAnyOrder(first.id(), second.id());
  }

  @Test
  void aFailedDeliveryRequeuedByAnOperatorIsDeliveredAgain() {
    RecordingChannel channelThatFails = new RecordingChannel(channel).behave(Behaviour.FAIL_PERMANENTLY);
    NotificationDispatcher dispatcher = dispatcher(channelThatFails, Duration.ofDays(3));
    Notification n = crossing(80);
    store().markAlertFired(n, List.of(channel));
    dispatcher.runOnce();
    Quota quota = quotaBuilder().build();
    clock().advance(Duration.ofHours(1));

    Delivery requeued = quota.outbox().requeue(n.id(), channel, OPERATOR, "SUP-42: receiver fixed");

    assertThat(requeued.state()).isEqualTo(DeliveryState.PENDING);
    assertThat(requeued.nextAttemptAt()).isEqualTo(START.plus(Duration.ofHours(1)));
    assertThat(requeued.queuedAt()).isEqualTo(START.plus(Duration.ofHours(1)));
    assertThat(requeued.attempts()).isEqualTo(1);
    channelThatFails.behave(Behaviour.ACCEPT);
    assertThat(dispatcher.runOnce()).isEqualTo(1);
    assertThat(channelThatFails.delivered()).containsExactly(n);
  }

  @Test
  void onlyAFailedDeliveryCanBeRequeued() {
    Notification n = crossing(80);
    store().markAlertFired(n, List.of(channel));
    Quota quota = quotaBuilder().build();

    assertRejected("notification id", () -> quota.outbox().requeue(n.id(), channel, OPERATOR, REASON));
    assertRejected("notification id", () -> quota.outbox().requeue(UUID.randomUUID(), channel, OPERATOR, REASON));
    assertThat(store().delivery(n.id(), channel).orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
  }

  // --- retention ----------------------------------------------------------------------------------------------------

  @Test
  void purgeDeletesOnlyNotificationsWhoseDeliveriesAllArrivedBeforeTheCutOff() {
    String other = channel + "-b";
    RecordingChannel recorder = new RecordingChannel(channel);
    NotificationDispatcher dispatcher = dispatcher(recorder, Duration.ofDays(3));
    Notification delivered = crossing(50);
    Notification halfDelivered = crossing(60);
    Notification failed = blocked();
    store().markAlertFired(delivered, List.of(channel));
    store().markAlertFired(halfDelivered, List.of(channel, other));
    dispatcher.runOnce();
    store().markAlertFired(failed, List.of(channel));
    recorder.behave(Behaviour.FAIL_PERMANENTLY);
    dispatcher.runOnce();
    clock().advance(Duration.ofDays(2));
    recorder.behave(Behaviour.ACCEPT);
    Notification deliveredLater = crossing(70);
    store().markAlertFired(deliveredLater, List.of(channel));
    dispatcher.runOnce();

    purgeAll(START.plus(Duration.ofDays(1)));

    assertThat(store().delivery(delivered.id(), channel)).as("delivered before the cut-off").isEmpty();
    assertThat(store().delivery(halfDelivered.id(), channel)).as("its other delivery is pending").isPresent();
    assertThat(store().delivery(halfDelivered.id(), other)).isPresent();
    assertThat(store().delivery(failed.id(), channel)).as("failed: waits for an operator").isPresent();
    assertThat(store().delivery(deliveredLater.id(), channel)).as("delivered after the cut-off").isPresent();
    assertThat(store().markAlertFired(crossing(50), List.of(channel))).as("the mark outlives its notification")
        .isFalse();
  }

  @Test
  void eachPurgeDeletesAtMostTheGivenNumberOfNotifications() {
    List<Notification> written = List.of(crossing(10), crossing(20), crossing(30));
    written.forEach(n -> store().markAlertFired(n, List.of(channel)));
    dispatcher(new RecordingChannel(channel), Duration.ofDays(3)).runOnce();
    clock().advance(Duration.ofDays(1));

    assertThat(store().purgeDelivered(clock().instant(), 1)).as("the deliveries of one notification").isPositive();
    assertThat(written).as("at most one notification went")
        .filteredOn(n -> store().delivery(n.id(), channel).isPresent()).hasSizeGreaterThanOrEqualTo(2);
    purgeAll(clock().instant());

    assertThat(written).allSatisfy(n -> assertThat(store().delivery(n.id(), channel)).isEmpty());
  }

  @Test
  void theDispatcherDeletesWhatWasDeliveredLongerAgoThanItsRetention() {
    NotificationDispatcher dispatcher = NotificationDispatcher.builder().store(store()).clock(clock())
        .channel(new RecordingChannel(channel)).retention(Duration.ofDays(1)).lease(LEASE)
        .instanceId("contract-" + testId()).build();
    Notification n = crossing(80);
    store().markAlertFired(n, List.of(channel));
    dispatcher.runOnce();

    clock().advance(Duration.ofHours(20));
    dispatcher.runOnce();
    assertThat(store().delivery(n.id(), channel)).as("within the retention").isPresent();

    clock().advance(Duration.ofHours(5));
    dispatcher.runOnce();
    assertThat(store().delivery(n.id(), channel)).as("past the retention").isEmpty();
  }

  @Test
  void aRetentionOutOfRangeIsRefused() {
    assertRejected("retention", () -> NotificationDispatcher.builder().retention(Duration.ofMinutes(59)));
    assertRejected("retention", () -> NotificationDispatcher.builder().retention(Duration.ofDays(3654)));
  }

  private void purgeAll(Instant before) {
    for (int round = 0; round < 1_000 && store().purgeDelivered(before, 100) > 0; round++) {
      // other tests of a shared database may have left delivered notifications before the cut-off too
    }
  }

  // --- helpers ----------------------------------------------------------------------------------------------------

  private NotificationDispatcher dispatcher(RecordingChannel target, Duration giveUpAfter) {
    return NotificationDispatcher.builder().store(store()).clock(clock()).channel(target).jitter(0)
        .backoffBase(Duration.ofMinutes(1)).backoffMax(Duration.ofHours(1)).giveUpAfter(giveUpAfter).lease(LEASE)
        .instanceId("contract-" + testId()).build();
  }

  private List<UUID> ours(List<Delivery> deliveries) {
    return deliveries.stream().filter(d -> d.channel().equals(channel)).map(d -> d.notification().id()).toList();
  }

  private Notification crossing(int threshold) {
    return new Notification(UUID.randomUUID(), NotificationKind.THRESHOLD_CROSSED, tenant, AI_TOKENS, NOVEMBER,
        threshold, 10L * threshold, 1_000, START, "");
  }

  private Notification blocked() {
    return new Notification(UUID.randomUUID(), NotificationKind.BLOCKED, tenant, AI_TOKENS, NOVEMBER, 100, 1_000,
        1_000, START, "");
  }

  private Notification unblocked() {
    return new Notification(UUID.randomUUID(), NotificationKind.UNBLOCKED, tenant, AI_TOKENS, NOVEMBER, 0, 1_000,
        1_500, START, "GRANT_CREDIT");
  }
}

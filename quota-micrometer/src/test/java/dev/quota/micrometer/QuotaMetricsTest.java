package dev.quota.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.ConsumeResult;
import dev.quota.EnforcementMode;
import dev.quota.FailurePolicy;
import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageConflictException;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.alert.DeliveryException;
import dev.quota.alert.DeliveryState;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationChannel;
import dev.quota.alert.NotificationDispatcher;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter.Id;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class QuotaMetricsTest {
  private static final TenantId ACME = TenantId.of("acme-tenant-7");
  private static final Actor OPERATOR = Actor.of("operator");

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TestClock clock = TestClock.at("2026-03-10T12:00:00Z");
  private final AtomicBoolean storeDown = new AtomicBoolean();
  private final QuotaStore store = failingWhenDown(new InMemoryQuotaStore(), storeDown);
  private final QuotaMetrics metrics = QuotaMetrics.builder(registry).clock(clock).build();

  private QuotaGuard guard() {
    return quota(EnforcementMode.ENFORCE, FailurePolicy.deny()).guard();
  }

  private Quota quota(EnforcementMode mode, FailurePolicy failurePolicy) {
    return Quota.builder()
        .store(metrics.timed(store))
        .observer(metrics.observer())
        .clock(clock)
        .mode(mode)
        .failurePolicy(failurePolicy)
        .build();
  }

  private double decisions(String operation, String outcome, String reason) {
    Counter counter = registry.find(QuotaMetrics.DECISIONS)
        .tags("meter", "ai-tokens", "operation", operation, "outcome", outcome, "reason", reason)
        .counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void anAllowedCheckCountsAsAllowedWithinBalance() {
    QuotaGuard guard = guard();

    guard.canProceed(ACME);
    guard.check(ACME, Meter.AI_TOKENS, 10);

    assertThat(decisions("can_proceed", "allowed", "within_balance")).isEqualTo(1);
    assertThat(decisions("check", "allowed", "within_balance")).isEqualTo(1);
  }

  @Test
  void aConsumeOverTheLimitCountsAsDeniedForInsufficientBalance() {
    QuotaGuard guard = guard();
    guard.tryConsume(ACME, Meter.AI_TOKENS, 100_000, UsageKey.of("all-of-it"));

    ConsumeResult result = guard.tryConsume(ACME, Meter.AI_TOKENS, 1, UsageKey.of("one-more"));

    assertThat(result.decision().allowed()).isFalse();
    assertThat(decisions("try_consume", "allowed", "within_balance")).isEqualTo(1);
    assertThat(decisions("try_consume", "denied", "insufficient_balance")).isEqualTo(1);
  }

  @Test
  void shadowModeCountsWhatItLetThroughAsShadowAllowed() {
    QuotaGuard guard = quota(EnforcementMode.SHADOW, FailurePolicy.deny()).guard();
    guard.tryConsume(ACME, Meter.AI_TOKENS, 100_000, UsageKey.of("all-of-it"));

    guard.check(ACME, Meter.AI_TOKENS, 1);

    assertThat(decisions("check", "shadow_allowed", "insufficient_balance")).isEqualTo(1);
    assertThat(decisions("check", "denied", "insufficient_balance")).isZero();
  }

  @Test
  void aBypassedTenantCountsAsBypassed() {
    Quota quota = quota(EnforcementMode.ENFORCE, FailurePolicy.deny());
    quota.admin().acceptingNewTenants().bypass(ACME, clock.instant().plus(Duration.ofHours(1)), OPERATOR,
        "incident 42");

    quota.guard().canProceed(ACME);

    assertThat(decisions("can_proceed", "bypassed", "bypassed")).isEqualTo(1);
  }

  @Test
  void oneTimeCreditsAreCountedWithTheirUnitsGivenAndTheUnspentUnitsOfARevokedOne() {
    Quota quota = quota(EnforcementMode.ENFORCE, FailurePolicy.deny());
    quota.admin().setPlan(ACME, Plan.of(Tier.FREE), OPERATOR, "subscribed");
    var until = clock.instant().plus(Duration.ofDays(30));
    quota.admin().grantOneTimeCredit(ACME, Meter.AI_TOKENS, 5_000, clock.instant(), until, OPERATOR, "pack 1");
    var second = quota.admin().grantOneTimeCredit(ACME, Meter.AI_TOKENS, 2_000, clock.instant(),
        until.plus(Duration.ofDays(1)), OPERATOR, "pack 2");
    // the free tier's 100,000 and 5,500 more: pack 1 (soonest-expiring) gives 5,000, pack 2 the other 500
    quota.guard().tryConsume(ACME, Meter.AI_TOKENS, 105_500, UsageKey.of("big-job"));

    quota.admin().revoke(second.id(), OPERATOR, "refunded");

    assertThat(count(QuotaMetrics.CREDITS, "granted")).isEqualTo(2);
    assertThat(count(QuotaMetrics.CREDIT_UNITS, "granted")).isEqualTo(7_000);
    assertThat(count(QuotaMetrics.CREDITS, "revoked")).isEqualTo(1);
    assertThat(count(QuotaMetrics.CREDIT_UNITS, "voided")).as("only pack 2's unspent 1,500").isEqualTo(1_500);
  }

  @Test
  void limitOverridesAreCountedWhenSetAndWhenRevokedAndRaisesAreNot() {
    Quota quota = quota(EnforcementMode.ENFORCE, FailurePolicy.deny());
    quota.admin().setPlan(ACME, Plan.of(Tier.FREE), OPERATOR, "subscribed");
    var open = quota.admin().overrideLimit(ACME, Meter.AI_TOKENS, 2_000_000, OPERATOR, "contract 9");
    quota.admin().overrideLimit(ACME, Meter.AI_TOKENS, 10, clock.instant().plus(Duration.ofHours(1)), OPERATOR,
        "throttle for an hour");
    quota.admin().raisePeriodCeiling(ACME, Meter.AI_TOKENS, 10, clock.instant().plus(Duration.ofHours(1)), OPERATOR,
        "a raise, not counted here");

    quota.admin().revoke(open.id(), OPERATOR, "contract ended");

    assertThat(count(QuotaMetrics.LIMIT_OVERRIDES, "set")).isEqualTo(2);
    assertThat(count(QuotaMetrics.LIMIT_OVERRIDES, "revoked")).isEqualTo(1);
    assertThat(registry.find(QuotaMetrics.CREDITS).counters()).isEmpty();
  }

  private double count(String name, String event) {
    Counter counter = registry.find(name).tags("meter", "ai-tokens", "event", event).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void failurePolicyDecisionsAreCountedByTheirOutcome() {
    QuotaGuard denying = guard();
    QuotaGuard allowing = quota(EnforcementMode.ENFORCE, FailurePolicy.allow()).guard();
    storeDown.set(true);

    denying.canProceed(ACME);
    allowing.canProceed(ACME);
    allowing.canProceed(ACME);

    assertThat(registry.get(QuotaMetrics.FAILURE_POLICY_DECISIONS)
        .tags("meter", "ai-tokens", "operation", "can_proceed", "outcome", "denied").counter().count()).isEqualTo(1);
    assertThat(registry.get(QuotaMetrics.FAILURE_POLICY_DECISIONS)
        .tags("meter", "ai-tokens", "operation", "can_proceed", "outcome", "allowed").counter().count()).isEqualTo(2);
    assertThat(decisions("can_proceed", "denied", "store_unavailable")).isEqualTo(1);
  }

  @Test
  void recordedUsageCountsUnitsOnceAndDuplicatesSeparately() {
    QuotaGuard guard = guard();
    UsageEvent event = UsageEvent.of(ACME, Meter.AI_TOKENS, 1_200, UsageKey.of("session-42"));

    guard.record(event);
    guard.record(event);
    guard.tryConsume(ACME, Meter.AI_TOKENS, 300, UsageKey.of("session-43"));

    assertThat(registry.get(QuotaMetrics.USAGE_RECORDED).tags("meter", "ai-tokens").counter().count()).isEqualTo(1_500);
    assertThat(registry.get(QuotaMetrics.USAGE_RECORDS).tags("result", "recorded").counter().count()).isEqualTo(2);
    assertThat(registry.get(QuotaMetrics.USAGE_RECORDS).tags("result", "duplicate").counter().count()).isEqualTo(1);
  }

  @Test
  void reservationsAreCountedWhenOpenedCommittedAndReleased() {
    QuotaGuard guard = guard();

    ReserveResult committed = guard.reserve(ACME, Meter.AI_TOKENS, 4_000, Duration.ofMinutes(2));
    ReserveResult released = guard.reserve(ACME, Meter.AI_TOKENS, 4_000, Duration.ofMinutes(2));
    committed.reservation().commit(3_100, UsageKey.of("call-1"));
    released.reservation().release();

    assertThat(registry.get(QuotaMetrics.RESERVATIONS).tags("event", "opened").counter().count()).isEqualTo(2);
    assertThat(registry.get(QuotaMetrics.RESERVATIONS).tags("event", "committed").counter().count()).isEqualTo(1);
    assertThat(registry.get(QuotaMetrics.RESERVATIONS).tags("event", "released").counter().count()).isEqualTo(1);
  }

  @Test
  void theOpenReservationsGaugeCountsHoldsUntilTheyEnd() {
    QuotaGuard guard = guard();

    ReserveResult first = guard.reserve(ACME, Meter.AI_TOKENS, 1_000, Duration.ofMinutes(2));
    guard.reserve(ACME, Meter.AI_TOKENS, 1_000, Duration.ofMinutes(2));
    Gauge open = registry.get(QuotaMetrics.RESERVATIONS_OPEN).tags("meter", "ai-tokens").gauge();
    assertThat(open.value()).isEqualTo(2);

    first.reservation().commit(900, UsageKey.of("call-1"));
    assertThat(open.value()).isEqualTo(1);
  }

  @Test
  void aCommitRefusedForAConflictingUsageKeyLeavesTheHoldOpen() {
    QuotaGuard guard = guard();
    guard.record(UsageEvent.of(ACME, Meter.AI_TOKENS, 500, UsageKey.of("call-1")));
    ReserveResult hold = guard.reserve(ACME, Meter.AI_TOKENS, 1_000, Duration.ofMinutes(2));

    assertThatThrownBy(() -> hold.reservation().commit(900, UsageKey.of("call-1")))
        .isInstanceOf(UsageConflictException.class);

    assertThat(registry.get(QuotaMetrics.RESERVATIONS_OPEN).tags("meter", "ai-tokens").gauge().value()).isEqualTo(1);
  }

  @Test
  void theOpenReservationsGaugeDropsHoldsThatExpired() {
    QuotaGuard guard = guard();
    guard.reserve(ACME, Meter.AI_TOKENS, 1_000, Duration.ofMinutes(2));
    guard.reserve(ACME, Meter.AI_TOKENS, 1_000, Duration.ofMinutes(10));
    Gauge open = registry.get(QuotaMetrics.RESERVATIONS_OPEN).tags("meter", "ai-tokens").gauge();

    clock.advance(Duration.ofMinutes(2));

    assertThat(open.value()).isEqualTo(1);
  }

  @Test
  void storeCallsAreTimedByOperationAndOutcome() {
    QuotaGuard guard = guard();

    guard.tryConsume(ACME, Meter.AI_TOKENS, 10, UsageKey.of("k1"));
    storeDown.set(true);
    guard.canProceed(ACME);

    Timer consumes = registry.get(QuotaMetrics.STORE_CALLS).tags("operation", "consume", "outcome", "success").timer();
    Timer failedReads = registry.get(QuotaMetrics.STORE_CALLS).tags("operation", "read", "outcome", "unavailable").timer();
    assertThat(consumes.count()).isEqualTo(1);
    assertThat(failedReads.count()).isEqualTo(1);
    assertThat(registry.get(QuotaMetrics.STORE_CALLS).tags("operation", "read", "outcome", "success").timer().count())
        .isEqualTo(1);
  }

  @Test
  void noMeterIsTaggedWithTheTenant() {
    Quota quota = quota(EnforcementMode.ENFORCE, FailurePolicy.deny());
    quota.admin().setPlan(ACME, Plan.of(Tier.PRO), OPERATOR, "subscribed");
    quota.guard().canProceed(ACME);
    quota.guard().tryConsume(ACME, Meter.AI_TOKENS, 10, UsageKey.of("k1"));
    quota.guard().reserve(ACME, Meter.AI_TOKENS, 10, Duration.ofMinutes(1)).reservation().release();
    quota.admin().grantOneTimeCredit(ACME, Meter.AI_TOKENS, 100, clock.instant(), clock.instant().plus(
        Duration.ofDays(30)), OPERATOR, "top-up pack");
    quota.admin().revoke(quota.admin().overrideLimit(ACME, Meter.AI_TOKENS, 5, OPERATOR, "throttle").id(), OPERATOR,
        "lifted");

    assertThat(registry.getMeters()).isNotEmpty();
    assertThat(registry.getMeters()).allSatisfy(meter -> {
      Id id = meter.getId();
      assertThat(id.getTags()).extracting(Tag::getKey).doesNotContain("tenant");
      assertThat(id.getTags()).extracting(Tag::getValue).doesNotContain(ACME.value());
    });
  }

  @Test
  void commonTagsAreAddedToEveryMeter() {
    SimpleMeterRegistry own = new SimpleMeterRegistry();
    QuotaMetrics tagged = QuotaMetrics.builder(own).tag("quota.instance", "billing").clock(clock).build();
    Quota quota = Quota.builder().store(tagged.timed(store)).observer(tagged.observer()).clock(clock).build();

    quota.guard().tryConsume(ACME, Meter.AI_TOKENS, 10, UsageKey.of("k1"));
    quota.guard().reserve(ACME, Meter.AI_TOKENS, 10, Duration.ofMinutes(1));

    assertThat(own.getMeters()).hasSizeGreaterThan(5);
    assertThat(own.getMeters()).allSatisfy(meter ->
        assertThat(meter.getId().getTag("quota.instance")).isEqualTo("billing"));
  }

  @Test
  void theTimedStorePassesOnEveryStoreMethodIncludingTheDefaultOnes() {
    for (Method method : QuotaStore.class.getMethods()) {
      if (Modifier.isStatic(method.getModifiers())) {
        continue;
      }
      Method implementation;
      try {
        implementation = TimedQuotaStore.class.getMethod(method.getName(), method.getParameterTypes());
      } catch (NoSuchMethodException e) {
        throw new AssertionError(e);
      }
      assertThat(implementation.getDeclaringClass())
          .as("TimedQuotaStore must override %s so a store's own implementation is kept", method.getName())
          .isEqualTo(TimedQuotaStore.class);
    }
  }

  @Test
  void closingTheQuotaClosesTheStoreBehindTheTimedOne() {
    AtomicInteger closes = new AtomicInteger();
    QuotaStore closeable = (QuotaStore) Proxy.newProxyInstance(QuotaStore.class.getClassLoader(),
        new Class<?>[] {QuotaStore.class, AutoCloseable.class}, (proxy, method, args) -> {
          if (method.getName().equals("close") && method.getParameterCount() == 0) {
            closes.incrementAndGet();
            return null;
          }
          try {
            return method.invoke(store, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    Quota quota = Quota.builder().store(metrics.timed(closeable)).build();

    quota.close();

    assertThat(closes).hasValue(1);
  }

  @Test
  void closingATimedStoreThatCannotBeClosedDoesNothing() {
    Quota quota = Quota.builder().store(metrics.timed(store)).build();

    quota.close();

    assertThat(quota.guard().canProceed(ACME)).as("the store still answers").isTrue();
  }

  @Test
  void theBuilderNamesWhatItRefuses() {
    assertThatThrownBy(() -> QuotaMetrics.builder(null))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("meter registry must not be null");
    assertThatThrownBy(() -> QuotaMetrics.builder(registry).tag("instance", " "))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("value of tag 'instance' must not be blank");
    assertThatThrownBy(() -> metrics.timed(null))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("store must not be null");
  }

  /** A store that throws {@link StoreUnavailableException} from every call while {@code down} is set. */
  private static QuotaStore failingWhenDown(QuotaStore delegate, AtomicBoolean down) {
    return (QuotaStore) Proxy.newProxyInstance(QuotaStore.class.getClassLoader(), new Class<?>[] {QuotaStore.class},
        (proxy, method, args) -> {
          if (method.getDeclaringClass() == Object.class) {
            return method.invoke(delegate, args);
          }
          if (down.get()) {
            throw new StoreUnavailableException("connection refused", new java.net.ConnectException("refused"));
          }
          try {
            return method.invoke(delegate, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void deliveriesAreCountedAndTheOutboxIsGauged() {
    AtomicBoolean receiverDown = new AtomicBoolean(true);
    NotificationChannel webhook = new NotificationChannel() {
      @Override
      public String name() {
        return "webhook";
      }

      @Override
      public void deliver(Notification notification) throws DeliveryException {
        if (receiverDown.get()) {
          throw new DeliveryException("receiver answered 503", true, null);
        }
      }
    };
    Quota quota = Quota.builder().store(new InMemoryQuotaStore()).clock(clock).observer(metrics.observer())
        .alertThresholds(80).notificationChannel(webhook).dispatchManually()
        .dispatcher(d -> d.jitter(0).backoffBase(Duration.ofMinutes(1)).giveUpAfter(Duration.ofMinutes(1)))
        .build();
    metrics.bindOutbox(quota.outbox());
    NotificationDispatcher dispatcher = quota.dispatcher().orElseThrow();

    quota.guard().record(UsageEvent.of(ACME, Meter.AI_TOKENS, 80_000, UsageKey.of("k1")));
    assertThat(outbox("pending")).isEqualTo(1);

    dispatcher.runOnce();
    assertThat(failed("retrying")).isEqualTo(1);
    clock.advance(Duration.ofMinutes(1));
    dispatcher.runOnce();
    assertThat(failed("gave_up")).isEqualTo(1);
    assertThat(outbox("pending")).isZero();
    assertThat(outbox("failed")).isEqualTo(1);

    Notification notification = quota.outbox().deliveries(DeliveryState.FAILED, 10).get(0).notification();
    quota.outbox().requeue(notification.id(), "webhook", OPERATOR, "receiver fixed");
    receiverDown.set(false);
    dispatcher.runOnce();

    assertThat(registry.get(QuotaMetrics.NOTIFICATIONS_DELIVERED).tags("channel", "webhook", "kind",
        "threshold_crossed").counter().count()).isEqualTo(1);
    assertThat(outbox("pending")).isZero();
    assertThat(outbox("failed")).isZero();
  }

  private double failed(String outcome) {
    return registry.get(QuotaMetrics.NOTIFICATIONS_FAILED).tags("channel", "webhook", "kind", "threshold_crossed",
        "outcome", outcome).counter().count();
  }

  private double outbox(String state) {
    return registry.get(QuotaMetrics.NOTIFICATIONS_OUTBOX).tags("state", state).gauge().value();
  }
}

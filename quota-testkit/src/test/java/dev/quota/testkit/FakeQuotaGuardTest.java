package dev.quota.testkit;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.quota.ConsumeResult;
import dev.quota.Decision.Reason;
import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.RecordResult;
import dev.quota.Reservation;
import dev.quota.ReservationId;
import dev.quota.ReservationStateException;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.TierCatalogue;
import dev.quota.UsageConflictException;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.testkit.FakeQuotaGuard.Call;
import dev.quota.testkit.FakeQuotaGuard.Method;
import dev.quota.testkit.FakeQuotaGuard.Script;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class FakeQuotaGuardTest {
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final TenantId ACME = TenantId.of("acme");
  private static final TenantId GLOBEX = TenantId.of("globex");

  private final TestClock clock = TestClock.at(NOW);
  private final FakeQuotaGuard guard = new FakeQuotaGuard(clock);

  private ConsumeResult consume(TenantId tenant, long amount, String key) {
    return guard.tryConsume(tenant, AI_TOKENS, amount, UsageKey.of(key));
  }

  @Nested
  class Scripts {
    @Test
    void allowsEverythingUnlessScripted() {
      assertThat(guard.canProceed(ACME)).isTrue();
      assertThat(guard.check(ACME, AI_TOKENS, 1_000_000)).isAllowed().hasReason(Reason.WITHIN_BALANCE);
      assertThat(consume(ACME, 5_000, "k1")).isConsumed();
      assertThat(guard.usage(ACME)).hasLimit(TierCatalogue.UNLIMITED).hasUsed(5_000).isNotBlocked()
          .hasEffectiveTier(FakeQuotaGuard.SCRIPTED_TIER);
    }

    @Test
    void denyAllStartsTheTenantBlocked() {
      guard.script(ACME, Script.denyAll());

      assertThat(guard.canProceed(ACME)).isFalse();
      assertThat(consume(ACME, 1, "k1")).isDenied().decision().hasReason(Reason.INSUFFICIENT_BALANCE);
      assertThat(guard.reserve(ACME, AI_TOKENS, 1, Duration.ofMinutes(1)).granted()).isFalse();
      assertThat(guard.usage(ACME)).hasLimit(0).hasUsed(0).isBlocked();
    }

    @Test
    void allowCallsAllowsThatManyCallsThenDenies() {
      guard.script(ACME, Script.allowCalls(2));

      assertThat(consume(ACME, 10, "k1")).isConsumed();
      assertThat(consume(ACME, 10, "k2")).isConsumed();
      assertThat(consume(ACME, 10, "k3")).isDenied();
      assertThat(guard.canProceed(ACME)).isFalse();
      assertThat(guard.usage(ACME)).hasUsed(20).isBlocked();
    }

    @Test
    void everyDecidingCallCountsAsOne() {
      guard.script(ACME, Script.allowCalls(3));

      assertThat(guard.canProceed(ACME)).isTrue();
      assertThat(guard.check(ACME, AI_TOKENS, 10)).isAllowed();
      assertThat(guard.reserve(ACME, AI_TOKENS, 10, Duration.ofMinutes(1)).granted()).isTrue();
      assertThat(guard.check(ACME, AI_TOKENS, 10)).isDenied();
    }

    @Test
    void retriedConsumeDoesNotCountAsACall() {
      guard.script(ACME, Script.allowCalls(1));
      consume(ACME, 10, "k1");

      assertThat(consume(ACME, 10, "k1")).isAlreadyConsumed().isAllowed();
      assertThat(consume(ACME, 10, "k2")).isDenied();
    }

    @Test
    void limitActsAsABalance() {
      guard.script(ACME, Script.limit(1_000));

      assertThat(consume(ACME, 600, "k1")).isConsumed();
      assertThat(consume(ACME, 500, "k2")).isDenied().decision().hasRemaining(400);
      assertThat(consume(ACME, 400, "k3")).isConsumed();
      assertThat(guard.usage(ACME)).hasLimit(1_000).hasUsed(1_000).hasRemaining(0).isBlocked();
    }

    @Test
    void aTenantsOwnScriptOverridesTheScriptForAll() {
      guard.scriptAll(Script.denyAll());
      guard.script(ACME, Script.allowAll());

      assertThat(guard.canProceed(ACME)).isTrue();
      assertThat(guard.canProceed(GLOBEX)).isFalse();
    }

    @Test
    void theScriptForAllCountsEachTenantSeparately() {
      guard.scriptAll(Script.allowCalls(1));

      assertThat(consume(ACME, 10, "k1")).isConsumed();
      assertThat(consume(GLOBEX, 10, "k1")).isConsumed();
      assertThat(consume(ACME, 10, "k2")).isDenied();
      assertThat(consume(GLOBEX, 10, "k2")).isDenied();
    }

    @Test
    void settingAScriptStartsCountingAfresh() {
      guard.script(ACME, Script.allowCalls(1));
      consume(ACME, 10, "k1");
      assertThat(guard.canProceed(ACME)).isFalse();

      guard.script(ACME, Script.allowCalls(1));

      assertThat(guard.canProceed(ACME)).isTrue();
    }

    @Test
    void negativeScriptCountsAreRefused() {
      assertThatThrownBy(() -> Script.allowCalls(-1)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> Script.limit(-1)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  class RecordedCalls {
    @Test
    void everyCallIsRecordedWithItsArguments() {
      Meter calls = Meter.of("ai-calls");
      guard.canProceed(ACME);
      guard.check(ACME, calls, 3);
      consume(GLOBEX, 500, "session-1");
      guard.record(UsageEvent.of(ACME, AI_TOKENS, 70, UsageKey.of("session-2")));
      guard.usage(ACME);

      assertThat(guard.calls()).containsExactly(
          new Call(Method.CAN_PROCEED, ACME, Optional.of(AI_TOKENS), 1, Optional.empty(), Optional.empty(), NOW),
          new Call(Method.CHECK, ACME, Optional.of(calls), 3, Optional.empty(), Optional.empty(), NOW),
          new Call(Method.TRY_CONSUME, GLOBEX, Optional.of(AI_TOKENS), 500, Optional.of(UsageKey.of("session-1")),
              Optional.empty(), NOW),
          new Call(Method.RECORD, ACME, Optional.of(AI_TOKENS), 70, Optional.of(UsageKey.of("session-2")),
              Optional.empty(), NOW),
          new Call(Method.USAGE, ACME, Optional.of(AI_TOKENS), 0, Optional.empty(), Optional.empty(), NOW));
    }

    @Test
    void callsCanBeReadPerTenantAndPerMethod() {
      consume(ACME, 1, "k1");
      consume(GLOBEX, 2, "k1");
      guard.canProceed(ACME);

      assertThat(guard.calls(ACME)).extracting(Call::method).containsExactly(Method.TRY_CONSUME, Method.CAN_PROCEED);
      assertThat(guard.calls(Method.TRY_CONSUME)).extracting(Call::tenant).containsExactly(ACME, GLOBEX);
    }

    @Test
    void reservationCallsNameTheReservation() {
      Reservation reservation = guard.reserve(ACME, AI_TOKENS, 100, Duration.ofMinutes(1)).reservation();
      reservation.commit(80, UsageKey.of("call-1"));

      assertThat(guard.calls(Method.COMMIT)).singleElement().satisfies(call -> {
        assertThat(call.reservation()).contains(reservation.id());
        assertThat(call.amount()).isEqualTo(80);
        assertThat(call.key()).contains(UsageKey.of("call-1"));
      });
    }

    @Test
    void callsRefusedAsBadInputAreRecordedToo() {
      assertThatThrownBy(() -> consume(ACME, 0, "k1")).isInstanceOfSatisfying(InvalidRequestException.class,
          e -> assertThat(e.field()).isEqualTo("amount"));

      assertThat(guard.calls()).singleElement().satisfies(call -> assertThat(call.amount()).isZero());
    }

    @Test
    void clearCallsForgetsTheCallsButNotTheUsage() {
      consume(ACME, 10, "k1");

      guard.clearCalls();

      assertThat(guard.calls()).isEmpty();
      assertThat(guard.usage(ACME)).hasUsed(10);
    }

    @Test
    void recordAllIsRecordedAsOneCallPerEvent() {
      guard.recordAll(List.of(UsageEvent.of(ACME, AI_TOKENS, 1, UsageKey.of("a")),
          UsageEvent.of(GLOBEX, AI_TOKENS, 2, UsageKey.of("b"))));

      assertThat(guard.calls()).extracting(Call::method, Call::tenant).containsExactly(
          tuple(Method.RECORD, ACME),
          tuple(Method.RECORD, GLOBEX));
    }
  }

  @Nested
  class UsageAndReservations {
    @Test
    void recordIsIdempotentByKey() {
      UsageEvent event = UsageEvent.of(ACME, AI_TOKENS, 70, UsageKey.of("session-2"));

      RecordResult first = guard.record(event);
      RecordResult second = guard.record(event);

      assertThat(first.duplicate()).isFalse();
      assertThat(second.duplicate()).isTrue();
      assertThat(guard.usage(ACME)).hasUsed(70);
    }

    @Test
    void sameKeyWithAnotherAmountIsAConflict() {
      consume(ACME, 70, "session-2");

      assertThatThrownBy(() -> consume(ACME, 80, "session-2")).isInstanceOf(UsageConflictException.class);
      assertThatThrownBy(() -> guard.record(UsageEvent.of(ACME, AI_TOKENS, 80, UsageKey.of("session-2"))))
          .isInstanceOf(UsageConflictException.class);
      assertThat(guard.usage(ACME)).hasUsed(70);
    }

    @Test
    void recordAllRecordsTheRestOfTheBatchThenThrowsTheConflict() {
      consume(ACME, 70, "k1");

      assertThatThrownBy(() -> guard.recordAll(List.of(UsageEvent.of(ACME, AI_TOKENS, 80, UsageKey.of("k1")),
          UsageEvent.of(ACME, AI_TOKENS, 5, UsageKey.of("k2"))))).isInstanceOf(UsageConflictException.class);

      assertThat(guard.usage(ACME)).hasUsed(75);
    }

    @Test
    void reservationsCountAgainstALimitUntilCommitted() {
      guard.script(ACME, Script.limit(1_000));
      Reservation reservation = guard.reserve(ACME, AI_TOKENS, 600, Duration.ofMinutes(5)).reservation();

      assertThat(guard.usage(ACME)).hasReserved(600).hasRemaining(400);
      assertThat(consume(ACME, 500, "k1")).isDenied();

      reservation.commit(450, UsageKey.of("call-1"));
      assertThat(guard.usage(ACME)).hasReserved(0).hasUsed(450).hasRemaining(550);
    }

    @Test
    void releaseAndExpiryEndTheHold() {
      Reservation released = guard.reserve(ACME, AI_TOKENS, 100, Duration.ofMinutes(5)).reservation();
      guard.reserve(ACME, AI_TOKENS, 200, Duration.ofMinutes(1));

      assertThat(released.release()).isTrue();
      assertThat(released.release()).isFalse();
      assertThat(guard.usage(ACME)).hasReserved(200);
      clock.advance(Duration.ofMinutes(1));
      assertThat(guard.usage(ACME)).hasReserved(0);
    }

    @Test
    void reservationsEndOnlyOnce() {
      Reservation released = guard.reserve(ACME, AI_TOKENS, 100, Duration.ofMinutes(5)).reservation();
      Reservation committed = guard.reserve(ACME, AI_TOKENS, 100, Duration.ofMinutes(5)).reservation();
      released.release();
      committed.commit(90, UsageKey.of("call-1"));

      assertThatThrownBy(() -> released.commit(90, UsageKey.of("call-2"))).isInstanceOf(ReservationStateException.class);
      assertThatThrownBy(committed::release).isInstanceOf(ReservationStateException.class);
      assertThatThrownBy(() -> committed.commit(90, UsageKey.of("call-3")))
          .isInstanceOf(ReservationStateException.class);
      assertThat(committed.commit(90, UsageKey.of("call-1")).duplicate()).isTrue();
      assertThat(guard.usage(ACME)).hasUsed(90);
    }

    @Test
    void unknownReservationReleasesNothingAndCommitsItsUsage() {
      ReservationId unknown = ReservationId.random();

      assertThat(guard.release(ACME, unknown)).isFalse();
      guard.commit(ACME, unknown, AI_TOKENS, 40, UsageKey.of("late"));

      assertThat(guard.usage(ACME)).hasUsed(40);
      assertThat(guard.calls(Method.RELEASE)).singleElement().satisfies(call -> assertThat(call.meter()).isEmpty());
    }

    @Test
    void ttlAboveTheMaximumIsRefused() {
      assertThatThrownBy(() -> guard.reserve(ACME, AI_TOKENS, 100, FakeQuotaGuard.MAX_RESERVATION_TTL.plusSeconds(1)))
          .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("ttl"));
    }

    @Test
    void usageResetsAtTheStartOfTheNextMonthInUtc() {
      guard.script(ACME, Script.limit(1_000));
      consume(ACME, 1_000, "k1");
      assertThat(guard.canProceed(ACME)).isFalse();

      clock.set("2026-12-01T00:00:00Z");

      assertThat(guard.canProceed(ACME)).isTrue();
      assertThat(guard.usage(ACME)).hasUsed(0).hasPeriod(
          new Period(Instant.parse("2026-12-01T00:00:00Z"), Instant.parse("2027-01-01T00:00:00Z")));
    }

    @Test
    void reservedUnitsAreNotConsumed() {
      ReserveResult result = guard.reserve(ACME, AI_TOKENS, 100, Duration.ofMinutes(1));

      assertThat(result.decision()).isAllowed().report().hasReserved(100).hasUsed(0);
    }
  }

  @Test
  void concurrentCallersAreEachCountedOnce() throws Exception {
    guard.script(ACME, Script.limit(500));
    int threads = 16;
    int perThread = 50;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Long>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          assertThat(start.await(30, TimeUnit.SECONDS)).as("released").isTrue();
          long consumed = 0;
          for (int op = 0; op < perThread; op++) {
            if (consume(ACME, 1, "t" + thread + "-" + op).outcome() == ConsumeResult.Outcome.CONSUMED) {
              consumed++;
            }
          }
          return consumed;
        }));
      }
      start.countDown();
      long consumed = 0;
      for (Future<Long> future : futures) {
        consumed += future.get(60, TimeUnit.SECONDS);
      }

      assertThat(consumed).isEqualTo(500);
      assertThat(guard.calls()).hasSize(threads * perThread);
      assertThat(guard.usage(ACME)).hasUsed(500);
    } finally {
      pool.shutdownNow();
    }
  }
}

package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.Tier.ENTERPRISE;
import static dev.quota.Tier.FREE;
import static dev.quota.Tier.PRO;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.quota.ConsumeResult;
import dev.quota.ConsumeResult.Outcome;
import dev.quota.Decision;
import dev.quota.Decision.Reason;
import dev.quota.EnforcementMode;
import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.PlanFallback;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.RecordResult;
import dev.quota.Reservation;
import dev.quota.ReservationStateException;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageConflictException;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.UsageReport.TierSource;
import dev.quota.admin.AccessDeniedException;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Bypass;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.EntitlementStateException;
import dev.quota.admin.Grant;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PurgeConfirmation;
import dev.quota.admin.PurgeSummary;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.ResetResult;
import dev.quota.admin.TierOverride;
import dev.quota.admin.Verification;
import dev.quota.alert.ThresholdAlert;
import dev.quota.period.PeriodPolicy;
import dev.quota.spi.QuotaStore;
import dev.quota.testkit.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every {@link QuotaStore} must show, written once and run against every backend: extend
 * this class, implement {@link #createStore()}, and the whole suite runs as the backend's own tests.
 *
 * {@snippet :
 * class PostgresQuotaStoreTest extends QuotaStoreContract {
 *   @Override
 *   protected QuotaStore createStore() {
 *     return PostgresQuotaStore.builder().dataSource(dataSource).build();
 *   }
 * }
 * }
 *
 * <p>Every test builds a {@link Quota} over the store with a {@link TestClock} (never the wall clock) and
 * asserts only through the public API ({@link QuotaGuard}, {@link QuotaAdmin}, {@link QuotaAdmin#verify}),
 * never through the backend's internals; so the same policy, as quota-core computes it, is checked against
 * what each store keeps. The behaviours are grouped in {@link Nested} classes by concern.
 *
 * <p>A backend may hand every test a store over one shared database, even one kept from earlier runs: each
 * test works on tenants of its own (ids with a random part), the listing tests use a meter of their own,
 * and the whole audit log is read only to check that a refused call added nothing to it; so tests never see
 * each other's data. Tests run one after another; within a test, the concurrency tests use
 * {@link #concurrentThreads()} threads. Instants are whole milliseconds, which every database keeps exactly.
 *
 * <p>Not covered here: the guard's {@link dev.quota.FailurePolicy}, which needs a store that fails on
 * purpose; backends test their own failure handling.
 */
public abstract class QuotaStoreContract {
  /** Where every test's clock starts: 2026-11-25 10:00 UTC, a Wednesday late in a 30-day month. */
  protected static final Instant START = Instant.parse("2026-11-25T10:00:00Z");
  /** The actor of every admin change the suite makes. */
  protected static final Actor OPERATOR = Actor.of("ops@example.com");
  /** The reason given for admin changes whose reason is not under test. */
  protected static final String REASON = "SUP-1234: customer demo tomorrow";

  private static final Instant NOVEMBER_START = Instant.parse("2026-11-01T00:00:00Z");
  private static final Instant DECEMBER_START = Instant.parse("2026-12-01T00:00:00Z");
  private static final Period NOVEMBER = new Period(NOVEMBER_START, DECEMBER_START);
  private static final Period DECEMBER = new Period(DECEMBER_START, Instant.parse("2027-01-01T00:00:00Z"));
  private static final Meter AI_CALLS = Meter.of("ai-calls");
  private static final Tier METERED = Tier.of("metered");
  private static final Tier LEGACY = Tier.of("legacy");

  private QuotaStore store;
  private TestClock clock;
  private String testId;
  private int tenantCount;

  /**
   * Returns the store one test runs on. Called once per test, before anything else of the test; the
   * suite never calls it twice for one test. Return a new, empty store, or one over a database shared by
   * all tests (the suite isolates itself by tenant id).
   *
   * @return the store under test
   */
  protected abstract QuotaStore createStore();

  /**
   * Called after each test with the store {@link #createStore()} returned, to close or clean it. Does
   * nothing by default.
   *
   * @param store the test's store
   */
  protected void cleanUp(QuotaStore store) {}

  /**
   * The number of threads the concurrency tests start at once; 16 by default, at least 2.
   *
   * @return the thread count
   */
  protected int concurrentThreads() {
    return 16;
  }

  /**
   * The number of operations each thread of a concurrency test makes; 50 by default. Lower it for a store
   * whose round trips are slow, to keep each concurrency test within a few seconds.
   *
   * @return the operations per thread, at least 1
   */
  protected int operationsPerThread() {
    return 50;
  }

  /**
   * The longest a concurrency test may take before it fails; 30 seconds by default. A bound against a
   * hung store, far above what a correct one needs.
   *
   * @return the time limit
   */
  protected Duration concurrencyTimeout() {
    return Duration.ofSeconds(30);
  }

  @BeforeEach
  final void openStore() {
    testId = UUID.randomUUID().toString().substring(0, 8);
    tenantCount = 0;
    clock = TestClock.at(START);
    store = Objects.requireNonNull(createStore(), "createStore() returned null");
  }

  @AfterEach
  final void closeStore() {
    if (store != null) {
      cleanUp(store);
    }
  }

  /**
   * The current test's store, for tests a backend adds of its own.
   *
   * @return the store {@link #createStore()} returned for this test
   */
  protected final QuotaStore store() {
    return store;
  }

  /**
   * The current test's clock, which starts at {@link #START} and moves only when the test moves it.
   *
   * @return the clock
   */
  protected final TestClock clock() {
    return clock;
  }

  /**
   * A builder for a {@link Quota} over this test's store and clock, with every other setting at its
   * default.
   *
   * @return the builder
   */
  protected final Quota.Builder quotaBuilder() {
    return Quota.builder().store(store).clock(clock);
  }

  /**
   * A tenant no other test uses: the label, then this test's random id and a counter.
   *
   * @param label what the tenant is for, to read in failures
   * @return a fresh tenant id
   */
  protected final TenantId newTenant(String label) {
    return TenantId.of(label + "-" + testId + "-" + (++tenantCount));
  }

  // --- fixture helpers for the nested classes --------------------------------------------------------

  private Quota quota() {
    return quotaBuilder().build();
  }

  private Quota quota(TierCatalogue catalogue) {
    return quotaBuilder().catalogue(catalogue).build();
  }

  /** Tokens monthly as in the defaults, plus AI calls per UTC day: free 50, pro 1000, enterprise unlimited. */
  private static TierCatalogue tokensAndDailyCalls() {
    return TierCatalogue.builder()
        .meter(AI_TOKENS, PeriodPolicy.calendarMonth())
        .meter(AI_CALLS, PeriodPolicy.calendarDay(ZoneOffset.UTC))
        .tier(FREE, Map.of(AI_TOKENS, 100_000L, AI_CALLS, 50L))
        .tier(PRO, Map.of(AI_TOKENS, 1_000_000L, AI_CALLS, 1_000L))
        .tier(ENTERPRISE, Map.of(AI_TOKENS, 10_000_000L, AI_CALLS, TierCatalogue.UNLIMITED))
        .defaultTier(FREE)
        .build();
  }

  /** One monthly token meter and one tier, the default, with the given limit. */
  private static TierCatalogue singleTier(long limit) {
    return TierCatalogue.builder()
        .meter(AI_TOKENS, PeriodPolicy.calendarMonth())
        .tier(METERED, Map.of(AI_TOKENS, limit))
        .defaultTier(METERED)
        .build();
  }

  private static RecordResult use(QuotaGuard guard, TenantId tenant, long amount) {
    return use(guard, tenant, AI_TOKENS, amount);
  }

  private static RecordResult use(QuotaGuard guard, TenantId tenant, Meter meter, long amount) {
    return guard.record(UsageEvent.of(tenant, meter, amount, UsageKey.random()));
  }

  private static List<AuditEntry> auditOf(QuotaAdmin admin, TenantId tenant) {
    return admin.audit(tenant, PageRequest.first(PageRequest.MAX_SIZE)).items();
  }

  private static Period period(String start, String end) {
    return new Period(Instant.parse(start), Instant.parse(end));
  }

  /** Asserts that the call is refused as bad input naming {@code field}. */
  private static void assertRejected(String field, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(InvalidRequestException.class,
        e -> assertThat(e.field()).as("the field named by '%s'", e.getMessage()).isEqualTo(field));
  }

  /** Limits per tier and meter: who may proceed, and what decisions and reports say. */
  @Nested
  public class Limits {
    private Quota quota;
    private QuotaGuard guard;
    private TenantId tenant;

    @BeforeEach
    void setUp() {
      quota = quota();
      guard = quota.guard();
      tenant = newTenant("limits");
    }

    @ParameterizedTest(name = "{0} allows {1} tokens a month")
    @CsvSource({"free, 100000", "pro, 1000000", "enterprise, 10000000"})
    void eachDefaultTierHasItsMonthlyLimit(String tierName, long limit) {
      quota.admin().setPlan(tenant, Plan.of(Tier.of(tierName)), OPERATOR, REASON);

      assertThat(guard.usage(tenant)).hasEffectiveTier(Tier.of(tierName)).hasTierSource(TierSource.PLAN)
          .hasLimit(limit).hasUsed(0).hasRemaining(limit).isNotBlocked();
    }

    @ParameterizedTest(name = "{0}: {1} - 1 tokens used")
    @CsvSource({"free, 100000", "pro, 1000000", "enterprise, 10000000"})
    void usageBelowTheLimitProceeds(String tierName, long limit) {
      quota.admin().setPlan(tenant, Plan.of(Tier.of(tierName)), OPERATOR, REASON);
      use(guard, tenant, limit - 1);

      assertThat(guard.canProceed(tenant)).isTrue();
      assertThat(guard.usage(tenant)).hasUsed(limit - 1).hasRemaining(1).isNotBlocked();
    }

    @ParameterizedTest(name = "{0}: {1} tokens used")
    @CsvSource({"free, 100000", "pro, 1000000", "enterprise, 10000000"})
    void usageAtExactlyTheLimitBlocks(String tierName, long limit) {
      quota.admin().setPlan(tenant, Plan.of(Tier.of(tierName)), OPERATOR, REASON);
      use(guard, tenant, limit);

      assertThat(guard.canProceed(tenant)).isFalse();
      assertThat(guard.usage(tenant)).hasUsed(limit).hasRemaining(0).isBlocked();
      assertThat(guard.check(tenant, AI_TOKENS, 1)).isDenied().hasReason(Reason.INSUFFICIENT_BALANCE);
    }

    @Test
    void usageBeyondTheLimitIsReportedInFull() {
      use(guard, tenant, 102_500);

      assertThat(guard.usage(tenant)).hasUsed(102_500).hasLimit(100_000).hasRemaining(0).isBlocked();
    }

    @Test
    void checkWithinTheBalanceIsAllowedAndTellsTheStanding() {
      use(guard, tenant, 40_000);

      Decision decision = guard.check(tenant, AI_TOKENS, 30_000);

      assertThat(decision).isAllowed().hasReason(Reason.WITHIN_BALANCE).hasRequested(30_000).hasRemaining(60_000)
          .isNotShadowed();
      assertThat(decision.tenant()).isEqualTo(tenant);
      assertThat(decision.meter()).isEqualTo(AI_TOKENS);
      assertThat(decision).report().hasUsed(40_000).hasLimit(100_000);
    }

    @Test
    void checkBeyondTheBalanceIsDenied() {
      use(guard, tenant, 90_000);

      assertThat(guard.check(tenant, AI_TOKENS, 20_000)).isDenied().hasReason(Reason.INSUFFICIENT_BALANCE)
          .hasRequested(20_000).hasRemaining(10_000).isNotShadowed();
    }

    @Test
    void checkConsumesNothing() {
      for (int i = 0; i < 3; i++) {
        assertThat(guard.check(tenant, AI_TOKENS, 50_000)).isAllowed();
      }

      assertThat(guard.usage(tenant)).hasUsed(0).hasReserved(0);
    }

    @Test
    void consumeUpToExactlyTheLimitSucceeds() {
      assertThat(guard.tryConsume(tenant, AI_TOKENS, 60_000, UsageKey.of("first"))).isConsumed().isAllowed();
      ConsumeResult last = guard.tryConsume(tenant, AI_TOKENS, 40_000, UsageKey.of("second"));

      assertThat(last).isConsumed().decision().isAllowed().hasReason(Reason.WITHIN_BALANCE).hasRemaining(0);
      assertThat(guard.usage(tenant)).hasUsed(100_000).isBlocked();
    }

    @Test
    void consumeBeyondTheBalanceIsDeniedAndWritesNothing() {
      guard.tryConsume(tenant, AI_TOKENS, 60_000, UsageKey.of("first"));

      ConsumeResult denied = guard.tryConsume(tenant, AI_TOKENS, 40_001, UsageKey.of("second"));

      assertThat(denied).isDenied().decision().isDenied().hasReason(Reason.INSUFFICIENT_BALANCE).hasRemaining(40_000);
      assertThat(guard.usage(tenant)).hasUsed(60_000);
      assertThat(quota.admin().verify(tenant).consistent()).isTrue();
    }

    @Test
    void reportDescribesTheTenantsStanding() {
      quota.admin().setPlan(tenant, Plan.of(PRO), OPERATOR, REASON);
      use(guard, tenant, 250_000);

      UsageReport report = guard.usage(tenant);

      assertThat(report).hasTenant(tenant).hasMeter(AI_TOKENS).hasPlannedTier(PRO).hasEffectiveTier(PRO)
          .hasTierSource(TierSource.PLAN).hasLimit(1_000_000).hasGranted(0).hasUsed(250_000).hasReserved(0)
          .hasRemaining(750_000).hasPeriod(NOVEMBER).resetsAt(DECEMBER_START).isNotBlocked().isNotBypassed();
      assertThat(report.asOf()).isEqualTo(START);
      assertThat(report.percentUsed()).isEqualTo(25.0);
      assertThat(report.activeEntitlements()).isEmpty();
    }

    @Test
    void eachMeterHasItsOwnLimitAndPeriod() {
      QuotaGuard twoMeters = quota(tokensAndDailyCalls()).guard();

      assertThat(twoMeters.usage(tenant, AI_TOKENS)).hasLimit(100_000).hasPeriod(NOVEMBER);
      assertThat(twoMeters.usage(tenant, AI_CALLS)).hasLimit(50)
          .hasPeriod(period("2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z"));
    }

    @Test
    void usageOnOneMeterLeavesAnotherAlone() {
      QuotaGuard twoMeters = quota(tokensAndDailyCalls()).guard();
      use(twoMeters, tenant, AI_CALLS, 50);

      assertThat(twoMeters.usage(tenant, AI_CALLS)).hasUsed(50).isBlocked();
      assertThat(twoMeters.usage(tenant, AI_TOKENS)).hasUsed(0).isNotBlocked();
      assertThat(twoMeters.check(tenant, AI_TOKENS, 1_000)).isAllowed();
    }

    @Test
    void canProceedChecksTheFirstDeclaredMeter() {
      QuotaGuard twoMeters = quota(tokensAndDailyCalls()).guard();
      use(twoMeters, tenant, AI_CALLS, 50);

      assertThat(twoMeters.canProceed(tenant)).as("calls exhausted, tokens left").isTrue();

      use(twoMeters, tenant, AI_TOKENS, 100_000);
      assertThat(twoMeters.canProceed(tenant)).as("tokens exhausted").isFalse();
    }

    @Test
    void unlimitedMeterNeverBlocks() {
      Quota twoMeters = quota(tokensAndDailyCalls());
      twoMeters.admin().setPlan(tenant, Plan.of(ENTERPRISE), OPERATOR, REASON);
      use(twoMeters.guard(), tenant, AI_CALLS, 1_000_000);

      assertThat(twoMeters.guard().usage(tenant, AI_CALLS)).hasLimit(TierCatalogue.UNLIMITED).hasUsed(1_000_000)
          .isNotBlocked();
      assertThat(twoMeters.guard().check(tenant, AI_CALLS, 1_000_000_000_000L)).isAllowed();
      assertThat(twoMeters.guard().tryConsume(tenant, AI_CALLS, 5_000_000, UsageKey.of("bulk"))).isConsumed();
    }

    @Test
    void usageOfOneTenantDoesNotCountForAnother() {
      TenantId other = newTenant("neighbour");
      use(guard, tenant, 100_000);

      assertThat(guard.usage(other)).hasUsed(0).isNotBlocked();
      assertThat(guard.canProceed(other)).isTrue();
    }
  }

  /** Periods: usage resets at the period's end, which the library computes, not the clock's zone. */
  @Nested
  public class Periods {
    private Quota quota;
    private QuotaGuard guard;
    private TenantId tenant;

    @BeforeEach
    void setUp() {
      quota = quota();
      guard = quota.guard();
      tenant = newTenant("periods");
    }

    @Test
    void usageResetsAtTheStartOfTheNextCalendarMonth() {
      use(guard, tenant, 100_000);
      assertThat(guard.canProceed(tenant)).isFalse();

      clock.set(DECEMBER_START.minusMillis(1));
      assertThat(guard.canProceed(tenant)).as("a millisecond before December").isFalse();

      clock.set(DECEMBER_START);
      assertThat(guard.canProceed(tenant)).as("at December's first instant").isTrue();
      assertThat(guard.usage(tenant)).hasUsed(0).hasPeriod(DECEMBER).hasRemaining(100_000);
    }

    @Test
    void usageAtThePeriodsEndCountsInTheNextPeriod() {
      clock.set(DECEMBER_START.minusMillis(1));
      RecordResult november = use(guard, tenant, 700);
      clock.set(DECEMBER_START);
      RecordResult december = use(guard, tenant, 300);

      assertThat(november.period()).isEqualTo(NOVEMBER);
      assertThat(december.period()).isEqualTo(DECEMBER);
      assertThat(december.usedInPeriod()).isEqualTo(300);
      assertThat(guard.usage(tenant)).hasUsed(300);
    }

    @Test
    void monthBoundaryIsUtcForAClockEastOfUtc() {
      // UTC+14: at 12:00 UTC on November 30 it is already December 1 on this clock's calendar.
      QuotaGuard kiritimati = quotaBuilder().clock(clock.withZone(ZoneId.of("Pacific/Kiritimati"))).build().guard();
      clock.set("2026-11-30T12:00:00Z");

      RecordResult result = use(kiritimati, tenant, 100_000);

      assertThat(result.period()).isEqualTo(NOVEMBER);
      assertThat(kiritimati.usage(tenant)).hasPeriod(NOVEMBER).isBlocked();
      clock.set(DECEMBER_START);
      assertThat(kiritimati.usage(tenant)).hasPeriod(DECEMBER).hasUsed(0).isNotBlocked();
    }

    @Test
    void monthBoundaryIsUtcForAClockWestOfUtc() {
      // UTC-10: at 05:00 UTC on December 1 it is still November 30 on this clock's calendar.
      QuotaGuard honolulu = quotaBuilder().clock(clock.withZone(ZoneId.of("Pacific/Honolulu"))).build().guard();
      use(honolulu, tenant, 100_000);
      clock.set("2026-12-01T05:00:00Z");

      assertThat(honolulu.usage(tenant)).hasPeriod(DECEMBER).hasUsed(0).isNotBlocked();
      assertThat(honolulu.canProceed(tenant)).isTrue();
    }

    @Test
    void billingDayAnchorsTheMonthlyPeriod() {
      quota.admin().setPlan(tenant, Plan.of(PRO, 15), OPERATOR, REASON);
      use(guard, tenant, 1_000_000);

      assertThat(guard.usage(tenant)).hasPeriod(period("2026-11-15T00:00:00Z", "2026-12-15T00:00:00Z")).isBlocked();
      clock.set(DECEMBER_START);
      assertThat(guard.usage(tenant)).as("December 1 is mid-period for billing day 15").isBlocked();
      clock.set("2026-12-15T00:00:00Z");
      assertThat(guard.usage(tenant)).hasPeriod(period("2026-12-15T00:00:00Z", "2027-01-15T00:00:00Z")).hasUsed(0)
          .isNotBlocked();
    }

    @Test
    void billingDayThirtyOneStartsFebruarysPeriodOnItsLastDay() {
      clock.set("2026-02-10T09:00:00Z");
      quota.admin().setPlan(tenant, Plan.of(FREE, 31), OPERATOR, REASON);
      use(guard, tenant, 100_000);

      assertThat(guard.usage(tenant)).hasPeriod(period("2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z")).isBlocked();
      clock.set("2026-02-28T00:00:00Z");
      assertThat(guard.usage(tenant)).hasPeriod(period("2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z")).hasUsed(0)
          .isNotBlocked();
    }

    @Test
    void billingDayLeavesDailyMetersOnCalendarDays() {
      Quota twoMeters = quota(tokensAndDailyCalls());

      twoMeters.admin().setPlan(tenant, Plan.of(PRO, 15), OPERATOR, REASON);

      assertThat(twoMeters.guard().usage(tenant, AI_CALLS))
          .hasPeriod(period("2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z"));
      assertThat(twoMeters.guard().usage(tenant, AI_TOKENS))
          .hasPeriod(period("2026-11-15T00:00:00Z", "2026-12-15T00:00:00Z"));
    }

    @Test
    void dailyMeterResetsEachDayWhileTheMonthlyMeterKeepsCounting() {
      QuotaGuard twoMeters = quota(tokensAndDailyCalls()).guard();
      use(twoMeters, tenant, AI_CALLS, 50);
      use(twoMeters, tenant, AI_TOKENS, 8_000);
      assertThat(twoMeters.usage(tenant, AI_CALLS)).isBlocked();

      clock.set("2026-11-26T00:00:00Z");

      assertThat(twoMeters.usage(tenant, AI_CALLS)).hasUsed(0).isNotBlocked()
          .hasPeriod(period("2026-11-26T00:00:00Z", "2026-11-27T00:00:00Z"));
      assertThat(twoMeters.usage(tenant, AI_TOKENS)).hasUsed(8_000);
    }

    @Test
    void usageOfEndedPeriodsStaysInTheLedger() {
      use(guard, tenant, 70_000);
      clock.set(DECEMBER_START);
      use(guard, tenant, 5_000);

      Verification verification = quota.admin().verify(tenant);

      assertThat(verification.checks()).containsExactly(
          new CounterCheck(AI_TOKENS, NOVEMBER, 70_000, 70_000),
          new CounterCheck(AI_TOKENS, DECEMBER, 5_000, 5_000));
      assertThat(guard.usage(tenant)).hasUsed(5_000);
    }
  }

  /** Idempotency: a usage key identifies one event, which counts once however often it is sent. */
  @Nested
  public class Idempotency {
    private Quota quota;
    private QuotaGuard guard;
    private TenantId tenant;

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

  /**
   * Concurrency: many threads on one tenant never together exceed its balance, and every unit recorded is a
   * unit some caller was told it consumed.
   */
  @Nested
  public class Concurrency {
    /** Every operation's amount: a balance that is a whole multiple of it can be spent to the last unit. */
    private static final long AMOUNT = 7;

    private int threads;
    private int operations;

    @BeforeEach
    void setUp() {
      threads = concurrentThreads();
      operations = operationsPerThread();
      assertThat(threads).as("concurrentThreads()").isGreaterThanOrEqualTo(2);
      assertThat(operations).as("operationsPerThread()").isPositive();
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
      AlertRecorder alerts = new AlertRecorder();
      long limit = (long) threads * operations * 10;
      Quota quota = quotaBuilder().catalogue(singleTier(limit)).alertListener(alerts).build();
      TenantId tenant = newTenant("alerted");

      Concurrently.run(threads, operations, concurrencyTimeout(), (thread, op) -> quota.guard()
          .record(UsageEvent.of(tenant, AI_TOKENS, 10, UsageKey.of("t" + thread + "-op" + op))));

      assertThat(alerts.thresholds()).containsExactlyInAnyOrder(80, 90, 100);
      assertThat(quota.guard().usage(tenant)).hasUsed(limit);
    }
  }

  /** Reservations: holds for work whose cost is known afterwards. */
  @Nested
  public class Reservations {
    private static final Duration TTL = Duration.ofMinutes(5);

    private Quota quota;
    private QuotaGuard guard;
    private TenantId tenant;

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
      clock.advance(TTL.plusMinutes(10));
      assertThat(guard.usage(tenant)).hasReserved(0);

      RecordResult result = reservation.commit(4_000, UsageKey.of("call-1"));

      assertThat(result.duplicate()).isFalse();
      assertThat(guard.usage(tenant)).hasUsed(4_000).hasReserved(0);
    }

    @Test
    void commitLongAfterExpiryStillRecordsTheUsage() {
      Reservation reservation = reserve(10_000);
      clock.advance(Duration.ofDays(2));
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

      clock.advance(TTL.minusMillis(1));
      assertThat(guard.usage(tenant)).as("a millisecond before expiry").hasReserved(60_000);

      clock.advance(Duration.ofMillis(1));
      assertThat(guard.usage(tenant)).as("at expiry").hasReserved(0).hasRemaining(100_000);
    }

    @Test
    void releaseAfterExpiryHasNothingToEnd() {
      Reservation reservation = reserve(60_000);
      clock.advance(TTL);

      assertThat(reservation.release()).isFalse();
      assertThat(guard.usage(tenant)).hasReserved(0);
    }

    @Test
    void releaseAfterExpiryLeavesTheReservationCommittable() {
      Reservation reservation = reserve(10_000);
      clock.advance(TTL);
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

  /** {@link QuotaAdmin#resetUsage}: unblocks by granting the period's usage back, deleting nothing. */
  @Nested
  public class ResetUsage {
    private Quota quota;
    private QuotaGuard guard;
    private QuotaAdmin admin;
    private TenantId tenant;

    @BeforeEach
    void setUp() {
      quota = quota();
      guard = quota.guard();
      admin = quota.admin();
      tenant = newTenant("reset");
    }

    @Test
    void resetUnblocksWithoutDeletingUsage() {
      use(guard, tenant, 100_000);
      assertThat(guard.canProceed(tenant)).isFalse();

      admin.resetUsage(tenant, OPERATOR, REASON);

      assertThat(guard.canProceed(tenant)).isTrue();
      assertThat(guard.usage(tenant)).hasUsed(100_000).hasGranted(100_000).hasRemaining(100_000).isNotBlocked();
    }

    @Test
    void resetLeavesTheLedgerAsItWas() {
      use(guard, tenant, 100_000);
      Verification before = admin.verify(tenant);

      admin.resetUsage(tenant, OPERATOR, REASON);

      assertThat(admin.verify(tenant)).isEqualTo(before);
      assertThat(before.checks()).containsExactly(new CounterCheck(AI_TOKENS, NOVEMBER, 100_000, 100_000));
    }

    @Test
    void resetGrantEndsWithThePeriod() {
      use(guard, tenant, 100_000);

      ResetResult result = admin.resetUsage(tenant, OPERATOR, REASON);

      assertThat(result.grants()).singleElement().satisfies(grant -> {
        assertThat(grant.kind()).isEqualTo(Grant.Kind.RESET);
        assertThat(grant.meter()).isEqualTo(AI_TOKENS);
        assertThat(grant.amount()).isEqualTo(100_000);
        assertThat(grant.validFrom()).isEqualTo(START);
        assertThat(grant.validUntil()).isEqualTo(DECEMBER_START);
      });
      clock.set(DECEMBER_START);
      assertThat(guard.usage(tenant)).hasGranted(0).hasUsed(0);
    }

    @Test
    void secondResetInAPeriodCancelsOnlyTheUsageSinceTheFirst() {
      use(guard, tenant, 100_000);
      admin.resetUsage(tenant, OPERATOR, REASON);
      use(guard, tenant, 30_000);

      ResetResult second = admin.resetUsage(tenant, OPERATOR, REASON);

      assertThat(second.grants()).extracting(Grant::amount).containsExactly(30_000L);
      assertThat(guard.usage(tenant)).hasUsed(130_000).hasGranted(130_000).hasRemaining(100_000);
    }

    @Test
    void resetRightAfterAResetGrantsNothingMore() {
      use(guard, tenant, 100_000);
      admin.resetUsage(tenant, OPERATOR, REASON);

      ResetResult second = admin.resetUsage(tenant, OPERATOR, REASON);

      assertThat(second.grants()).isEmpty();
      assertThat(guard.usage(tenant)).hasGranted(100_000).hasRemaining(100_000);
    }

    @Test
    void resetAfterARevokedResetCancelsTheUsageAgain() {
      use(guard, tenant, 100_000);
      Grant first = admin.resetUsage(tenant, OPERATOR, REASON).grants().get(0);
      admin.revoke(first.id(), OPERATOR, "reset by mistake");
      assertThat(guard.canProceed(tenant)).isFalse();

      ResetResult again = admin.resetUsage(tenant, OPERATOR, REASON);

      assertThat(again.grants()).extracting(Grant::amount).containsExactly(100_000L);
      assertThat(guard.canProceed(tenant)).isTrue();
    }

    @Test
    void resetOfATenantWithoutUsageGrantsNothingButIsAudited() {
      ResetResult result = admin.resetUsage(tenant, OPERATOR, REASON);

      assertThat(result.grants()).isEmpty();
      assertThat(auditOf(admin, tenant)).containsExactly(result.audit());
      assertThat(guard.usage(tenant)).hasGranted(0);
    }

    @Test
    void resetOfOneMeterLeavesOtherMetersAlone() {
      Quota twoMeters = quota(tokensAndDailyCalls());
      use(twoMeters.guard(), tenant, AI_TOKENS, 100_000);
      use(twoMeters.guard(), tenant, AI_CALLS, 50);

      twoMeters.admin().resetUsage(tenant, AI_CALLS, OPERATOR, REASON);

      assertThat(twoMeters.guard().usage(tenant, AI_CALLS)).hasGranted(50).isNotBlocked();
      assertThat(twoMeters.guard().usage(tenant, AI_TOKENS)).hasGranted(0).isBlocked();
    }

    @Test
    void resetOfEveryMeterCancelsEachMetersUsageUntilItsOwnPeriodEnds() {
      Quota twoMeters = quota(tokensAndDailyCalls());
      use(twoMeters.guard(), tenant, AI_TOKENS, 100_000);
      use(twoMeters.guard(), tenant, AI_CALLS, 50);

      ResetResult result = twoMeters.admin().resetUsage(tenant, OPERATOR, REASON);

      assertThat(result.grants()).extracting(Grant::meter, Grant::amount, Grant::validUntil).containsExactlyInAnyOrder(
          tuple(AI_TOKENS, 100_000L, DECEMBER_START),
          tuple(AI_CALLS, 50L, Instant.parse("2026-11-26T00:00:00Z")));
      assertThat(twoMeters.guard().usage(tenant, AI_TOKENS)).isNotBlocked();
      assertThat(twoMeters.guard().usage(tenant, AI_CALLS)).isNotBlocked();
    }

    @Test
    void resetIsAudited() {
      use(guard, tenant, 100_000);

      ResetResult result = admin.resetUsage(tenant, OPERATOR, REASON);

      assertThat(auditOf(admin, tenant)).singleElement().satisfies(entry -> {
        assertThat(entry).isEqualTo(result.audit());
        assertThat(entry.operation()).isEqualTo(AdminOperation.RESET_USAGE);
        assertThat(entry.tenant()).isEqualTo(tenant);
        assertThat(entry.actor()).isEqualTo(OPERATOR);
        assertThat(entry.reason()).isEqualTo(REASON);
        assertThat(entry.at()).isEqualTo(START);
      });
    }
  }

  /** {@link QuotaAdmin#grantCredit}: extra units until an expiry. */
  @Nested
  public class GrantCredit {
    private Quota quota;
    private QuotaGuard guard;
    private QuotaAdmin admin;
    private TenantId tenant;

    @BeforeEach
    void setUp() {
      quota = quota();
      guard = quota.guard();
      admin = quota.admin();
      tenant = newTenant("grant");
    }

    @Test
    void grantGivesPartialRelief() {
      use(guard, tenant, 100_000);

      admin.grantCredit(tenant, AI_TOKENS, 20_000, DECEMBER_START, OPERATOR, REASON);

      assertThat(guard.usage(tenant)).hasUsed(100_000).hasGranted(20_000).hasRemaining(20_000);
      assertThat(guard.tryConsume(tenant, AI_TOKENS, 20_000, UsageKey.of("relief"))).isConsumed();
      assertThat(guard.usage(tenant)).hasUsed(120_000).isBlocked();
    }

    @Test
    void grantReturnsWhatWasMade() {
      Instant until = START.plus(Duration.ofDays(3));

      Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, until, OPERATOR, REASON);

      assertThat(grant.kind()).isEqualTo(Grant.Kind.CREDIT);
      assertThat(grant.tenant()).isEqualTo(tenant);
      assertThat(grant.meter()).isEqualTo(AI_TOKENS);
      assertThat(grant.amount()).isEqualTo(20_000);
      assertThat(grant.validFrom()).isEqualTo(START);
      assertThat(grant.validUntil()).isEqualTo(until);
      assertThat(grant.createdBy()).isEqualTo(OPERATOR);
      assertThat(grant.reason()).isEqualTo(REASON);
      assertThat(grant.revocation()).isEmpty();
      assertThat(admin.entitlements(tenant)).containsExactly(grant);
    }

    @Test
    void grantStopsCountingAtItsExpiry() {
      use(guard, tenant, 100_000);
      Instant until = START.plus(Duration.ofDays(2));
      admin.grantCredit(tenant, AI_TOKENS, 20_000, until, OPERATOR, REASON);

      clock.set(until.minusMillis(1));
      assertThat(guard.usage(tenant)).hasGranted(20_000);
      clock.set(until);
      assertThat(guard.usage(tenant)).hasGranted(0).isBlocked();
    }

    @Test
    void grantOnOneMeterDoesNotRaiseAnother() {
      Quota twoMeters = quota(tokensAndDailyCalls());

      twoMeters.admin().grantCredit(tenant, AI_CALLS, 10, DECEMBER_START, OPERATOR, REASON);

      assertThat(twoMeters.guard().usage(tenant, AI_CALLS)).hasGranted(10).hasRemaining(60);
      assertThat(twoMeters.guard().usage(tenant, AI_TOKENS)).hasGranted(0).hasRemaining(100_000);
    }

    @Test
    void grantIsAudited() {
      Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, DECEMBER_START, OPERATOR, REASON);

      assertThat(auditOf(admin, tenant)).singleElement().satisfies(entry -> {
        assertThat(entry.operation()).isEqualTo(AdminOperation.GRANT_CREDIT);
        assertThat(entry.tenant()).isEqualTo(tenant);
        assertThat(entry.actor()).isEqualTo(OPERATOR);
        assertThat(entry.reason()).isEqualTo(REASON);
        assertThat(entry.details()).containsEntry("entitlement", grant.id().toString()).containsEntry("amount", "20000");
      });
    }

    @ParameterizedTest(name = "expiry {0} s from now")
    @ValueSource(longs = {0, -1, -86_400})
    void expiryNotInTheFutureIsRejectedAndWritesNothing(long secondsFromNow) {
      assertRejected("expires at", () -> admin.grantCredit(tenant, AI_TOKENS, 20_000,
          START.plusSeconds(secondsFromNow), OPERATOR, REASON));

      assertThat(admin.entitlements(tenant)).isEmpty();
      assertThat(auditOf(admin, tenant)).isEmpty();
    }

    @Test
    void expiryBeyondTheMaximumDurationIsRejectedAndWritesNothing() {
      Instant tooLate = START.plus(Quota.Builder.DEFAULT_MAX_ENTITLEMENT_DURATION).plusMillis(1);

      assertRejected("expires at", () -> admin.grantCredit(tenant, AI_TOKENS, 20_000, tooLate, OPERATOR, REASON));

      assertThat(admin.entitlements(tenant)).isEmpty();
      assertThat(auditOf(admin, tenant)).isEmpty();
    }

    @Test
    void expiryAtExactlyTheMaximumDurationIsAccepted() {
      Instant latest = START.plus(Quota.Builder.DEFAULT_MAX_ENTITLEMENT_DURATION);

      Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, latest, OPERATOR, REASON);

      assertThat(grant.validUntil()).isEqualTo(latest);
    }

    @Test
    void grantOfNothingIsRejectedAndWritesNothing() {
      assertRejected("amount", () -> admin.grantCredit(tenant, AI_TOKENS, 0, DECEMBER_START, OPERATOR, REASON));

      assertThat(admin.entitlements(tenant)).isEmpty();
      assertThat(auditOf(admin, tenant)).isEmpty();
    }
  }

  /** {@link QuotaAdmin#overrideTier}: another tier for a while, reverting by itself. */
  @Nested
  public class OverrideTier {
    private Quota quota;
    private QuotaGuard guard;
    private QuotaAdmin admin;
    private TenantId tenant;

    @BeforeEach
    void setUp() {
      quota = quota();
      guard = quota.guard();
      admin = quota.admin();
      tenant = newTenant("override");
      admin.setPlan(tenant, Plan.of(FREE), OPERATOR, REASON);
    }

    @Test
    void overrideUpgradesTheTierWhileActive() {
      use(guard, tenant, 100_000);

      admin.overrideTier(tenant, PRO, START.plus(Duration.ofDays(3)), OPERATOR, REASON);

      assertThat(guard.usage(tenant)).hasPlannedTier(FREE).hasEffectiveTier(PRO).hasTierSource(TierSource.OVERRIDE)
          .hasLimit(1_000_000).hasRemaining(900_000).isNotBlocked();
      assertThat(guard.canProceed(tenant)).isTrue();
    }

    @Test
    void overrideRevertsByItselfWhenTheClockPassesUntil() {
      use(guard, tenant, 100_000);
      Instant until = START.plus(Duration.ofDays(3));
      admin.overrideTier(tenant, PRO, until, OPERATOR, REASON);

      clock.set(until.minusMillis(1));
      assertThat(guard.usage(tenant)).hasEffectiveTier(PRO);
      clock.set(until);
      assertThat(guard.usage(tenant)).hasEffectiveTier(FREE).hasTierSource(TierSource.PLAN).hasLimit(100_000)
          .isBlocked();
    }

    @Test
    void mostGenerousActiveOverrideWins() {
      Instant enterpriseUntil = START.plus(Duration.ofDays(1));
      Instant proUntil = START.plus(Duration.ofDays(2));
      // The less generous override is made last, so "the latest wins" would fail here.
      admin.overrideTier(tenant, ENTERPRISE, enterpriseUntil, OPERATOR, REASON);
      admin.overrideTier(tenant, PRO, proUntil, OPERATOR, REASON);

      assertThat(guard.usage(tenant)).hasEffectiveTier(ENTERPRISE).hasLimit(10_000_000);
      clock.set(enterpriseUntil);
      assertThat(guard.usage(tenant)).hasEffectiveTier(PRO).hasLimit(1_000_000);
      clock.set(proUntil);
      assertThat(guard.usage(tenant)).hasEffectiveTier(FREE).hasTierSource(TierSource.PLAN);
    }

    @Test
    void overrideIsAudited() {
      TierOverride override = admin.overrideTier(tenant, PRO, START.plus(Duration.ofDays(3)), OPERATOR, REASON);

      // Filtered rather than taken first: the plan set in setUp was audited at the same instant.
      assertThat(auditOf(admin, tenant)).filteredOn(e -> e.operation() == AdminOperation.OVERRIDE_TIER)
          .singleElement().satisfies(entry -> {
        assertThat(entry.actor()).isEqualTo(OPERATOR);
        assertThat(entry.reason()).isEqualTo(REASON);
        assertThat(entry.details()).containsEntry("entitlement", override.id().toString()).containsEntry("tier", "pro");
      });
    }

    @Test
    void overrideToAnUnknownTierIsRejectedAndWritesNothing() {
      int auditBefore = auditOf(admin, tenant).size();

      assertRejected("tier", () -> admin.overrideTier(tenant, Tier.of("platinum"), START.plus(Duration.ofDays(3)),
          OPERATOR, REASON));

      assertThat(admin.entitlements(tenant)).isEmpty();
      assertThat(auditOf(admin, tenant)).hasSize(auditBefore);
    }

    @Test
    void overrideUntilThePastIsRejectedAndWritesNothing() {
      int auditBefore = auditOf(admin, tenant).size();

      assertRejected("until", () -> admin.overrideTier(tenant, PRO, START.minusSeconds(1), OPERATOR, REASON));

      assertThat(admin.entitlements(tenant)).isEmpty();
      assertThat(auditOf(admin, tenant)).hasSize(auditBefore);
    }

    @Test
    void overrideBeyondTheMaximumDurationIsRejectedAndWritesNothing() {
      int auditBefore = auditOf(admin, tenant).size();
      QuotaAdmin strict = quotaBuilder().maxEntitlementDuration(Duration.ofDays(7)).build().admin();

      assertRejected("until", () -> strict.overrideTier(tenant, PRO, START.plus(Duration.ofDays(8)), OPERATOR, REASON));

      assertThat(admin.entitlements(tenant)).isEmpty();
      assertThat(auditOf(admin, tenant)).hasSize(auditBefore);
    }
  }

  /** {@link QuotaAdmin#bypass}: no blocking for one tenant for a while; usage still recorded. */
  @Nested
  public class Bypasses {
    private Quota quota;
    private QuotaGuard guard;
    private QuotaAdmin admin;
    private TenantId tenant;
    private AlertRecorder alerts;

    @BeforeEach
    void setUp() {
      alerts = new AlertRecorder();
      quota = quotaBuilder().alertListener(alerts).build();
      guard = quota.guard();
      admin = quota.admin();
      tenant = newTenant("bypass");
    }

    @Test
    void bypassLetsEverythingThroughWithReasonBypassed() {
      use(guard, tenant, 100_000);
      Instant until = START.plus(Duration.ofDays(1));

      admin.bypass(tenant, until, OPERATOR, REASON);

      assertThat(guard.canProceed(tenant)).isTrue();
      assertThat(guard.check(tenant, AI_TOKENS, 5_000_000)).isAllowed().hasReason(Reason.BYPASSED).isNotShadowed();
      assertThat(guard.usage(tenant)).isBypassed().isNotBlocked().hasRemaining(0);
      assertThat(guard.usage(tenant).bypassedUntil()).contains(until);
    }

    @Test
    void bypassedConsumeIsStillRecorded() {
      use(guard, tenant, 100_000);
      admin.bypass(tenant, START.plus(Duration.ofDays(1)), OPERATOR, REASON);

      ConsumeResult result = guard.tryConsume(tenant, AI_TOKENS, 50_000, UsageKey.of("over"));

      assertThat(result).isConsumed().decision().isAllowed().hasReason(Reason.BYPASSED);
      assertThat(guard.usage(tenant)).hasUsed(150_000);
      assertThat(admin.verify(tenant).consistent()).isTrue();
    }

    @Test
    void bypassedReservationIsGranted() {
      use(guard, tenant, 100_000);
      admin.bypass(tenant, START.plus(Duration.ofDays(1)), OPERATOR, REASON);

      ReserveResult result = guard.reserve(tenant, AI_TOKENS, 50_000, Duration.ofMinutes(5));

      assertThat(result.granted()).isTrue();
      assertThat(result.decision()).hasReason(Reason.BYPASSED);
      assertThat(guard.usage(tenant)).hasReserved(50_000);
    }

    @Test
    void bypassedUsageStillFiresAlerts() {
      admin.bypass(tenant, START.plus(Duration.ofDays(1)), OPERATOR, REASON);

      guard.tryConsume(tenant, AI_TOKENS, 120_000, UsageKey.of("big"));

      assertThat(alerts.thresholds()).containsExactly(80, 90, 100);
    }

    @Test
    void bypassExpiresByItself() {
      use(guard, tenant, 100_000);
      Instant until = START.plus(Duration.ofDays(1));
      admin.bypass(tenant, until, OPERATOR, REASON);

      clock.set(until);

      assertThat(guard.canProceed(tenant)).isFalse();
      assertThat(guard.usage(tenant)).isNotBypassed().isBlocked();
      assertThat(guard.check(tenant, AI_TOKENS, 1)).isDenied().hasReason(Reason.INSUFFICIENT_BALANCE);
    }

    @Test
    void bypassIsAudited() {
      Bypass bypass = admin.bypass(tenant, START.plus(Duration.ofDays(1)), OPERATOR, REASON);

      assertThat(auditOf(admin, tenant)).singleElement().satisfies(entry -> {
        assertThat(entry.operation()).isEqualTo(AdminOperation.BYPASS);
        assertThat(entry.actor()).isEqualTo(OPERATOR);
        assertThat(entry.reason()).isEqualTo(REASON);
        assertThat(entry.details()).containsEntry("entitlement", bypass.id().toString());
      });
    }

    @Test
    void bypassUntilThePastIsRejectedAndWritesNothing() {
      assertRejected("until", () -> admin.bypass(tenant, START, OPERATOR, REASON));

      assertThat(admin.entitlements(tenant)).isEmpty();
      assertThat(auditOf(admin, tenant)).isEmpty();
    }

    @Test
    void bypassBeyondTheMaximumDurationIsRejectedAndWritesNothing() {
      Instant tooLate = START.plus(Quota.Builder.DEFAULT_MAX_ENTITLEMENT_DURATION).plusSeconds(1);

      assertRejected("until", () -> admin.bypass(tenant, tooLate, OPERATOR, REASON));

      assertThat(admin.entitlements(tenant)).isEmpty();
      assertThat(auditOf(admin, tenant)).isEmpty();
    }
  }

  /** {@link QuotaAdmin#revoke}: ends a grant, override or bypass now, keeping it as history. */
  @Nested
  public class Revoke {
    private Quota quota;
    private QuotaGuard guard;
    private QuotaAdmin admin;
    private TenantId tenant;

    @BeforeEach
    void setUp() {
      quota = quota();
      guard = quota.guard();
      admin = quota.admin();
      tenant = newTenant("revoke");
      use(guard, tenant, 100_000);
    }

    @Test
    void revokeEndsAGrantNow() {
      Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, DECEMBER_START, OPERATOR, REASON);
      clock.advance(Duration.ofHours(1));

      Entitlement revoked = admin.revoke(grant.id(), OPERATOR, "granted to the wrong tenant");

      assertThat(revoked.id()).isEqualTo(grant.id());
      assertThat(revoked.revocation()).hasValueSatisfying(r -> {
        assertThat(r.at()).isEqualTo(START.plus(Duration.ofHours(1)));
        assertThat(r.by()).isEqualTo(OPERATOR);
        assertThat(r.reason()).isEqualTo("granted to the wrong tenant");
      });
      assertThat(guard.usage(tenant)).hasGranted(0).isBlocked();
    }

    @Test
    void revokedEntitlementIsKeptAndMarkedRevoked() {
      Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, DECEMBER_START, OPERATOR, REASON);

      admin.revoke(grant.id(), OPERATOR, REASON);

      assertThat(admin.entitlements(tenant)).singleElement().satisfies(e -> {
        assertThat(e.id()).isEqualTo(grant.id());
        assertThat(e.validUntil()).isEqualTo(DECEMBER_START);
        assertThat(e.revocation()).isPresent();
        assertThat(e.isActiveAt(START)).isFalse();
      });
    }

    @Test
    void revokeEndsAnOverrideNow() {
      TierOverride override = admin.overrideTier(tenant, PRO, START.plus(Duration.ofDays(3)), OPERATOR, REASON);

      admin.revoke(override.id(), OPERATOR, REASON);

      assertThat(guard.usage(tenant)).hasEffectiveTier(FREE).isBlocked();
    }

    @Test
    void revokeEndsABypassNow() {
      Bypass bypass = admin.bypass(tenant, START.plus(Duration.ofDays(1)), OPERATOR, REASON);

      admin.revoke(bypass.id(), OPERATOR, REASON);

      assertThat(guard.usage(tenant)).isNotBypassed().isBlocked();
      assertThat(guard.canProceed(tenant)).isFalse();
    }

    @Test
    void revokeIsAudited() {
      Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, DECEMBER_START, OPERATOR, REASON);

      admin.revoke(grant.id(), OPERATOR, "no longer needed");

      assertThat(auditOf(admin, tenant)).filteredOn(e -> e.operation() == AdminOperation.REVOKE).singleElement()
          .satisfies(entry -> {
        assertThat(entry.reason()).isEqualTo("no longer needed");
        assertThat(entry.details()).containsEntry("entitlement", grant.id().toString());
      });
    }

    @Test
    void revokingTwiceIsRefusedAndWritesNothing() {
      Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, DECEMBER_START, OPERATOR, REASON);
      admin.revoke(grant.id(), OPERATOR, REASON);
      List<AuditEntry> auditBefore = auditOf(admin, tenant);

      assertThatThrownBy(() -> admin.revoke(grant.id(), OPERATOR, REASON))
          .isInstanceOf(EntitlementStateException.class);

      assertThat(auditOf(admin, tenant)).isEqualTo(auditBefore);
      assertThat(admin.entitlements(tenant)).singleElement()
          .satisfies(e -> assertThat(e.revocation()).map(r -> r.at()).contains(START));
    }

    @Test
    void revokingAnUnknownIdIsRefused() {
      Page<AuditEntry> newestBefore = admin.audit(PageRequest.first(1));

      assertThatThrownBy(() -> admin.revoke(EntitlementId.random(), OPERATOR, REASON))
          .isInstanceOf(EntitlementStateException.class);

      assertThat(admin.audit(PageRequest.first(1))).isEqualTo(newestBefore);
    }

    @Test
    void revokingAnExpiredEntitlementIsRefused() {
      Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, START.plus(Duration.ofDays(1)), OPERATOR, REASON);
      clock.advance(Duration.ofDays(2));

      assertThatThrownBy(() -> admin.revoke(grant.id(), OPERATOR, REASON))
          .isInstanceOf(EntitlementStateException.class);
      assertThat(admin.entitlements(tenant)).singleElement().satisfies(e -> assertThat(e.revocation()).isEmpty());
    }

    @Test
    void entitlementsAreListedNewestFirst() {
      Grant grant = admin.grantCredit(tenant, AI_TOKENS, 20_000, DECEMBER_START, OPERATOR, REASON);
      clock.advance(Duration.ofMinutes(1));
      TierOverride override = admin.overrideTier(tenant, PRO, START.plus(Duration.ofDays(3)), OPERATOR, REASON);
      clock.advance(Duration.ofMinutes(1));
      Bypass bypass = admin.bypass(tenant, START.plus(Duration.ofDays(1)), OPERATOR, REASON);

      assertThat(admin.entitlements(tenant)).containsExactly(bypass, override, grant);
    }
  }

  /** {@link QuotaAdmin#setPlan}: the tenant's subscription, effective at once. */
  @Nested
  public class SetPlan {
    private Quota quota;
    private QuotaGuard guard;
    private QuotaAdmin admin;
    private TenantId tenant;

    @BeforeEach
    void setUp() {
      quota = quota();
      guard = quota.guard();
      admin = quota.admin();
      tenant = newTenant("plan");
    }

    @Test
    void setPlanChangesTheTierAtOnce() {
      admin.setPlan(tenant, Plan.of(PRO), OPERATOR, REASON);

      assertThat(guard.usage(tenant)).hasPlannedTier(PRO).hasEffectiveTier(PRO).hasTierSource(TierSource.PLAN)
          .hasLimit(1_000_000);
    }

    @Test
    void setPlanIsAudited() {
      admin.setPlan(tenant, Plan.of(PRO), OPERATOR, "upgraded by sales");
      clock.advance(Duration.ofMinutes(1));

      AuditEntry entry = admin.setPlan(tenant, Plan.of(ENTERPRISE, 15), OPERATOR, "contract signed");

      assertThat(auditOf(admin, tenant)).hasSize(2).first().isEqualTo(entry);
      assertThat(entry.operation()).isEqualTo(AdminOperation.SET_PLAN);
      assertThat(entry.tenant()).isEqualTo(tenant);
      assertThat(entry.actor()).isEqualTo(OPERATOR);
      assertThat(entry.reason()).isEqualTo("contract signed");
      assertThat(entry.at()).isEqualTo(START.plus(Duration.ofMinutes(1)));
      assertThat(entry.details()).containsEntry("previousTier", "pro").containsEntry("tier", "enterprise")
          .containsEntry("billingDay", "15");
    }

    @Test
    void downgradeMidPeriodMeasuresThisPeriodsUsageAgainstTheNewLimit() {
      admin.setPlan(tenant, Plan.of(PRO), OPERATOR, REASON);
      use(guard, tenant, 500_000);

      admin.setPlan(tenant, Plan.of(FREE), OPERATOR, "downgraded");

      assertThat(guard.usage(tenant)).hasEffectiveTier(FREE).hasLimit(100_000).hasUsed(500_000).hasRemaining(0)
          .isBlocked();
      assertThat(guard.canProceed(tenant)).isFalse();
    }

    @Test
    void upgradeMidPeriodUnblocksAtOnce() {
      use(guard, tenant, 100_000);

      admin.setPlan(tenant, Plan.of(PRO), OPERATOR, REASON);

      assertThat(guard.usage(tenant)).hasUsed(100_000).hasRemaining(900_000).isNotBlocked();
    }

    @Test
    void billingDayChangeKeepsEveryEntryInExactlyOneCounter() {
      clock.set("2026-11-10T10:00:00Z");
      use(guard, tenant, 10_000);
      clock.set(START);
      use(guard, tenant, 20_000);

      admin.setPlan(tenant, Plan.of(FREE, 20), OPERATOR, REASON);

      // The new period starts on November 20: only the usage since then counts in it.
      assertThat(guard.usage(tenant)).hasPeriod(period("2026-11-20T00:00:00Z", "2026-12-20T00:00:00Z"))
          .hasUsed(20_000);
      Verification verification = admin.verify(tenant);
      assertThat(verification.consistent()).as("%s", verification).isTrue();
      assertThat(verification.checks().stream().mapToLong(CounterCheck::counterUsed).sum())
          .as("every entry counted once: %s", verification).isEqualTo(30_000);
    }

    @Test
    void unknownTierIsRejectedAndWritesNothing() {
      assertRejected("tier", () -> admin.setPlan(tenant, Plan.of(Tier.of("platinum")), OPERATOR, REASON));

      assertThat(guard.usage(tenant)).hasNoPlannedTier().hasTierSource(TierSource.DEFAULT_WITHOUT_PLAN);
      assertThat(auditOf(admin, tenant)).isEmpty();
    }
  }

  /** {@link QuotaAdmin#listUsage}: the dashboard's list, most utilized first. */
  @Nested
  public class ListUsage {
    private Meter meter;
    private Quota quota;
    private QuotaGuard guard;
    private QuotaAdmin admin;

    @BeforeEach
    void setUp() {
      // A meter of this test's own, so that a store shared with other tests lists only this test's tenants.
      meter = Meter.of("listed-" + testId);
      quota = quota(TierCatalogue.builder()
          .meter(meter, PeriodPolicy.calendarMonth())
          .tier(FREE, Map.of(meter, 1_000L))
          .tier(PRO, Map.of(meter, 10_000L))
          .defaultTier(FREE)
          .build());
      guard = quota.guard();
      admin = quota.admin();
    }

    private TenantId tenantWithUsage(String label, long used) {
      TenantId tenant = newTenant(label);
      use(guard, tenant, meter, used);
      return tenant;
    }

    @Test
    void listUsageShowsTheMostUtilizedFirst() {
      TenantId tenth = tenantWithUsage("tenth", 100);
      TenantId ninetieth = tenantWithUsage("ninetieth", 900);
      TenantId half = tenantWithUsage("half", 500);

      Page<UsageReport> page = admin.listUsage(meter, PageRequest.first(10));

      assertThat(page.items()).extracting(UsageReport::tenant).containsExactly(ninetieth, half, tenth);
      assertThat(page.items()).extracting(UsageReport::used).containsExactly(900L, 500L, 100L);
      assertThat(page.hasMore()).isFalse();
    }

    @Test
    void listUsageRanksByShareOfTheCeilingNotByAmount() {
      TenantId proHalf = newTenant("pro-half");
      admin.setPlan(proHalf, Plan.of(PRO), OPERATOR, REASON);
      use(guard, proHalf, meter, 5_000);
      TenantId freeNinety = tenantWithUsage("free-ninety", 900);

      Page<UsageReport> page = admin.listUsage(meter, PageRequest.first(10));

      assertThat(page.items()).extracting(UsageReport::tenant).containsExactly(freeNinety, proHalf);
    }

    @Test
    void listUsagePagesThroughTheTenants() {
      TenantId tenth = tenantWithUsage("tenth", 100);
      TenantId ninetieth = tenantWithUsage("ninetieth", 900);
      TenantId half = tenantWithUsage("half", 500);

      Page<UsageReport> first = admin.listUsage(meter, PageRequest.first(2));
      Page<UsageReport> second = admin.listUsage(meter, first.request().next());

      assertThat(first.items()).extracting(UsageReport::tenant).containsExactly(ninetieth, half);
      assertThat(first.hasMore()).isTrue();
      assertThat(second.items()).extracting(UsageReport::tenant).containsExactly(tenth);
      assertThat(second.hasMore()).isFalse();
    }

    @Test
    void listUsageLeavesOutTenantsWithoutUsageThisPeriod() {
      TenantId planned = newTenant("planned-only");
      admin.setPlan(planned, Plan.of(PRO), OPERATOR, REASON);
      TenantId lastMonth = newTenant("last-month");
      clock.set("2026-10-20T10:00:00Z");
      use(guard, lastMonth, meter, 900);
      clock.set(START);
      TenantId active = tenantWithUsage("active", 10);

      Page<UsageReport> page = admin.listUsage(meter, PageRequest.first(10));

      assertThat(page.items()).extracting(UsageReport::tenant).containsExactly(active);
    }

    @Test
    void listUsageIncludesTenantsThatOnlyHoldReservations() {
      TenantId holding = newTenant("holding");
      guard.reserve(holding, meter, 400, Duration.ofMinutes(5));

      Page<UsageReport> page = admin.listUsage(meter, PageRequest.first(10));

      assertThat(page.items()).singleElement().satisfies(report -> assertThat(report).hasTenant(holding)
          .hasUsed(0).hasReserved(400));
    }

    @Test
    void listUsageWithoutAMeterListsTheDefaultMeter() {
      TenantId tenant = tenantWithUsage("default-meter", 300);

      Page<UsageReport> page = admin.listUsage(PageRequest.first(10));

      assertThat(page.items()).singleElement().satisfies(report -> assertThat(report).hasTenant(tenant)
          .hasMeter(meter).hasUsed(300).hasLimit(1_000));
    }
  }

  /** {@link QuotaAdmin#purgeUsage}: the one destructive operation, confirmed, consistent and audited. */
  @Nested
  public class PurgeUsage {
    private static final Instant EARLIER = Instant.parse("2026-11-20T10:00:00Z");
    private static final Instant SINCE = Instant.parse("2026-11-22T00:00:00Z");

    private Quota quota;
    private QuotaGuard guard;
    private QuotaAdmin admin;
    private TenantId tenant;

    @BeforeEach
    void setUp() {
      quota = quota();
      guard = quota.guard();
      admin = quota.admin();
      tenant = newTenant("purge");
      clock.set(EARLIER);
      use(guard, tenant, 10_000);
      clock.set(START);
      use(guard, tenant, 20_000);
    }

    private PurgeConfirmation confirmed() {
      return new PurgeConfirmation(tenant.value());
    }

    @Test
    void purgeDeletesOnlyUsageSinceTheInstant() {
      PurgeSummary summary = admin.purgeUsage(tenant, SINCE, confirmed(), OPERATOR, "GDPR erasure request 77");

      assertThat(summary.tenant()).isEqualTo(tenant);
      assertThat(summary.since()).isEqualTo(SINCE);
      assertThat(summary.entries()).isEqualTo(1);
      assertThat(summary.amountByMeter()).containsExactly(Map.entry(AI_TOKENS, 20_000L));
      assertThat(guard.usage(tenant)).hasUsed(10_000);
    }

    @Test
    void purgeKeepsCountersConsistentWithTheLedger() {
      admin.purgeUsage(tenant, SINCE, confirmed(), OPERATOR, REASON);

      Verification verification = admin.verify(tenant);
      assertThat(verification.consistent()).as("%s", verification).isTrue();
      assertThat(verification.checks()).filteredOn(c -> c.ledgerUsed() > 0)
          .containsExactly(new CounterCheck(AI_TOKENS, NOVEMBER, 10_000, 10_000));
    }

    @Test
    void purgeIsAudited() {
      admin.purgeUsage(tenant, SINCE, confirmed(), OPERATOR, "GDPR erasure request 77");

      assertThat(auditOf(admin, tenant)).singleElement().satisfies(entry -> {
        assertThat(entry.operation()).isEqualTo(AdminOperation.PURGE_USAGE);
        assertThat(entry.actor()).isEqualTo(OPERATOR);
        assertThat(entry.reason()).isEqualTo("GDPR erasure request 77");
        assertThat(entry.details()).containsEntry("entries", "1");
      });
    }

    @ParameterizedTest(name = "typed \"{0}\"")
    @MethodSource("dev.quota.testkit.contract.QuotaStoreContract#wrongConfirmations")
    void purgeWithoutTheTenantIdTypedAgainIsRejectedAndDeletesNothing(String typed) {
      String confirmation = typed.replace("{tenant}", tenant.value())
          .replace("{TENANT}", tenant.value().toUpperCase(Locale.ROOT));

      assertRejected("confirmation",
          () -> admin.purgeUsage(tenant, SINCE, new PurgeConfirmation(confirmation), OPERATOR, REASON));

      assertThat(guard.usage(tenant)).hasUsed(30_000);
      assertThat(auditOf(admin, tenant)).isEmpty();
    }

    @Test
    void previewPurgeDeletesNothing() {
      PurgeSummary preview = admin.previewPurge(tenant, SINCE);

      assertThat(preview.entries()).isEqualTo(1);
      assertThat(preview.amountByMeter()).containsExactly(Map.entry(AI_TOKENS, 20_000L));
      assertThat(guard.usage(tenant)).hasUsed(30_000);
      assertThat(auditOf(admin, tenant)).isEmpty();
    }

    @Test
    void purgeSinceAFutureInstantIsRejectedAndDeletesNothing() {
      assertRejected("since", () -> admin.purgeUsage(tenant, START.plusSeconds(1), confirmed(), OPERATOR, REASON));

      assertThat(guard.usage(tenant)).hasUsed(30_000);
      assertThat(auditOf(admin, tenant)).isEmpty();
    }
  }

  static Stream<String> wrongConfirmations() {
    return Stream.of("", "someone-else", "{tenant} ", " {tenant}", "{TENANT}");
  }

  /** The audit log: one entry per admin change, with actor, reason, operation and tenant, newest first. */
  @Nested
  public class Audit {
    private Quota quota;
    private QuotaGuard guard;
    private QuotaAdmin admin;
    private TenantId tenant;

    @BeforeEach
    void setUp() {
      quota = quota();
      guard = quota.guard();
      admin = quota.admin();
      tenant = newTenant("audited");
    }

    @Test
    void everyAdminChangeWritesExactlyOneAuditEntry() {
      use(guard, tenant, 100_000);
      List<Runnable> changes = List.of(
          () -> admin.resetUsage(tenant, OPERATOR, "1 reset"),
          () -> admin.grantCredit(tenant, AI_TOKENS, 1_000, DECEMBER_START, OPERATOR, "2 grant"),
          () -> admin.overrideTier(tenant, PRO, DECEMBER_START, OPERATOR, "3 override"),
          () -> admin.bypass(tenant, DECEMBER_START, OPERATOR, "4 bypass"),
          () -> admin.revoke(admin.entitlements(tenant).get(0).id(), OPERATOR, "5 revoke"),
          () -> admin.setPlan(tenant, Plan.of(PRO), OPERATOR, "6 plan"),
          () -> admin.purgeUsage(tenant, START, new PurgeConfirmation(tenant.value()), OPERATOR, "7 purge"));

      for (int i = 0; i < changes.size(); i++) {
        clock.advance(Duration.ofMinutes(1));
        changes.get(i).run();
        assertThat(auditOf(admin, tenant)).as("audit entries after change %s", i + 1).hasSize(i + 1);
      }

      List<AuditEntry> audit = auditOf(admin, tenant);
      assertThat(audit).extracting(AuditEntry::operation).containsExactly(AdminOperation.PURGE_USAGE,
          AdminOperation.SET_PLAN, AdminOperation.REVOKE, AdminOperation.BYPASS, AdminOperation.OVERRIDE_TIER,
          AdminOperation.GRANT_CREDIT, AdminOperation.RESET_USAGE);
      assertThat(audit).extracting(AuditEntry::reason)
          .containsExactly("7 purge", "6 plan", "5 revoke", "4 bypass", "3 override", "2 grant", "1 reset");
      assertThat(audit).allSatisfy(entry -> {
        assertThat(entry.tenant()).isEqualTo(tenant);
        assertThat(entry.actor()).isEqualTo(OPERATOR);
      });
      assertThat(audit.get(0).at()).isEqualTo(START.plus(Duration.ofMinutes(7)));
    }

    @Test
    void auditIsNewestFirstAndPaged() {
      for (int i = 1; i <= 3; i++) {
        clock.set(START.plus(Duration.ofMinutes(i)));
        admin.grantCredit(tenant, AI_TOKENS, i, DECEMBER_START, OPERATOR, "grant " + i);
      }

      Page<AuditEntry> first = admin.audit(tenant, PageRequest.first(2));
      Page<AuditEntry> second = admin.audit(tenant, first.request().next());

      assertThat(first.items()).extracting(AuditEntry::reason).containsExactly("grant 3", "grant 2");
      assertThat(first.hasMore()).isTrue();
      assertThat(second.items()).extracting(AuditEntry::reason).containsExactly("grant 1");
      assertThat(second.hasMore()).isFalse();
    }

    @Test
    void auditOfOneTenantLeavesOutOthers() {
      TenantId other = newTenant("other");
      admin.grantCredit(tenant, AI_TOKENS, 1_000, DECEMBER_START, OPERATOR, "for the tenant");
      admin.grantCredit(other, AI_TOKENS, 1_000, DECEMBER_START, OPERATOR, "for the other");

      assertThat(auditOf(admin, tenant)).extracting(AuditEntry::reason).containsExactly("for the tenant");
      assertThat(auditOf(admin, other)).extracting(AuditEntry::reason).containsExactly("for the other");
    }

    @Test
    void usageIsNotAnAdminChange() {
      use(guard, tenant, 1_000);
      guard.tryConsume(tenant, AI_TOKENS, 1_000, UsageKey.of("consumed"));
      guard.reserve(tenant, AI_TOKENS, 1_000, Duration.ofMinutes(1)).reservation().release();

      assertThat(auditOf(admin, tenant)).isEmpty();
    }
  }

  /** The {@link dev.quota.admin.AdminAuthorizer}: a refusal throws and changes nothing. */
  @Nested
  public class Authorization {
    private TenantId tenant;
    private QuotaAdmin open;
    private Grant grant;

    @BeforeEach
    void setUp() {
      tenant = newTenant("authorized");
      Quota permissive = quota();
      open = permissive.admin();
      use(permissive.guard(), tenant, 100_000);
      grant = open.grantCredit(tenant, AI_TOKENS, 5_000, DECEMBER_START, OPERATOR, REASON);
    }

    private void attempt(QuotaAdmin admin, AdminOperation operation) {
      switch (operation) {
        case RESET_USAGE -> admin.resetUsage(tenant, OPERATOR, REASON);
        case GRANT_CREDIT -> admin.grantCredit(tenant, AI_TOKENS, 1_000, DECEMBER_START, OPERATOR, REASON);
        case OVERRIDE_TIER -> admin.overrideTier(tenant, PRO, DECEMBER_START, OPERATOR, REASON);
        case BYPASS -> admin.bypass(tenant, DECEMBER_START, OPERATOR, REASON);
        case REVOKE -> admin.revoke(grant.id(), OPERATOR, REASON);
        case SET_PLAN -> admin.setPlan(tenant, Plan.of(ENTERPRISE), OPERATOR, REASON);
        case PURGE_USAGE -> admin.purgeUsage(tenant, START, new PurgeConfirmation(tenant.value()), OPERATOR, REASON);
      }
    }

    @ParameterizedTest
    @EnumSource(AdminOperation.class)
    void refusedChangeThrowsAccessDeniedAndWritesNothing(AdminOperation refused) {
      Quota guarded = quotaBuilder().authorizer((actor, operation, t) -> operation != refused).build();
      UsageReport reportBefore = guarded.guard().usage(tenant);
      List<AuditEntry> auditBefore = auditOf(open, tenant);
      List<Entitlement> entitlementsBefore = open.entitlements(tenant);
      Verification ledgerBefore = open.verify(tenant);

      assertThatThrownBy(() -> attempt(guarded.admin(), refused))
          .isInstanceOfSatisfying(AccessDeniedException.class, e -> {
            assertThat(e.operation()).isEqualTo(refused);
            assertThat(e.actor()).isEqualTo(OPERATOR);
            assertThat(e.tenant()).isEqualTo(tenant);
          });

      assertThat(guarded.guard().usage(tenant)).isEqualTo(reportBefore);
      assertThat(auditOf(open, tenant)).isEqualTo(auditBefore);
      assertThat(open.entitlements(tenant)).isEqualTo(entitlementsBefore);
      assertThat(open.verify(tenant)).isEqualTo(ledgerBefore);
    }

    @ParameterizedTest
    @EnumSource(AdminOperation.class)
    void permittedChangeGoesThrough(AdminOperation permitted) {
      Quota guarded = quotaBuilder().authorizer((actor, operation, t) -> operation == permitted).build();
      int auditBefore = auditOf(open, tenant).size();
      // Later than the set-up's entries, so that "newest first" puts this change's entry first.
      clock.advance(Duration.ofMinutes(1));

      attempt(guarded.admin(), permitted);

      assertThat(auditOf(open, tenant)).hasSize(auditBefore + 1).first()
          .satisfies(entry -> assertThat(entry.operation()).isEqualTo(permitted));
    }

    @Test
    void authorizerIsAskedAboutTheActorTheOperationAndTheTenant() {
      List<String> asked = Collections.synchronizedList(new ArrayList<>());
      QuotaAdmin admin = quotaBuilder().authorizer((actor, operation, t) -> {
        asked.add(actor.id() + " " + operation + " " + t.value());
        return true;
      }).build().admin();

      admin.bypass(tenant, DECEMBER_START, Actor.of("support-bot"), REASON);

      assertThat(asked).containsExactly("support-bot BYPASS " + tenant.value());
    }
  }

  /** Threshold alerts: once per crossing per tenant, meter and period; re-armed when usage falls back below. */
  @Nested
  public class Alerts {
    private AlertRecorder alerts;
    private Quota quota;
    private QuotaGuard guard;
    private QuotaAdmin admin;
    private TenantId tenant;

    @BeforeEach
    void setUp() {
      alerts = new AlertRecorder();
      quota = quotaBuilder().catalogue(singleTier(1_000)).alertListener(alerts).build();
      guard = quota.guard();
      admin = quota.admin();
      tenant = newTenant("alerts");
    }

    @Test
    void crossingAThresholdFiresAnAlert() {
      use(guard, tenant, 800);

      assertThat(alerts.alerts()).containsExactly(
          new ThresholdAlert(tenant, AI_TOKENS, NOVEMBER, 80, 800, 1_000, START));
    }

    @Test
    void usageBelowTheFirstThresholdFiresNothing() {
      use(guard, tenant, 799);

      assertThat(alerts.alerts()).isEmpty();
    }

    @Test
    void anAdminChangeThatPutsTheTenantOverAThresholdFiresNothingUntilTheNextUsage() {
      use(guard, tenant, 700);
      Grant credit = admin.grantCredit(tenant, AI_TOKENS, 500, START.plus(Duration.ofDays(3)), OPERATOR, REASON);
      use(guard, tenant, 100);
      assertThat(alerts.thresholds()).as("800 of 1,500 crosses nothing").isEmpty();

      admin.revoke(credit.id(), OPERATOR, REASON);
      assertThat(alerts.thresholds()).as("the revoke alone: 800 of 1,000").isEmpty();

      use(guard, tenant, 1);
      assertThat(alerts.thresholds()).as("the next usage fires what the revoke crossed").containsExactly(80);
    }

    @Test
    void eachThresholdFiresOnceAsUsageGrows() {
      use(guard, tenant, 850);
      assertThat(alerts.thresholds()).containsExactly(80);
      use(guard, tenant, 100);
      assertThat(alerts.thresholds()).containsExactly(80, 90);
      use(guard, tenant, 100);
      assertThat(alerts.thresholds()).containsExactly(80, 90, 100);
    }

    @Test
    void jumpingPastSeveralThresholdsFiresEachOfThem() {
      use(guard, tenant, 1_000);

      assertThat(alerts.thresholds()).containsExactly(80, 90, 100);
    }

    @Test
    void furtherUsageDoesNotFireAgain() {
      use(guard, tenant, 1_000);
      alerts.clear();

      use(guard, tenant, 100);
      guard.tryConsume(tenant, AI_TOKENS, 100, UsageKey.of("denied"));
      guard.check(tenant, AI_TOKENS, 1);
      use(guard, tenant, 5_000);

      assertThat(alerts.alerts()).isEmpty();
    }

    @Test
    void resetReArmsTheThresholds() {
      use(guard, tenant, 1_000);
      alerts.clear();

      admin.resetUsage(tenant, OPERATOR, REASON);
      assertThat(alerts.alerts()).as("a reset brings usage to 50% of the new ceiling").isEmpty();
      use(guard, tenant, 600);

      assertThat(alerts.alerts()).containsExactly(
          new ThresholdAlert(tenant, AI_TOKENS, NOVEMBER, 80, 1_600, 2_000, START));
    }

    @Test
    void grantThatBringsUsageBelowAThresholdReArmsIt() {
      use(guard, tenant, 900);
      alerts.clear();

      admin.grantCredit(tenant, AI_TOKENS, 500, DECEMBER_START, OPERATOR, REASON);
      use(guard, tenant, 300);

      assertThat(alerts.thresholds()).as("1200 of 1500 is 80%").containsExactly(80);
    }

    @Test
    void grantThatLeavesUsageAboveAThresholdDoesNotReArmIt() {
      use(guard, tenant, 950);
      alerts.clear();

      admin.grantCredit(tenant, AI_TOKENS, 100, DECEMBER_START, OPERATOR, REASON);
      assertThat(alerts.alerts()).as("950 of 1100 is still above 80%, which stays fired").isEmpty();
      use(guard, tenant, 50);

      assertThat(alerts.thresholds()).as("1000 of 1100 crosses 90% again").containsExactly(90);
    }

    @Test
    void alertsFireAgainInTheNextPeriod() {
      use(guard, tenant, 1_000);
      alerts.clear();
      clock.set(DECEMBER_START);

      use(guard, tenant, 800);

      assertThat(alerts.alerts()).containsExactly(
          new ThresholdAlert(tenant, AI_TOKENS, DECEMBER, 80, 800, 1_000, DECEMBER_START));
    }

    @Test
    void alertsAreKeptApartPerTenant() {
      TenantId other = newTenant("other");

      use(guard, tenant, 800);
      use(guard, other, 800);

      assertThat(alerts.alerts()).extracting(ThresholdAlert::tenant).containsExactly(tenant, other);
    }

    @Test
    void grantsCountInTheCeiling() {
      admin.grantCredit(tenant, AI_TOKENS, 1_000, DECEMBER_START, OPERATOR, REASON);

      use(guard, tenant, 1_000);
      assertThat(alerts.alerts()).as("1000 of 2000 is 50%").isEmpty();
      use(guard, tenant, 600);

      assertThat(alerts.alerts()).extracting(ThresholdAlert::thresholdPercent, ThresholdAlert::ceiling)
          .containsExactly(tuple(80, 2_000L));
    }

    @Test
    void consumedUsageFiresAlerts() {
      guard.tryConsume(tenant, AI_TOKENS, 900, UsageKey.of("consumed"));

      assertThat(alerts.thresholds()).containsExactly(80, 90);
    }

    @Test
    void committedUsageFiresAlerts() {
      guard.reserve(tenant, AI_TOKENS, 500, Duration.ofMinutes(5)).reservation().commit(900, UsageKey.of("call"));

      assertThat(alerts.thresholds()).containsExactly(80, 90);
    }

    @Test
    void recordedBatchFiresAlertsEvenWhenOneOfItsEventsConflicts() {
      use(guard, tenant, 100);
      guard.record(UsageEvent.of(tenant, AI_TOKENS, 10, UsageKey.of("k1")));

      assertThatThrownBy(() -> guard.recordAll(List.of(
          UsageEvent.of(tenant, AI_TOKENS, 20, UsageKey.of("k1")),
          UsageEvent.of(tenant, AI_TOKENS, 900, UsageKey.of("k2")))))
          .isInstanceOf(UsageConflictException.class);

      assertThat(guard.usage(tenant)).hasUsed(1_010);
      assertThat(alerts.thresholds()).containsExactly(80, 90, 100);
    }

    @Test
    void reservationsAloneFireNothing() {
      guard.reserve(tenant, AI_TOKENS, 1_000, Duration.ofMinutes(5));

      assertThat(alerts.alerts()).isEmpty();
    }

    @Test
    void failingListenerDoesNotAffectTheCallerOrOtherListeners() {
      // quota logs each of this listener's failures at ERROR: those lines in a backend's test output are expected.
      AlertRecorder after = new AlertRecorder();
      QuotaGuard noisy = quotaBuilder().catalogue(singleTier(1_000))
          .alertListener(alert -> {
            throw new IllegalStateException("mail server down");
          })
          .alertListener(after)
          .build().guard();

      RecordResult result = use(noisy, tenant, 1_000);

      assertThat(result.usedInPeriod()).isEqualTo(1_000);
      assertThat(after.thresholds()).containsExactly(80, 90, 100);
    }

    @Test
    void configuredThresholdsReplaceTheDefaults() {
      AlertRecorder halfway = new AlertRecorder();
      QuotaGuard custom = quotaBuilder().catalogue(singleTier(1_000)).alertThresholds(50).alertListener(halfway)
          .build().guard();

      use(custom, tenant, 600);
      use(custom, tenant, 500);

      assertThat(halfway.thresholds()).containsExactly(50);
    }
  }

  /** {@link EnforcementMode#SHADOW}: decisions computed and reported, nothing blocked. */
  @Nested
  public class ShadowMode {
    private AlertRecorder alerts;
    private Quota quota;
    private QuotaGuard guard;
    private TenantId tenant;

    @BeforeEach
    void setUp() {
      alerts = new AlertRecorder();
      quota = quotaBuilder().mode(EnforcementMode.SHADOW).alertListener(alerts).build();
      guard = quota.guard();
      tenant = newTenant("shadow");
    }

    @Test
    void shadowModeLetsABlockedTenantThrough() {
      use(guard, tenant, 100_000);

      assertThat(guard.canProceed(tenant)).isTrue();
      assertThat(guard.check(tenant, AI_TOKENS, 1)).isAllowed().isShadowed().hasReason(Reason.INSUFFICIENT_BALANCE);
    }

    @Test
    void shadowedDecisionCarriesTheRealStanding() {
      use(guard, tenant, 100_000);

      Decision decision = guard.check(tenant, AI_TOKENS, 1);

      assertThat(decision).hasRemaining(0).report().hasUsed(100_000).isBlocked();
    }

    @Test
    void shadowedConsumeIsStillRecorded() {
      use(guard, tenant, 100_000);

      ConsumeResult result = guard.tryConsume(tenant, AI_TOKENS, 5_000, UsageKey.of("over"));

      assertThat(result).isConsumed().isAllowed().decision().isShadowed().hasReason(Reason.INSUFFICIENT_BALANCE);
      assertThat(guard.usage(tenant)).hasUsed(105_000);
      assertThat(quota.admin().verify(tenant).consistent()).isTrue();
    }

    @Test
    void shadowModeStillFiresAlerts() {
      use(guard, tenant, 79_000);

      guard.tryConsume(tenant, AI_TOKENS, 30_000, UsageKey.of("over"));

      assertThat(alerts.thresholds()).containsExactly(80, 90, 100);
    }

    @Test
    void reportStillShowsTheTenantBlocked() {
      use(guard, tenant, 100_000);

      assertThat(guard.usage(tenant)).isBlocked().hasRemaining(0);
    }

    @Test
    void decisionsWithinTheBalanceAreNotShadowed() {
      assertThat(guard.check(tenant, AI_TOKENS, 10)).isAllowed().isNotShadowed().hasReason(Reason.WITHIN_BALANCE);
      assertThat(guard.tryConsume(tenant, AI_TOKENS, 10, UsageKey.of("fine"))).isConsumed().decision().isNotShadowed();
    }

    @Test
    void shadowModeGrantsReservationsBeyondTheBalance() {
      use(guard, tenant, 100_000);

      ReserveResult result = guard.reserve(tenant, AI_TOKENS, 5_000, Duration.ofMinutes(5));

      assertThat(result.granted()).isTrue();
      assertThat(result.decision()).isAllowed().isShadowed();
      assertThat(guard.usage(tenant)).hasReserved(5_000);
    }

    @Test
    void shadowedDecisionKeepsARejectionsReason() {
      QuotaGuard rejecting = quotaBuilder().mode(EnforcementMode.SHADOW)
          .catalogue(rejectingCatalogue(PlanFallback.REJECT, PlanFallback.REJECT)).build().guard();

      assertThat(rejecting.check(tenant, AI_TOKENS, 1)).isAllowed().isShadowed().hasReason(Reason.NO_PLAN);
    }
  }

  private static TierCatalogue rejectingCatalogue(PlanFallback whenNoPlan, PlanFallback whenUnknownTier) {
    return TierCatalogue.builder()
        .meter(AI_TOKENS, PeriodPolicy.calendarMonth())
        .tier(FREE, Map.of(AI_TOKENS, 100_000L))
        .tier(PRO, Map.of(AI_TOKENS, 1_000_000L))
        .defaultTier(FREE)
        .whenNoPlan(whenNoPlan)
        .whenUnknownTier(whenUnknownTier)
        .build();
  }

  /** Tenants without a usable plan: the guard and the report always agree about them. */
  @Nested
  public class PlanFallbacks {
    private TenantId tenant;

    @BeforeEach
    void setUp() {
      tenant = newTenant("fallback");
    }

    /** Puts the tenant on the {@code legacy} tier through a catalogue that still has it. */
    private void planOnARetiredTier() {
      TierCatalogue withLegacy = TierCatalogue.builder()
          .meter(AI_TOKENS, PeriodPolicy.calendarMonth())
          .tier(FREE, Map.of(AI_TOKENS, 100_000L))
          .tier(LEGACY, Map.of(AI_TOKENS, 500_000L))
          .defaultTier(FREE)
          .build();
      quota(withLegacy).admin().setPlan(tenant, Plan.of(LEGACY), OPERATOR, REASON);
    }

    @Test
    void tenantWithoutPlanGetsTheDefaultTierInTheGuard() {
      QuotaGuard guard = quota().guard();

      assertThat(guard.check(tenant, AI_TOKENS, 100_000)).isAllowed();
      assertThat(guard.check(tenant, AI_TOKENS, 100_001)).isDenied().hasReason(Reason.INSUFFICIENT_BALANCE);
    }

    @Test
    void tenantWithoutPlanGetsTheDefaultTierInTheReport() {
      QuotaGuard guard = quota().guard();

      assertThat(guard.usage(tenant)).hasNoPlannedTier().hasEffectiveTier(FREE)
          .hasTierSource(TierSource.DEFAULT_WITHOUT_PLAN).hasLimit(100_000);
    }

    @Test
    void rejectedTenantWithoutPlanIsDeniedWithNoPlan() {
      QuotaGuard guard = quota(rejectingCatalogue(PlanFallback.REJECT, PlanFallback.USE_DEFAULT_TIER)).guard();

      assertThat(guard.canProceed(tenant)).isFalse();
      assertThat(guard.check(tenant, AI_TOKENS, 1)).isDenied().hasReason(Reason.NO_PLAN);
      assertThat(guard.tryConsume(tenant, AI_TOKENS, 1, UsageKey.of("first"))).isDenied().decision()
          .hasReason(Reason.NO_PLAN);
      assertThat(guard.reserve(tenant, AI_TOKENS, 1, Duration.ofMinutes(1)).granted()).isFalse();
    }

    @Test
    void rejectedTenantWithoutPlanHasLimitZeroInTheReport() {
      QuotaGuard guard = quota(rejectingCatalogue(PlanFallback.REJECT, PlanFallback.USE_DEFAULT_TIER)).guard();

      assertThat(guard.usage(tenant)).hasNoPlannedTier().hasNoEffectiveTier()
          .hasTierSource(TierSource.REJECTED_WITHOUT_PLAN).hasLimit(0).hasRemaining(0).isBlocked();
    }

    @Test
    void rejectedTenantsUsageIsStillRecorded() {
      QuotaGuard guard = quota(rejectingCatalogue(PlanFallback.REJECT, PlanFallback.USE_DEFAULT_TIER)).guard();

      use(guard, tenant, 1_500);

      assertThat(guard.usage(tenant)).hasUsed(1_500).hasLimit(0);
    }

    @Test
    void rejectedTenantIsServedOnceItHasAPlan() {
      Quota quota = quota(rejectingCatalogue(PlanFallback.REJECT, PlanFallback.USE_DEFAULT_TIER));

      quota.admin().setPlan(tenant, Plan.of(PRO), OPERATOR, REASON);

      assertThat(quota.guard().canProceed(tenant)).isTrue();
      assertThat(quota.guard().usage(tenant)).hasTierSource(TierSource.PLAN).hasLimit(1_000_000);
    }

    @Test
    void unknownTierFallsBackToTheDefaultTier() {
      planOnARetiredTier();
      QuotaGuard guard = quota().guard();

      assertThat(guard.usage(tenant)).hasPlannedTier(LEGACY).hasEffectiveTier(FREE)
          .hasTierSource(TierSource.DEFAULT_FOR_UNKNOWN_TIER).hasLimit(100_000);
      assertThat(guard.check(tenant, AI_TOKENS, 100_000)).isAllowed();
      assertThat(guard.check(tenant, AI_TOKENS, 100_001)).isDenied().hasReason(Reason.INSUFFICIENT_BALANCE);
    }

    @Test
    void unknownTierIsDeniedWhenSuchTenantsAreRejected() {
      planOnARetiredTier();
      QuotaGuard guard = quota(rejectingCatalogue(PlanFallback.USE_DEFAULT_TIER, PlanFallback.REJECT)).guard();

      assertThat(guard.canProceed(tenant)).isFalse();
      assertThat(guard.check(tenant, AI_TOKENS, 1)).isDenied().hasReason(Reason.UNKNOWN_TIER);
      assertThat(guard.usage(tenant)).hasPlannedTier(LEGACY).hasNoEffectiveTier()
          .hasTierSource(TierSource.REJECTED_UNKNOWN_TIER).hasLimit(0).isBlocked();
    }
  }

  /** Bad input: refused with the field and the rule named, and nothing written. */
  @Nested
  public class BadInput {
    private Quota quota;
    private QuotaGuard guard;
    private QuotaAdmin admin;
    private TenantId tenant;

    @BeforeEach
    void setUp() {
      quota = quota();
      guard = quota.guard();
      admin = quota.admin();
      tenant = newTenant("bad-input");
      use(guard, tenant, 1_000);
    }

    private void assertNothingWritten() {
      assertThat(guard.usage(tenant)).hasUsed(1_000).hasReserved(0).hasGranted(0);
      assertThat(auditOf(admin, tenant)).isEmpty();
      assertThat(admin.entitlements(tenant)).isEmpty();
    }

    // A bad tenant id cannot even be built, so no call carrying one reaches a store.
    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @MethodSource("dev.quota.testkit.contract.QuotaStoreContract#invalidTenantIds")
    void invalidTenantIdIsRejected(String value) {
      assertRejected("tenant id", () -> TenantId.of(value));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void nonPositiveConsumeIsRejectedAndWritesNothing(long amount) {
      assertRejected("amount", () -> guard.tryConsume(tenant, AI_TOKENS, amount, UsageKey.of("bad")));

      assertNothingWritten();
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1})
    void nonPositiveCheckIsRejected(long amount) {
      assertRejected("amount", () -> guard.check(tenant, AI_TOKENS, amount));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1})
    void nonPositiveRecordIsRejected(long amount) {
      assertRejected("amount", () -> guard.record(UsageEvent.of(tenant, AI_TOKENS, amount, UsageKey.of("bad"))));

      assertNothingWritten();
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1})
    void nonPositiveReservationIsRejectedAndHoldsNothing(long estimate) {
      assertRejected("estimate", () -> guard.reserve(tenant, AI_TOKENS, estimate, Duration.ofMinutes(1)));

      assertNothingWritten();
    }

    @Test
    void nonPositiveCommitIsRejectedAndKeepsTheHold() {
      Reservation reservation = guard.reserve(tenant, AI_TOKENS, 5_000, Duration.ofMinutes(5)).reservation();

      assertRejected("amount", () -> reservation.commit(0, UsageKey.of("bad")));

      assertThat(guard.usage(tenant)).hasUsed(1_000).hasReserved(5_000);
    }

    @Test
    void unknownMeterIsRejectedAndWritesNothing() {
      Meter unknown = Meter.of("gpu-seconds");

      assertRejected("meter", () -> guard.tryConsume(tenant, unknown, 10, UsageKey.of("bad")));
      assertRejected("meter", () -> guard.record(UsageEvent.of(tenant, unknown, 10, UsageKey.of("bad"))));
      assertRejected("meter", () -> guard.reserve(tenant, unknown, 10, Duration.ofMinutes(1)));
      assertRejected("meter", () -> admin.grantCredit(tenant, unknown, 10, DECEMBER_START, OPERATOR, REASON));

      assertNothingWritten();
    }

    @Test
    void missingUsageKeyIsRejectedAndWritesNothing() {
      assertRejected("key", () -> guard.tryConsume(tenant, AI_TOKENS, 10, null));
      assertRejected("usage key", () -> UsageKey.of(" "));

      assertNothingWritten();
    }

    @Test
    void tooManyAttributesAreRejectedAndWriteNothing() {
      Map<String, String> attributes = new LinkedHashMap<>();
      for (int i = 0; i <= UsageEvent.MAX_ATTRIBUTES; i++) {
        attributes.put("a" + i, "v");
      }

      assertRejected("attributes", () -> guard.record(
          UsageEvent.of(tenant, AI_TOKENS, 10, UsageKey.of("bad")).withAttributes(attributes)));

      assertNothingWritten();
    }

    @Test
    void missingTenantIsRejected() {
      assertRejected("tenant", () -> guard.check(null, AI_TOKENS, 1));
      assertRejected("tenant", () -> guard.tryConsume(null, AI_TOKENS, 1, UsageKey.of("k")));
      assertRejected("tenant", () -> admin.resetUsage(null, OPERATOR, REASON));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @MethodSource("dev.quota.testkit.contract.QuotaStoreContract#invalidReasons")
    void invalidReasonIsRejectedAndWritesNothing(String reason) {
      assertRejected("reason", () -> admin.grantCredit(tenant, AI_TOKENS, 10, DECEMBER_START, OPERATOR, reason));
      assertRejected("reason", () -> admin.resetUsage(tenant, OPERATOR, reason));
      assertRejected("reason", () -> admin.setPlan(tenant, Plan.of(PRO), OPERATOR, reason));

      assertNothingWritten();
      assertThat(guard.usage(tenant)).hasNoPlannedTier();
    }

    @Test
    void usageThatWouldOverflowTheCounterIsRejectedAndWritesNothing() {
      QuotaGuard twoMeters = quota(tokensAndDailyCalls()).guard();
      admin.setPlan(tenant, Plan.of(ENTERPRISE), OPERATOR, REASON);
      use(twoMeters, tenant, AI_CALLS, Long.MAX_VALUE - 10);

      assertRejected("amount", () -> use(twoMeters, tenant, AI_CALLS, 100));
      assertRejected("amount", () -> twoMeters.tryConsume(tenant, AI_CALLS, 100, UsageKey.of("over")));

      assertThat(twoMeters.usage(tenant, AI_CALLS)).hasUsed(Long.MAX_VALUE - 10);
      assertThat(admin.verify(tenant).consistent()).isTrue();
    }

    @Test
    void sqlLookingTenantIdIsStoredVerbatim() {
      TenantId sql = newTenant("'; DROP TABLE x; --");

      use(guard, sql, 1_000);
      assertThat(guard.tryConsume(sql, AI_TOKENS, 500, UsageKey.of("'; DELETE FROM usage; --"))).isConsumed();
      admin.setPlan(sql, Plan.of(PRO), OPERATOR, REASON);

      assertThat(guard.usage(sql)).hasTenant(sql).hasUsed(1_500).hasLimit(1_000_000);
      assertThat(guard.usage(sql).tenant().value()).startsWith("'; DROP TABLE x; --");
      assertThat(auditOf(admin, sql)).singleElement().satisfies(e -> assertThat(e.tenant()).isEqualTo(sql));
      assertThat(guard.usage(tenant)).as("other tenants untouched").hasUsed(1_000);
    }

    @Test
    void sqlLookingReasonIsStoredVerbatim() {
      String reason = "'; DROP TABLE x; --";

      Grant grant = admin.grantCredit(tenant, AI_TOKENS, 10, DECEMBER_START, OPERATOR, reason);

      assertThat(auditOf(admin, tenant)).singleElement().satisfies(e -> assertThat(e.reason()).isEqualTo(reason));
      assertThat(admin.entitlements(tenant)).singleElement().satisfies(e -> assertThat(e.reason()).isEqualTo(reason));
      assertThat(grant.reason()).isEqualTo(reason);
    }

    @Test
    void textBeyondAsciiIsStoredVerbatim() {
      TenantId international = newTenant("Zürich-東京-\uD83D\uDE42");
      String reason = "Kundin bittet um Aufschub — 東京 \uD83D\uDE42\nZweite Zeile\tmit Tab";
      Actor actor = Actor.of("Łukasz Żółć");

      use(guard, international, 1_000);
      admin.grantCredit(international, AI_TOKENS, 10, DECEMBER_START, actor, reason);

      assertThat(guard.usage(international)).hasTenant(international).hasUsed(1_000).hasGranted(10);
      assertThat(auditOf(admin, international)).singleElement().satisfies(e -> {
        assertThat(e.tenant()).isEqualTo(international);
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e.actor()).isEqualTo(actor);
      });
    }

    @Test
    void longestAcceptedValuesAreStoredVerbatim() {
      String base = newTenant("longest").value();
      TenantId longest = TenantId.of(base + "x".repeat(TenantId.MAX_LENGTH - base.length()));
      UsageKey longKey = UsageKey.of("k".repeat(UsageKey.MAX_LENGTH));
      String longReason = "r".repeat(QuotaAdmin.MAX_REASON_LENGTH);
      Actor longActor = Actor.of("a".repeat(Actor.MAX_LENGTH));
      Map<String, String> attributes = new LinkedHashMap<>();
      attributes.put("n".repeat(64), "v".repeat(1024));
      UsageEvent event = UsageEvent.of(longest, AI_TOKENS, 1_000, longKey).withAttributes(attributes);

      assertThat(guard.record(event).duplicate()).isFalse();
      assertThat(guard.record(event).duplicate()).as("the same long key again").isTrue();
      admin.grantCredit(longest, AI_TOKENS, 10, DECEMBER_START, longActor, longReason);

      assertThat(guard.usage(longest)).hasTenant(longest).hasUsed(1_000);
      assertThat(auditOf(admin, longest)).singleElement().satisfies(e -> {
        assertThat(e.tenant()).isEqualTo(longest);
        assertThat(e.reason()).isEqualTo(longReason);
        assertThat(e.actor()).isEqualTo(longActor);
      });
    }
  }

  static Stream<String> invalidTenantIds() {
    return Stream.of("", " ", "   ", "x".repeat(TenantId.MAX_LENGTH + 1), "nul\0inside", "line\nbreak",
        "tab\tinside", " leading-space", "trailing-space ");
  }

  static Stream<String> invalidReasons() {
    return Stream.of("", " ", "\n\t", "r".repeat(QuotaAdmin.MAX_REASON_LENGTH + 1), "bell\u0007inside",
        "carriage\rreturn");
  }

  /**
   * Usage belongs to the tenant: once recorded, no unblocking operation erases or rewrites it; only the
   * balance around it changes.
   */
  @Nested
  public class UsageOwnership {
    private Quota quota;
    private QuotaGuard guard;
    private QuotaAdmin admin;
    private TenantId tenant;

    @BeforeEach
    void setUp() {
      quota = quota();
      guard = quota.guard();
      admin = quota.admin();
      tenant = newTenant("owner");
    }

    @Test
    void usageWithAttributesSurvivesEveryUnblockingChange() {
      guard.record(UsageEvent.of(tenant, AI_TOKENS, 100_000, UsageKey.of("session-1"))
          .withAttributes(Map.of("endpoint", "/v1/chat/completions", "model", "large-2")));
      Verification before = admin.verify(tenant);

      admin.resetUsage(tenant, OPERATOR, REASON);
      Grant grant = admin.grantCredit(tenant, AI_TOKENS, 5_000, DECEMBER_START, OPERATOR, REASON);
      admin.overrideTier(tenant, ENTERPRISE, DECEMBER_START, OPERATOR, REASON);
      admin.bypass(tenant, DECEMBER_START, OPERATOR, REASON);
      admin.revoke(grant.id(), OPERATOR, REASON);
      admin.setPlan(tenant, Plan.of(FREE), OPERATOR, REASON);

      assertThat(admin.verify(tenant)).isEqualTo(before);
      assertThat(before.checks()).containsExactly(new CounterCheck(AI_TOKENS, NOVEMBER, 100_000, 100_000));
      assertThat(guard.usage(tenant)).hasUsed(100_000);
    }

    @Test
    void recordingIsNeverRefusedEvenBeyondTheLimit() {
      use(guard, tenant, 100_000);

      RecordResult result = use(guard, tenant, 5_000);

      assertThat(result.duplicate()).isFalse();
      assertThat(result.usedInPeriod()).isEqualTo(105_000);
      assertThat(guard.usage(tenant)).hasUsed(105_000);
    }
  }
}

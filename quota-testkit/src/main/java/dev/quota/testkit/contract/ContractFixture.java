package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.Tier.ENTERPRISE;
import static dev.quota.Tier.FREE;
import static dev.quota.Tier.PRO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.PlanFallback;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.RecordResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.PageRequest;
import dev.quota.admin.QuotaAdmin;
import dev.quota.period.PeriodPolicy;
import dev.quota.spi.QuotaStore;
import dev.quota.testkit.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * What every group of the contract is written with: the running test's store, clock and tenants (kept by the
 * {@link QuotaStoreContract} that made them, which creates them afresh before each test), and the periods,
 * catalogues and helpers the groups share.
 *
 * <p>A group is a class of its own that extends this one, entered through one nested class of
 * {@link QuotaStoreContract}, which hands it the contract instance of the running test.
 */
abstract class ContractFixture {
  static final Instant NOVEMBER_START = Instant.parse("2026-11-01T00:00:00Z");
  static final Instant DECEMBER_START = Instant.parse("2026-12-01T00:00:00Z");
  /** The period of {@link QuotaStoreContract#START} for calendar-month meters. */
  static final Period NOVEMBER = new Period(NOVEMBER_START, DECEMBER_START);
  static final Period DECEMBER = new Period(DECEMBER_START, Instant.parse("2027-01-01T00:00:00Z"));
  /** A second meter, counted per UTC day in {@link #tokensAndDailyCalls()}. */
  static final Meter AI_CALLS = Meter.of("ai-calls");
  /** The only tier of {@link #singleTier(long)}. */
  static final Tier METERED = Tier.of("metered");
  /** A tier the default catalogue does not know: a plan on it has been retired. */
  static final Tier LEGACY = Tier.of("legacy");

  private final QuotaStoreContract contract;

  ContractFixture(QuotaStoreContract contract) {
    this.contract = Objects.requireNonNull(contract, "contract");
  }

  // --- the running test's store, clock and tenants, read when a test asks (the contract makes them anew
  // before each test, after this group's instance was created) ----------------------------------------------

  /** A quota over this test's store and clock, with every other setting at its default. */
  final Quota quota() {
    return quotaBuilder().build();
  }

  /** A quota over this test's store and clock with the given catalogue. */
  final Quota quota(TierCatalogue catalogue) {
    return quotaBuilder().catalogue(catalogue).build();
  }

  /** See {@link QuotaStoreContract#quotaBuilder()}. */
  final Quota.Builder quotaBuilder() {
    return contract.quotaBuilder();
  }

  /** See {@link QuotaStoreContract#store()}: for the groups that check the store's guarantees through the SPI. */
  final QuotaStore store() {
    return contract.store();
  }

  /** See {@link QuotaStoreContract#clock()}. */
  final TestClock clock() {
    return contract.clock();
  }

  /** See {@link QuotaStoreContract#newTenant(String)}. */
  final TenantId newTenant(String label) {
    return contract.newTenant(label);
  }

  /** The random part of this test's names, to give it a meter no other test lists. */
  final String testId() {
    return contract.testId();
  }

  /** See {@link QuotaStoreContract#concurrentThreads()}. */
  final int concurrentThreads() {
    return contract.concurrentThreads();
  }

  /** See {@link QuotaStoreContract#operationsPerThread()}. */
  final int operationsPerThread() {
    return contract.operationsPerThread();
  }

  /** See {@link QuotaStoreContract#concurrencyTimeout()}. */
  final Duration concurrencyTimeout() {
    return contract.concurrencyTimeout();
  }

  // --- catalogues ----------------------------------------------------------------------------------------

  /** Tokens monthly as in the defaults, plus AI calls per UTC day: free 50, pro 1000, enterprise unlimited. */
  static TierCatalogue tokensAndDailyCalls() {
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
  static TierCatalogue singleTier(long limit) {
    return TierCatalogue.builder()
        .meter(AI_TOKENS, PeriodPolicy.calendarMonth())
        .tier(METERED, Map.of(AI_TOKENS, limit))
        .defaultTier(METERED)
        .build();
  }

  /** The default tokens of free and pro, with the given rules for tenants without a usable plan. */
  static TierCatalogue rejectingCatalogue(PlanFallback whenNoPlan, PlanFallback whenUnknownTier) {
    return TierCatalogue.builder()
        .meter(AI_TOKENS, PeriodPolicy.calendarMonth())
        .tier(FREE, Map.of(AI_TOKENS, 100_000L))
        .tier(PRO, Map.of(AI_TOKENS, 1_000_000L))
        .defaultTier(FREE)
        .whenNoPlan(whenNoPlan)
        .whenUnknownTier(whenUnknownTier)
        .build();
  }

  // --- helpers ---------------------------------------------------------------------------------------------

  /** Records {@code amount} tokens under a key of their own. */
  static RecordResult use(QuotaGuard guard, TenantId tenant, long amount) {
    return use(guard, tenant, AI_TOKENS, amount);
  }

  /** Records {@code amount} units of {@code meter} under a key of their own. */
  static RecordResult use(QuotaGuard guard, TenantId tenant, Meter meter, long amount) {
    return guard.record(UsageEvent.of(tenant, meter, amount, UsageKey.random()));
  }

  /** The tenant's whole audit log, newest first. */
  static List<AuditEntry> auditOf(QuotaAdmin admin, TenantId tenant) {
    return admin.audit(tenant, PageRequest.first(PageRequest.MAX_SIZE)).items();
  }

  static Period period(String start, String end) {
    return new Period(Instant.parse(start), Instant.parse(end));
  }

  /** Asserts that the call is refused as bad input naming {@code field}. */
  static void assertRejected(String field, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(InvalidRequestException.class,
        e -> assertThat(e.field()).as("the field named by '%s'", e.getMessage()).isEqualTo(field));
  }
}

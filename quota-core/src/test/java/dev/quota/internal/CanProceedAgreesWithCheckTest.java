package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Decision;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.PlanFallback;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.QuotaObserver;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.admin.Actor;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.Bypass;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.admin.LimitOverride;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PurgeSummary;
import dev.quota.admin.Revocation;
import dev.quota.admin.TierOverride;
import dev.quota.alert.Delivery;
import dev.quota.alert.DeliveryState;
import dev.quota.alert.Notification;
import dev.quota.period.PeriodPolicy;
import dev.quota.spi.CommitOutcome;
import dev.quota.spi.Counter;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.ReleaseOutcome;
import dev.quota.spi.RevokeOutcome;
import dev.quota.spi.StoredReservation;
import dev.quota.spi.TenantState;
import dev.quota.spi.UsageListing;
import dev.quota.spi.WriteOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;
import java.util.UUID;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@code canProceed} takes an allocation-free path ({@link Evaluator#verdict}) while {@code check} builds a
 * full report; both must give the same answer, with the same reason, for every state. Random states cover
 * plans (none, known, unknown), grants, overrides and bypasses (active, expired, revoked, future), counters
 * of the current and other periods, both fallbacks and usage around the limit.
 */
class CanProceedAgreesWithCheckTest {
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final Meter CALLS = Meter.of("ai-calls");
  private static final TenantId TENANT = TenantId.of("acme");

  @Test
  void canProceedGivesTheSameAnswerAndReasonAsCheckOnRandomStates() {
    Random random = new Random(20261125L);
    int compared = 0;
    for (PlanFallback fallback : PlanFallback.values()) {
      TierCatalogue catalogue = TierCatalogue.builder()
          .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
          .meter(CALLS, PeriodPolicy.calendarDay(ZoneOffset.UTC))
          .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 1_000L, CALLS, 10L))
          .tier(Tier.PRO, Map.of(Meter.AI_TOKENS, 10_000L, CALLS, 100L))
          .tier(Tier.ENTERPRISE, Map.of(Meter.AI_TOKENS, TierCatalogue.UNLIMITED, CALLS, 1_000L))
          .defaultTier(Tier.FREE)
          .whenNoPlan(fallback)
          .whenUnknownTier(fallback)
          .build();
      FixedStateStore store = new FixedStateStore();
      LastDecision observed = new LastDecision();
      QuotaGuard guard = Quota.builder().store(store).catalogue(catalogue).clock(Clock.fixed(NOW, ZoneOffset.UTC))
          .observer(observed).build().guard();
      for (int i = 0; i < 2_000; i++) {
        store.state = randomState(random, catalogue);
        boolean fast = guard.canProceed(TENANT);
        Decision.Reason fastReason = observed.reason;
        Decision full = guard.check(TENANT, Meter.AI_TOKENS, 1);
        assertThat(fast).as("allowed, state %s", store.state).isEqualTo(full.allowed());
        assertThat(fastReason).as("reason, state %s", store.state).isEqualTo(full.reason());
        compared++;
      }
    }
    assertThat(compared).isEqualTo(4_000);
  }

  private static TenantState randomState(Random random, TierCatalogue catalogue) {
    Optional<Plan> plan = switch (random.nextInt(5)) {
      case 0 -> Optional.empty();
      case 1 -> Optional.of(Plan.of(Tier.of("legacy-gold")));
      case 2 -> Optional.of(Plan.of(Tier.PRO, 1 + random.nextInt(31)));
      default -> Optional.of(Plan.of(catalogue.tiers().get(random.nextInt(3))));
    };
    List<Entitlement> entitlements = new ArrayList<>();
    int count = random.nextInt(4);
    for (int i = 0; i < count; i++) {
      Instant from = NOW.minus(Duration.ofHours(random.nextInt(48))).plus(Duration.ofHours(random.nextInt(3) == 0 ? 30 : 0));
      Instant until = from.plus(Duration.ofHours(1 + random.nextInt(72)));
      Optional<Revocation> revocation = random.nextInt(4) == 0
          ? Optional.of(new Revocation(NOW.minus(Duration.ofMinutes(random.nextInt(120) - 60)), Actor.of("ops"), "r"))
          : Optional.empty();
      entitlements.add(switch (random.nextInt(7)) {
        case 0 -> new Bypass(EntitlementId.random(), TENANT, from, until, Actor.of("ops"), "r", revocation);
        case 6 -> new LimitOverride(EntitlementId.random(), TENANT, random.nextInt(4) == 0 ? CALLS : Meter.AI_TOKENS,
            random.nextInt(3) == 0 ? 0 : random.nextInt(30_000), from, until, Actor.of("ops"), "r", revocation);
        case 1, 2 -> new TierOverride(EntitlementId.random(), TENANT,
            random.nextInt(5) == 0 ? Tier.of("retired") : catalogue.tiers().get(random.nextInt(3)), from, until,
            Actor.of("ops"), "r", revocation);
        default -> new Grant(EntitlementId.random(), TENANT, random.nextBoolean() ? Grant.Kind.CREDIT : Grant.Kind.RESET,
            random.nextInt(4) == 0 ? CALLS : Meter.AI_TOKENS, 1 + random.nextInt(5_000), from, until, Actor.of("ops"), "r",
            revocation);
      });
    }
    TenantState planOnly = new TenantState(plan, entitlements, 1, List.of());
    Period current = new Evaluator(catalogue).periodOf(planOnly, Meter.AI_TOKENS, NOW);
    List<Counter> counters = new ArrayList<>();
    if (random.nextInt(4) != 0) {
      long used = random.nextInt(3) == 0 ? 10_000 - random.nextInt(3) : random.nextInt(20_000);
      counters.add(new Counter(current, used, random.nextInt(3) == 0 ? random.nextInt(2_000) : 0));
    }
    if (random.nextInt(5) == 0) {
      counters.add(0, new Counter(new Period(current.start().minus(Duration.ofDays(3)), current.end()), 50_000, 0));
    }
    return new TenantState(plan, entitlements, 1, counters);
  }

  private static final class LastDecision implements QuotaObserver {
    Decision.Reason reason;

    @Override
    public void onDecision(Operation operation, Meter meter, boolean allowed, Decision.Reason reason, boolean shadowed) {
      this.reason = reason;
    }
  }

  /** A store that only answers reads, with whatever state the test put in it. */
  private static final class FixedStateStore implements QuotaStore {
    TenantState state;

    @Override
    public TenantState read(TenantId tenant, Meter meter, Instant now) {
      return state;
    }

    @Override
    public TenantState readLatest(TenantId tenant, Meter meter, Instant now) {
      return state;
    }

    @Override
    public Page<UsageListing.Row> listUsage(UsageListing listing) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean knowsTenant(TenantId tenant) {
      throw new UnsupportedOperationException();
    }

    @Override
    public dev.quota.admin.PlanSource planSource() {
      throw new UnsupportedOperationException();
    }

    @Override
    public java.util.Optional<dev.quota.spi.StoredServiceConfiguration> latestServiceConfiguration() {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean appendServiceConfiguration(dev.quota.spi.StoredServiceConfiguration next) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<TenantId> knownTenantsLike(TenantId tenant, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public WriteOutcome consume(LedgerEntry entry, long ceiling, long expectedVersion) {
      throw new UnsupportedOperationException();
    }

    @Override
    public WriteOutcome writeDrawingCredits(LedgerEntry entry, long allowance, boolean conditional,
        long expectedVersion) {
      throw new UnsupportedOperationException();
    }

    @Override
    public dev.quota.spi.CommitOutcome commitDrawingCredits(TenantId tenant, dev.quota.ReservationId id,
        LedgerEntry entry, long allowance, long expectedVersion, Instant now) {
      throw new UnsupportedOperationException();
    }

    @Override
    public WriteOutcome append(LedgerEntry entry, long expectedVersion) {
      throw new UnsupportedOperationException();
    }

    @Override
    public WriteOutcome reserve(StoredReservation reservation, long ceiling, long expectedVersion, Instant now) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CommitOutcome commit(TenantId tenant, ReservationId id, LedgerEntry entry, long expectedVersion, Instant now) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ReleaseOutcome release(TenantId tenant, ReservationId id, Instant now) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements, AuditEntry audit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements, AuditEntry audit,
        long expectedVersion) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Entitlement> findEntitlement(EntitlementId id) {
      throw new UnsupportedOperationException();
    }

    @Override
    public RevokeOutcome revoke(TenantId tenant, EntitlementId id, Revocation revocation, AuditEntry audit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Entitlement> entitlements(TenantId tenant) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setPlan(TenantId tenant, Plan plan, Map<Meter, Period> currentPeriods, AuditEntry audit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Page<AuditEntry> audit(AuditQuery query, PageRequest page) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Page<LedgerEntry> ledger(TenantId tenant, PageRequest page) {
      throw new UnsupportedOperationException();
    }

    @Override
    public PurgeSummary previewPurge(TenantId tenant, Instant since) {
      throw new UnsupportedOperationException();
    }

    @Override
    public PurgeSummary purge(TenantId tenant, Instant since, Function<PurgeSummary, AuditEntry> audit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean markAlertFired(Notification notification, Collection<String> channels) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean rearmAlerts(TenantId tenant, Meter meter, Period period, Collection<Integer> thresholdPercents,
        @Nullable Notification unblocked, Collection<String> channels) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Delivery> claimDeliveries(Collection<String> channels, String claimer, Instant now,
        java.time.Duration lease, int max) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean recordDelivered(UUID notificationId, String channel, String claimer, Instant now) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean recordFailure(UUID notificationId, String channel, String claimer, Instant now, String error,
        @Nullable Instant retryAt) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Delivery> deliveries(DeliveryState state, int max) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Delivery> delivery(UUID notificationId, String channel) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long countDeliveries(DeliveryState state) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean requeue(UUID notificationId, String channel, Instant now, String requeuedBy, String reason) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int purgeDelivered(Instant before, int max) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<CounterCheck> verify(TenantId tenant) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<dev.quota.admin.CreditCheck> verifyCredits(TenantId tenant) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Long> usageHistory(TenantId tenant, Meter meter, List<Instant> edges) {
      throw new UnsupportedOperationException();
    }
  }
}

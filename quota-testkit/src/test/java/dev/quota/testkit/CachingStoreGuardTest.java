package dev.quota.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.TenantState;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The guard over a store whose {@link QuotaStore#read} may serve an old state from a cache: writes are decided by
 * the store, and a write refused as stale is retried on {@link QuotaStore#readLatest}.
 */
class CachingStoreGuardTest {
  private static final TenantId TENANT = TenantId.of("acme");
  private static final Actor OPERATOR = Actor.of("operator");

  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  private final InMemoryQuotaStore memory = new InMemoryQuotaStore();
  /** What {@code read} returns while set: a state frozen as a cache would keep it. */
  private final AtomicReference<TenantState> cached = new AtomicReference<>();
  private Quota quota;

  @BeforeEach
  void setUp() {
    QuotaStore store = (QuotaStore) Proxy.newProxyInstance(QuotaStore.class.getClassLoader(),
        new Class<?>[] {QuotaStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("read") && cached.get() != null) {
            return cached.get();
          }
          try {
            return method.invoke(memory, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    TierCatalogue catalogue = TierCatalogue.builder()
        .meter(Meter.AI_TOKENS, dev.quota.period.PeriodPolicy.calendarMonth())
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 100L))
        .defaultTier(Tier.FREE)
        .build();
    quota = Quota.builder().store(store).catalogue(catalogue).clock(clock).build();
    quota.admin().setPlan(TENANT, Plan.of(Tier.FREE), OPERATOR, "signed up");
  }

  private void freezeReads() {
    cached.set(memory.read(TENANT, Meter.AI_TOKENS, clock.instant()));
  }

  @Test
  void reserveIsDecidedByTheStoreNotByACachedFullBalance() {
    ReserveResult first = quota.guard().reserve(TENANT, Meter.AI_TOKENS, 100, Duration.ofMinutes(5));
    assertThat(first.granted()).isTrue();
    freezeReads(); // the cache still shows the balance held in full
    assertThat(first.reservation().release()).isTrue();

    ReserveResult second = quota.guard().reserve(TENANT, Meter.AI_TOKENS, 100, Duration.ofMinutes(5));

    assertThat(second.granted()).isTrue();
  }

  @Test
  void aWriteRefusedAsStaleReadsTheCommittedStateAgain() {
    freezeReads(); // the cache holds the version from before the grant
    quota.admin().grantCredit(TENANT, Meter.AI_TOKENS, 50, Instant.parse("2026-12-01T00:00:00Z"), OPERATOR, "goodwill");

    ConsumeResult result = quota.guard().tryConsume(TENANT, Meter.AI_TOKENS, 150, UsageKey.of("call-1"));

    assertThat(result.outcome()).isEqualTo(ConsumeResult.Outcome.CONSUMED);
  }

  @Test
  void aResetCancelsTheCommittedUsageNotACachedOne() {
    quota.guard().tryConsume(TENANT, Meter.AI_TOKENS, 100, UsageKey.of("call-1"));
    TenantState beforeUsage = new TenantState(memory.read(TENANT, Meter.AI_TOKENS, clock.instant()).plan(),
        java.util.List.of(), memory.read(TENANT, Meter.AI_TOKENS, clock.instant()).version(), java.util.List.of());
    cached.set(beforeUsage);

    quota.admin().resetUsage(TENANT, OPERATOR, "support ticket 42");
    cached.set(null);

    assertThat(quota.guard().canProceed(TENANT)).isTrue();
  }
}

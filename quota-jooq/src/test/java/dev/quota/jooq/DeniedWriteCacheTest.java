package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.period.PeriodPolicy;
import dev.quota.testkit.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A write this instance was refused for lack of balance brings the counter the database decided on into the cache:
 * the instance never reports room right after its own write was denied for want of it, even while its cached state
 * (filled before another instance used the balance up) would otherwise be served until the time-to-live ends.
 */
class DeniedWriteCacheTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final long LIMIT = 1_000;
  private static final TierCatalogue CATALOGUE = TierCatalogue.builder()
      .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
      .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, LIMIT))
      .defaultTier(Tier.FREE)
      .build();
  /** Far longer than the test: only the denied write can bring the new counter into A's cache. */
  private static final Duration LONG_TTL = Duration.ofMinutes(10);

  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  private final List<PostgresQuotaStore> stores = new ArrayList<>();
  private Quota a;
  private Quota b;
  private TenantId tenant;

  @BeforeEach
  void twoInstances() {
    tenant = TenantId.of("denied-" + UUID.randomUUID());
    a = quota(store("denied-a"));
    b = quota(store("denied-b"));
    assertThat(a.guard().canProceed(tenant)).isTrue(); // A caches the tenant with all its room
    b.guard().tryConsume(tenant, Meter.AI_TOKENS, LIMIT, UsageKey.of("everything")); // B uses it up
    assertThat(a.guard().canProceed(tenant)).as("A's cached state, still showing room").isTrue();
  }

  @AfterEach
  void closeStores() {
    stores.forEach(PostgresQuotaStore::close);
  }

  private PostgresQuotaStore store(String pool) {
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(DB.newPool(pool, 4)).schema(DB.schema())
        .cacheTtl(LONG_TTL).build();
    stores.add(store);
    return store;
  }

  private Quota quota(PostgresQuotaStore store) {
    return Quota.builder().store(store).catalogue(CATALOGUE).clock(clock).build();
  }

  @Test
  void aDeniedConsumeLeavesTheCacheWithoutRoom() {
    ConsumeResult denied = a.guard().tryConsume(tenant, Meter.AI_TOKENS, 10, UsageKey.of("after"));

    assertThat(denied.outcome()).isEqualTo(ConsumeResult.Outcome.DENIED);
    assertThat(a.guard().canProceed(tenant)).isFalse();
    UsageReport usage = a.guard().usage(tenant);
    assertThat(usage.used()).isEqualTo(LIMIT);
    assertThat(usage.remaining()).isZero();
  }

  @Test
  void aDeniedReserveLeavesTheCacheWithoutRoom() {
    ReserveResult denied = a.guard().reserve(tenant, Meter.AI_TOKENS, 10, Duration.ofMinutes(1));

    assertThat(denied.granted()).isFalse();
    assertThat(a.guard().canProceed(tenant)).isFalse();
    UsageReport usage = a.guard().usage(tenant);
    assertThat(usage.used()).isEqualTo(LIMIT);
    assertThat(usage.remaining()).isZero();
  }
}

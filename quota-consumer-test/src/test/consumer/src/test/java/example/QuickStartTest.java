package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.QuotaAdmin;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** README's quick start, in a project that has quota only through README's dependency snippet. */
class QuickStartTest {

  @Test
  void theQuickStartRuns() {
    Quota quota = Quota.builder()
        .store(new InMemoryQuotaStore())
        .catalogue(TierCatalogue.defaults())
        .clock(TestClock.at("2026-11-25T10:00:00Z"))
        .build();
    QuotaGuard guard = quota.guard();
    QuotaAdmin admin = quota.admin();

    TenantId acme = TenantId.of("acme");
    admin.setPlan(acme, Plan.of(Tier.PRO), Actor.of("billing"), "subscribed to pro");
    assertTrue(guard.canProceed(acme));

    ReserveResult hold = guard.reserve(acme, Meter.AI_TOKENS, 4_000, Duration.ofMinutes(2));
    assertTrue(hold.granted());
    hold.reservation().commit(3_100, UsageKey.of("session-41"));
    ConsumeResult result = guard.tryConsume(acme, Meter.AI_TOKENS, 1_200, UsageKey.of("session-42"));

    assertTrue(result.allowed());
    assertEquals(4_300, guard.usage(acme).used());
    assertFalse(admin.lookUp(TenantId.of("acmee")).known());
  }

  @Test
  void thePostgresStoreAndItsDriverAreThere() throws ClassNotFoundException {
    assertNotNull(PostgresQuotaStore.builder().schema("quota"));
    assertNotNull(Class.forName("org.postgresql.Driver"));
  }
}

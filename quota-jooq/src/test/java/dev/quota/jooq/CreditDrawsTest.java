package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.admin.Actor;
import dev.quota.admin.CreditCheck;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.Verification;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.period.PeriodPolicy;
import dev.quota.testkit.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One-time credits on PostgreSQL beyond the contract: a corrupted draw is found by {@code verify}; the cache keeps a
 * period's draws when a write that does not draw reports the counter; and two instances drawing one credit from many
 * threads at once, by consumes and by commits, never draw more than it holds.
 */
class CreditDrawsTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final long LIMIT = 1_000;
  private static final Actor OPERATOR = Actor.of("ops@example.com");
  private static final TierCatalogue CATALOGUE = TierCatalogue.builder()
      .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
      .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, LIMIT))
      .defaultTier(Tier.FREE)
      .build();

  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  private final List<PostgresQuotaStore> stores = new ArrayList<>();
  private TenantId tenant;
  private Quota a;
  private Quota b;

  @BeforeEach
  void twoInstances() {
    tenant = TenantId.of("draws-" + UUID.randomUUID());
    a = quota(store("draws-a"));
    b = quota(store("draws-b"));
  }

  @AfterEach
  void closeStores() {
    stores.forEach(PostgresQuotaStore::close);
  }

  private PostgresQuotaStore store(String pool) {
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(DB.newPool(pool, 8)).schema(DB.schema())
        .cacheTtl(Duration.ofMinutes(10)).build();
    stores.add(store);
    return store;
  }

  private Quota quota(PostgresQuotaStore store) {
    return Quota.builder().store(store).catalogue(CATALOGUE).clock(clock).build();
  }

  private OneTimeCredit credit(long amount) {
    return a.admin().acceptingNewTenants().grantOneTimeCredit(tenant, Meter.AI_TOKENS, amount, clock.instant(),
        clock.instant().plus(Duration.ofDays(30)), OPERATOR, "top-up pack");
  }

  private DSLContext sql() {
    return DSL.using(DB.dataSource(), SQLDialect.POSTGRES);
  }

  @Test
  void cleanDrawsVerifyClean() {
    credit(500);
    a.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 1_200, UsageKey.of("over")));

    Verification verification = a.admin().verify(tenant);

    assertThat(verification.consistent()).as("%s", verification).isTrue();
    assertThat(verification.creditChecks()).containsExactly(new CreditCheck(Meter.AI_TOKENS, 200, 200, 0));
  }

  @Test
  void verifyReportsACounterWhoseDrawsDisagreeWithItsCredits() {
    credit(500);
    a.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 1_200, UsageKey.of("over")));
    // the corruption: the counter claims 50 units more than any credit gave
    sql().update(table(name(DB.schema(), "counter")))
        .set(field(name("credit_drawn"), Long.class), field(name("credit_drawn"), Long.class).plus(50L))
        .where(field(name("tenant_id"), String.class).eq(tenant.value()))
        .execute();

    Verification verification = a.admin().verify(tenant);

    assertThat(verification.consistent()).isFalse();
    assertThat(verification.drifts()).as("the usage itself is consistent").isEmpty();
    assertThat(verification.creditDrifts()).singleElement().satisfies(check -> {
      assertThat(check).isEqualTo(new CreditCheck(Meter.AI_TOKENS, 250, 200, 0));
      assertThat(check.drift()).isEqualTo(50);
    });
  }

  @Test
  void verifyReportsACreditWhoseDrawnDisagreesWithTheCounters() {
    OneTimeCredit pack = credit(500);
    a.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 1_200, UsageKey.of("over")));
    sql().update(table(name(DB.schema(), "entitlement")))
        .set(field(name("drawn"), Long.class), 120L)
        .where(field(name("tenant_id"), String.class).eq(tenant.value()),
            field(name("entitlement_id"), UUID.class).eq(pack.id().value()))
        .execute();

    Verification verification = a.admin().verify(tenant);

    assertThat(verification.creditDrifts()).containsExactly(new CreditCheck(Meter.AI_TOKENS, 200, 120, 0));
  }

  @Test
  void aPlainWriteLeavesTheCachedDrawsInTheCeiling() {
    credit(200);
    a.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 1_200, UsageKey.of("over"))); // the whole credit drawn
    a.admin().raisePeriodCeiling(tenant, Meter.AI_TOKENS, 500, clock.instant().plus(Duration.ofDays(3)), OPERATOR,
        "room for more");
    assertThat(a.guard().usage(tenant, Meter.AI_TOKENS).ceiling()).isEqualTo(1_700); // cached from here on

    // no credit has units left, so this is a plain write: it reports a larger counter without reading credit_drawn
    assertThat(a.guard().tryConsume(tenant, Meter.AI_TOKENS, 50, UsageKey.of("plain")).outcome())
        .isEqualTo(ConsumeResult.Outcome.CONSUMED);

    UsageReport cached = a.guard().usage(tenant, Meter.AI_TOKENS);
    assertThat(cached.used()).isEqualTo(1_250);
    assertThat(cached.creditDrawn()).isEqualTo(200);
    assertThat(cached.ceiling()).isEqualTo(1_700);
    assertThat(cached.remaining()).isEqualTo(450);
  }

  @Test
  void twoInstancesDrawingOneCreditNeverDrawMoreThanItHolds() throws Exception {
    credit(1_000);
    a.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, LIMIT, UsageKey.of("the-allowance"))); // every further unit draws
    List<QuotaGuard> guards = List.of(a.guard(), b.guard());
    int threads = 8;
    int perThread = 30;
    AtomicLong demand = new AtomicLong(); // what the writes that went through asked for beyond the allowance
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        QuotaGuard guard = guards.get(t % 2);
        int thread = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            UsageKey key = UsageKey.of("t" + thread + "-" + i);
            if (i % 2 == 0) {
              ConsumeResult result = guard.tryConsume(tenant, Meter.AI_TOKENS, 7, key);
              if (result.outcome() == ConsumeResult.Outcome.CONSUMED) {
                demand.addAndGet(7);
              }
            } else {
              ReserveResult hold = guard.reserve(tenant, Meter.AI_TOKENS, 5, Duration.ofMinutes(5));
              if (hold.granted()) {
                hold.reservation().commit(9, key); // more than it held: a commit is never refused
                demand.addAndGet(9);
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> future : futures) {
        future.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }

    UsageReport report = a.guard().usage(tenant, Meter.AI_TOKENS);
    long drawn = report.creditDrawn();
    assertThat(report.used()).isEqualTo(LIMIT + demand.get());
    assertThat(drawn).isEqualTo(Math.min(1_000, demand.get()));
    assertThat(demand.get()).as("enough demand to use the credit up").isGreaterThanOrEqualTo(1_000);
    assertThat(a.admin().entitlements(tenant)).filteredOn(OneTimeCredit.class::isInstance)
        .singleElement().satisfies(e -> assertThat(((OneTimeCredit) e).drawn()).isEqualTo(1_000));
    Verification verification = a.admin().verify(tenant);
    assertThat(verification.consistent()).as("%s", verification).isTrue();
  }
}

package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.RecordResult;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.testkit.TestClock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class StoreBasicsTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Actor OPERATOR = Actor.of("ops@example.com");
  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  private PostgresQuotaStore store;
  private Quota quota;
  private TenantId tenant;

  @BeforeEach
  void setUp() {
    store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema()).build();
    quota = Quota.builder().store(store).clock(clock).build();
    tenant = TenantId.of("t-" + UUID.randomUUID());
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  @Test
  void recordsConsumesReservesAndResets() {
    quota.admin().setPlan(tenant, Plan.of(Tier.FREE), OPERATOR, "signup");
    RecordResult first = quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 60_000, UsageKey.of("a"))
        .withAttributes(Map.of("model", "large")));
    RecordResult again = quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 60_000, UsageKey.of("a")));
    assertThat(first.duplicate()).isFalse();
    assertThat(again.duplicate()).isTrue();
    ConsumeResult denied = quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 50_000, UsageKey.of("b"));
    assertThat(denied.outcome()).isEqualTo(ConsumeResult.Outcome.DENIED);
    ConsumeResult consumed = quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 30_000, UsageKey.of("c"));
    assertThat(consumed.outcome()).isEqualTo(ConsumeResult.Outcome.CONSUMED);
    ReserveResult hold = quota.guard().reserve(tenant, Meter.AI_TOKENS, 10_000, Duration.ofMinutes(1));
    assertThat(hold.granted()).isTrue();
    assertThat(quota.guard().canProceed(tenant)).isFalse();
    clock.advance(Duration.ofMinutes(2));
    assertThat(quota.guard().usage(tenant).reserved()).isZero();
    assertThat(quota.guard().canProceed(tenant)).isTrue();
    hold.reservation().commit(5_000, UsageKey.of("d"));
    assertThat(quota.guard().usage(tenant).used()).isEqualTo(95_000);
    quota.admin().resetUsage(tenant, OPERATOR, "ticket");
    assertThat(quota.guard().usage(tenant).remaining()).isEqualTo(100_000);
    assertThat(quota.admin().verify(tenant).consistent()).isTrue();
    assertThat(quota.admin().audit(tenant, dev.quota.admin.PageRequest.first(10)).items()).hasSize(2);
  }

  @Test
  void aStoreBuiltOnTheHostsDslContextKeepsItsSettingsAndMapsTheSchema() {
    org.jooq.DSLContext host = org.jooq.impl.DSL.using(DB.dataSource(), org.jooq.SQLDialect.POSTGRES,
        new org.jooq.conf.Settings().withQueryTimeout(5));
    try (PostgresQuotaStore onDsl = PostgresQuotaStore.builder().dsl(host).schema(DB.schema()).strict().build()) {
      Quota viaDsl = Quota.builder().store(onDsl).clock(clock).build();
      viaDsl.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 7, UsageKey.of("k")));
      assertThat(quota.guard().usage(tenant).used()).isEqualTo(7);
    }
  }

  @Test
  void aBuilderWithoutADatabaseIsRefusedNamingTheField() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PostgresQuotaStore.builder().build())
        .isInstanceOfSatisfying(dev.quota.InvalidRequestException.class,
            e -> assertThat(e.field()).isEqualTo("data source"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PostgresQuotaStore.builder().cacheTtl(Duration.ZERO))
        .isInstanceOfSatisfying(dev.quota.InvalidRequestException.class,
            e -> assertThat(e.field()).isEqualTo("cache ttl"));
  }
}

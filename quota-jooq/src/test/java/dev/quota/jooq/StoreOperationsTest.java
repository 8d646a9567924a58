package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.RecordResult;
import dev.quota.Reservation;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.admin.HistoryGranularity;
import dev.quota.admin.PageRequest;
import dev.quota.admin.UsageHistory;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.testkit.TestClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the PostgreSQL store adds to the contract: its own operations and its SQL's edge cases. */
class StoreOperationsTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Actor OPERATOR = Actor.of("ops@example.com");
  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  private final List<PostgresQuotaStore> stores = new ArrayList<>();
  private PostgresQuotaStore store;
  private Quota quota;
  private TenantId tenant;

  @BeforeEach
  void setUp() {
    store = store(PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema()).archiveBatchSize(3));
    quota = Quota.builder().store(store).clock(clock).build();
    tenant = TenantId.of("ops-" + UUID.randomUUID());
  }

  @AfterEach
  void tearDown() {
    stores.forEach(PostgresQuotaStore::close);
  }

  private PostgresQuotaStore store(PostgresQuotaStore.Builder builder) {
    PostgresQuotaStore s = builder.build();
    stores.add(s);
    return s;
  }

  private long count(String sql, String tenantId) throws SQLException {
    try (Connection c = DriverManager.getConnection(PostgresDatabase.url());
        var s = c.prepareStatement(sql.replace("{schema}", "\"" + DB.schema() + "\""))) {
      s.setString(1, tenantId);
      try (var rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void sixteenThreadsConsumingOneTenantNeverOvershootInStrictMode() throws Exception {
    Quota strict = Quota.builder().store(store(PostgresQuotaStore.builder().dataSource(DB.dataSource())
        .schema(DB.schema()).strict())).clock(clock).build();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Callable<Long>> work = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      int thread = t;
      work.add(() -> {
        long units = 0;
        for (int i = 0; i < 30; i++) {
          if (strict.guard().tryConsume(tenant, Meter.AI_TOKENS, 300, UsageKey.of(thread + "-" + i)).outcome()
              == ConsumeResult.Outcome.CONSUMED) {
            units += 300;
          }
        }
        return units;
      });
    }
    long total = 0;
    try {
      // invokeAll cancels what has not finished within the bound; get() then throws rather than waits
      for (Future<Long> f : pool.invokeAll(work, 60, TimeUnit.SECONDS)) {
        total += f.get();
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(total).isEqualTo(99_900); // 333 calls of 300 fit in the free tier's 100,000
    assertThat(strict.guard().usage(tenant).used()).isEqualTo(total);
    assertThat(strict.admin().verify(tenant).consistent()).isTrue();
  }

  @Test
  void anAdminChangeWhoseAuditEntryCannotBeWrittenLeavesNothingBehind() {
    quota.admin().acceptingNewTenants().grantCredit(tenant, Meter.AI_TOKENS, 10, Instant.parse("2026-12-01T00:00:00Z"),
        OPERATOR, "first");
    AuditEntry existing = quota.admin().audit(tenant, PageRequest.first(1)).items().get(0);
    long version = store.readLatest(tenant, Meter.AI_TOKENS, clock.instant()).version();
    Grant second = new Grant(EntitlementId.random(), tenant, Grant.Kind.CREDIT, Meter.AI_TOKENS, 20, clock.instant(),
        Instant.parse("2026-12-01T00:00:00Z"), OPERATOR, "second", Optional.empty());
    // the same audit id again: the audit insert fails, and the grant must go with it
    AuditEntry clash = new AuditEntry(existing.id(), clock.instant(), tenant, OPERATOR, existing.operation(), "second",
        Map.of());

    assertThatThrownBy(() -> store.addEntitlements(tenant, List.of(second), clash)).isInstanceOf(RuntimeException.class);

    assertThat(quota.admin().entitlements(tenant)).hasSize(1);
    assertThat(store.readLatest(tenant, Meter.AI_TOKENS, clock.instant()).version()).isEqualTo(version);
    assertThat(quota.admin().audit(tenant, PageRequest.first(10)).items()).hasSize(1);
  }

  @Test
  void archivalMovesOldRowsInBatchesWithoutChangingBalances() throws SQLException {
    clock.set("2026-09-10T00:00:00Z");
    for (int i = 0; i < 7; i++) {
      quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 10, UsageKey.of("old-" + i)));
    }
    clock.set("2026-11-25T10:00:00Z");
    quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 5, UsageKey.of("new")));

    long moved = store.archiveUsage(Instant.parse("2026-10-01T00:00:00Z"));

    assertThat(moved).as("every tenant's old rows, this test's seven among them").isGreaterThanOrEqualTo(7);
    assertThat(count("SELECT count(*) FROM {schema}.usage_archive WHERE tenant_id = ?", tenant.value())).isEqualTo(7);
    assertThat(count("SELECT count(*) FROM {schema}.usage_ledger WHERE tenant_id = ?", tenant.value())).isEqualTo(1);
    assertThat(quota.admin().verify(tenant).consistent()).isTrue();
    assertThat(quota.admin().verify(tenant).checks()).hasSize(2);
    assertThat(quota.guard().usage(tenant).used()).isEqualTo(5);
    assertThat(store.archiveUsage(tenant, Instant.parse("2026-10-01T00:00:00Z"))).isZero();
  }

  @Test
  void usageHistoryIncludesArchivedUsage() throws SQLException {
    clock.set("2026-09-10T12:00:00Z");
    quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 10, UsageKey.of("archived")));
    clock.set("2026-09-10T13:00:00Z");
    quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 5, UsageKey.of("kept")));
    store.archiveUsage(tenant, Instant.parse("2026-09-10T12:30:00Z"));
    assertThat(count("SELECT count(*) FROM {schema}.usage_archive WHERE tenant_id = ?", tenant.value())).isEqualTo(1);

    UsageHistory history = quota.admin().usageHistory(tenant, Meter.AI_TOKENS, Instant.parse("2026-09-09T00:00:00Z"),
        Instant.parse("2026-09-11T00:00:00Z"), HistoryGranularity.DAY);

    assertThat(history.buckets()).extracting(UsageHistory.Bucket::used).containsExactly(0L, 15L);
  }

  @Test
  void aUsageKeyIsRecognisedUntilItsRowIsArchived() {
    clock.set("2026-09-10T00:00:00Z");
    RecordResult first = quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 10, UsageKey.of("session-1")));
    RecordResult retried = quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 10, UsageKey.of("session-1")));
    store.archiveUsage(tenant, Instant.parse("2026-10-01T00:00:00Z"));
    RecordResult afterArchival = quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 10,
        UsageKey.of("session-1")));

    assertThat(first.duplicate()).isFalse();
    assertThat(retried.duplicate()).isTrue();
    assertThat(afterArchival.duplicate()).as("documented: idempotency ends with archival").isFalse();
    assertThat(quota.admin().verify(tenant).consistent()).isTrue();
  }

  @Test
  void purgeRemovesArchivedRowsTooAndKeepsCountersExact() {
    clock.set("2026-09-10T00:00:00Z");
    quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 10, UsageKey.of("old")));
    clock.set("2026-11-25T10:00:00Z");
    quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 5, UsageKey.of("new")));
    store.archiveUsage(tenant, Instant.parse("2026-10-01T00:00:00Z"));

    var summary = quota.admin().purgeUsage(tenant, Instant.parse("2026-09-01T00:00:00Z"),
        new dev.quota.admin.PurgeConfirmation(tenant.value()), OPERATOR, "erasure request");

    assertThat(summary.entries()).isEqualTo(2);
    assertThat(quota.guard().usage(tenant).used()).isZero();
    assertThat(quota.admin().verify(tenant).consistent()).isTrue();
  }

  @Test
  void holdsExpireByThemselvesAndAreSweptByTheNextWrite() throws SQLException {
    quota.admin().setPlan(tenant, Plan.of(Tier.FREE), OPERATOR, "signup");
    Reservation hold = quota.guard().reserve(tenant, Meter.AI_TOKENS, 90_000, Duration.ofMinutes(1)).reservation();
    assertThat(quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 20_000, UsageKey.of("blocked")).outcome())
        .isEqualTo(ConsumeResult.Outcome.DENIED);

    clock.advance(Duration.ofMinutes(1));
    assertThat(quota.guard().usage(tenant).reserved()).isZero();
    assertThat(quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 20_000, UsageKey.of("after-expiry")).outcome())
        .isEqualTo(ConsumeResult.Outcome.CONSUMED);

    assertThat(count("SELECT reserved FROM {schema}.counter WHERE tenant_id = ?", tenant.value())).isZero();
    assertThat(hold.commit(1_000, UsageKey.of("late")).duplicate()).isFalse();
    assertThat(quota.guard().usage(tenant).used()).isEqualTo(21_000);
    assertThat(quota.admin().verify(tenant).consistent()).isTrue();
  }

  @Test
  void aBillingDayChangeMovesOpenHoldsWithTheirUsage() {
    clock.set("2026-11-10T10:00:00Z");
    quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 1_000, UsageKey.of("early")));
    clock.set("2026-11-25T10:00:00Z");
    quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 2_000, UsageKey.of("late")));
    quota.guard().reserve(tenant, Meter.AI_TOKENS, 500, Duration.ofMinutes(30));

    quota.admin().setPlan(tenant, Plan.of(Tier.FREE, 20), OPERATOR, "billing day 20");

    var usage = quota.guard().usage(tenant);
    assertThat(usage.period().start()).isEqualTo(Instant.parse("2026-11-20T00:00:00Z"));
    assertThat(usage.used()).isEqualTo(2_000);
    assertThat(usage.reserved()).isEqualTo(500);
    assertThat(quota.admin().verify(tenant).consistent()).isTrue();
  }

  @Test
  void plansComeFromTheHostsQuotedUserTable() throws SQLException {
    DB.execute("CREATE TABLE \"" + DB.schema() + "\".\"user\" (id bigint PRIMARY KEY, tier text)");
    DB.execute("INSERT INTO \"" + DB.schema() + "\".\"user\" VALUES (42, 'pro'), (43, NULL)");
    PostgresQuotaStore hosted = store(PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema())
        .cacheTtl(Duration.ofMinutes(10))
        .plansFromHostTable(DB.schema(), "user", "id", "tier", SQLDataType.BIGINT));
    Quota hostedQuota = Quota.builder().store(hosted).clock(clock).build();

    assertThat(hostedQuota.guard().usage(TenantId.of("42")).limit()).isEqualTo(1_000_000);
    assertThat(hostedQuota.guard().usage(TenantId.of("43")).plannedTier()).isEmpty();
    assertThat(hostedQuota.guard().usage(TenantId.of("44")).plannedTier()).isEmpty();
    assertThatThrownBy(() -> hostedQuota.admin().setPlan(TenantId.of("42"), Plan.of(Tier.ENTERPRISE), OPERATOR, "x"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("\"user\"");
    assertThat(hostedQuota.admin().audit(TenantId.of("42"), PageRequest.first(5)).items()).isEmpty();

    DB.execute("UPDATE \"" + DB.schema() + "\".\"user\" SET tier = 'enterprise' WHERE id = 42");
    hosted.tenantChanged(TenantId.of("42"));
    assertThat(hostedQuota.guard().usage(TenantId.of("42")).limit()).isEqualTo(10_000_000);
  }
}

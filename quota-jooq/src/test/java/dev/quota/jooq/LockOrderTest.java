package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Quota;
import dev.quota.RecordResult;
import dev.quota.Reservation;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.Grant;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.testkit.TestClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Transactions that lock several counter rows of a tenant lock them in one order (meter, then period), so that a
 * commit across a period boundary and an admin change cannot deadlock. Staged with a lock the test holds, so the
 * two transactions meet in the order that deadlocks when the order is not kept. PostgreSQL's deadlock detection is
 * put off beyond the test's length on their connections, so a deadlock is not broken (and retried by the store)
 * but leaves both waiting: the two finishing at all is the proof, however long a loaded machine takes for them.
 */
class LockOrderTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Period NOVEMBER = new Period(Instant.parse("2026-11-01T00:00:00Z"),
      Instant.parse("2026-12-01T00:00:00Z"));
  private static final Period DECEMBER = new Period(Instant.parse("2026-12-01T00:00:00Z"),
      Instant.parse("2027-01-01T00:00:00Z"));

  private final TestClock clock = TestClock.at("2026-11-30T23:58:00Z");
  private final List<PostgresQuotaStore> stores = new ArrayList<>();
  private final ExecutorService threads = Executors.newFixedThreadPool(2);
  private TenantId tenant;
  private String id;

  @BeforeEach
  void newTenant() {
    id = UUID.randomUUID().toString().substring(0, 8);
    tenant = TenantId.of("lock-order-" + id);
  }

  @AfterEach
  void tearDown() {
    threads.shutdownNow();
    stores.forEach(PostgresQuotaStore::close);
  }

  private Quota quota(String applicationName) {
    String url = PostgresDatabase.url();
    var pool = DB.newPool(url + (url.contains("?") ? "&" : "?") + "options=-c%20deadlock_timeout%3D1h",
        applicationName, 2);
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(pool).schema(DB.schema()).strict().build();
    stores.add(store);
    return Quota.builder().store(store).clock(clock).build();
  }

  @Test
  void aCommitAcrossAPeriodBoundaryAndAnAdminChangeDoNotDeadlock() throws Exception {
    Quota committer = quota("committer-" + id);
    Quota admin = quota("admin-" + id);
    Reservation november = committer.guard().reserve(tenant, Meter.AI_TOKENS, 100, Duration.ofMinutes(10))
        .reservation();
    clock.set("2026-12-01T00:01:00Z");
    committer.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 1, UsageKey.of("december")));

    Future<RecordResult> commit;
    Future<Grant> grant;
    try (Connection lock = lockCounter(DECEMBER)) {
      commit = threads.submit(() -> november.commit(40, UsageKey.of("late")));
      PostgresDatabase.awaitWaitingForALock("committer-" + id);
      grant = threads.submit(() -> admin.admin().grantCredit(tenant, Meter.AI_TOKENS, 10,
          Instant.parse("2026-12-02T00:00:00Z"), Actor.of("ops"), "goodwill"));
      PostgresDatabase.awaitWaitingForALock("admin-" + id);
      lock.rollback();
    }
    RecordResult committed = finishes(commit, "the commit");
    finishes(grant, "the grant");

    assertThat(committed.period()).isEqualTo(DECEMBER);
    assertThat(committer.guard().usage(tenant).used()).isEqualTo(41);
    assertThat(committer.guard().usage(tenant).granted()).isEqualTo(10);
    assertThat(committer.admin().verify(tenant).consistent()).isTrue();
  }

  /** The transaction's result, or a failure naming the deadlock if it is still waiting after a minute. */
  private static <T> T finishes(Future<T> transaction, String what) throws Exception {
    try {
      return transaction.get(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(what + " still waits a minute after the rows were let go: the two transactions "
          + "deadlocked", e);
    }
  }

  private Connection lockCounter(Period period) throws SQLException {
    Connection lock = DriverManager.getConnection(PostgresDatabase.url());
    lock.setAutoCommit(false);
    try (var s = lock.prepareStatement("SELECT used FROM \"" + DB.schema() + "\".counter WHERE tenant_id = ? "
        + "AND period_start = ? FOR UPDATE")) {
      s.setString(1, tenant.value());
      s.setObject(2, period.start().atOffset(java.time.ZoneOffset.UTC));
      s.executeQuery().close();
    }
    return lock;
  }
}

package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.RecordResult;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.testkit.TestClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Writes that wait for a counter row while another transaction stops expired holds from counting: the counter
 * a write returns must be the row as it left it. Each scenario is staged with a lock the test holds on the
 * counter row, so that the sweeping write and the waiting write queue up in a known order.
 */
class ExpiredHoldRaceTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Instant T = Instant.parse("2026-11-25T10:00:00Z");

  private final TestClock clock = TestClock.at(T);
  private final List<PostgresQuotaStore> stores = new ArrayList<>();
  private final ExecutorService threads = Executors.newFixedThreadPool(2);
  private TenantId tenant;
  private String sweeperPool;
  private String writerPool;

  @BeforeEach
  void newTenant() {
    String id = UUID.randomUUID().toString().substring(0, 8);
    tenant = TenantId.of("race-" + id);
    sweeperPool = "sweeper-" + id;
    writerPool = "writer-" + id;
  }

  @AfterEach
  void tearDown() {
    threads.shutdownNow();
    stores.forEach(PostgresQuotaStore::close);
  }

  private Quota quota(String applicationName) {
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(DB.newPool(applicationName, 2))
        .schema(DB.schema()).strict().build();
    stores.add(store);
    return Quota.builder().store(store).clock(clock).build();
  }

  /**
   * Two holds, the first expiring at T+10s and the second at T+20s; a consume at T+15s sweeps the first while
   * the test holds the counter row; a write at T+25s (when both have expired) queues behind it.
   */
  private <T> T writeBehindASweep(Callable<T> write, Quota sweeper) throws Exception {
    Quota setUp = quota("setup-" + writerPool);
    setUp.guard().reserve(tenant, Meter.AI_TOKENS, 300, Duration.ofSeconds(10)).reservation();
    setUp.guard().reserve(tenant, Meter.AI_TOKENS, 200, Duration.ofSeconds(20)).reservation();
    try (Connection lock = DriverManager.getConnection(PostgresDatabase.url())) {
      lock.setAutoCommit(false);
      try (var s = lock.prepareStatement("SELECT used FROM \"" + DB.schema() + "\".counter WHERE tenant_id = ? FOR UPDATE")) {
        s.setString(1, tenant.value());
        s.executeQuery().close();
      }
      clock.set(T.plusSeconds(15));
      Future<ConsumeResult> sweeping = threads.submit(() ->
          sweeper.guard().tryConsume(tenant, Meter.AI_TOKENS, 1, UsageKey.of("sweeping")));
      PostgresDatabase.awaitWaitingForALock(sweeperPool);
      clock.set(T.plusSeconds(25));
      Future<T> waiting = threads.submit(write);
      PostgresDatabase.awaitWaitingForALock(writerPool);
      lock.rollback();
      sweeping.get(10, TimeUnit.SECONDS);
      return waiting.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRecordQueuedBehindASweepReportsNoHoldThatExpired() throws Exception {
    Quota sweeper = quota(sweeperPool);
    Quota writer = quota(writerPool);

    RecordResult recorded = writeBehindASweep(
        () -> writer.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 7, UsageKey.of("late"))), sweeper);

    assertThat(recorded.duplicate()).isFalse();
    UsageReport after = writer.guard().usage(tenant);
    assertThat(after.used()).isEqualTo(8);
    assertThat(after.reserved()).isZero();
    assertThat(writer.admin().verify(tenant).consistent()).isTrue();
  }

  @Test
  void aCommitQueuedBehindASweepReportsNoHoldThatExpired() throws Exception {
    Quota sweeper = quota(sweeperPool);
    Quota writer = quota(writerPool);
    var third = writer.guard().reserve(tenant, Meter.AI_TOKENS, 50, Duration.ofSeconds(60)).reservation();

    RecordResult committed = writeBehindASweep(() -> third.commit(7, UsageKey.of("late")), sweeper);

    assertThat(committed.duplicate()).isFalse();
    UsageReport after = writer.guard().usage(tenant);
    assertThat(after.used()).isEqualTo(8);
    assertThat(after.reserved()).isZero();
    assertThat(writer.admin().verify(tenant).consistent()).isTrue();
  }

  @Test
  void aCachedStateUpdatedByAReleaseQueuedBehindASweepHoldsNoNegativeReservation() throws Exception {
    Quota sweeper = quota(sweeperPool);
    PostgresQuotaStore cached = PostgresQuotaStore.builder().dataSource(DB.newPool(writerPool, 2))
        .schema(DB.schema()).cacheTtl(Duration.ofMinutes(10)).listenForChanges(false).build();
    stores.add(cached);
    Quota writer = Quota.builder().store(cached).clock(clock).build();
    var third = writer.guard().reserve(tenant, Meter.AI_TOKENS, 50, Duration.ofSeconds(60)).reservation();

    writeBehindASweep(() -> {
      writer.guard().usage(tenant); // cached before the release updates it in place
      return third.release();
    }, sweeper);

    assertThat(writer.guard().usage(tenant).reserved()).isZero();
  }
}

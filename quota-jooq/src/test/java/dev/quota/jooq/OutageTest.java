package dev.quota.jooq;

import static dev.quota.jooq.CrossInstanceTest.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.FailurePolicy;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.RecordResult;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.jooq.testsupport.TcpProxy;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.testkit.TestClock;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The database really failing: backends terminated mid-traffic, and the network to it cut. */
class OutageTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private TenantId tenant;

  @BeforeEach
  void newTenant() {
    tenant = TenantId.of("outage-" + UUID.randomUUID());
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private PostgresQuotaStore strictStore(javax.sql.DataSource dataSource) {
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(dataSource).schema(DB.schema()).strict().build();
    closeables.add(store);
    return store;
  }

  /**
   * Six terminations of the pool's backends under traffic from eight threads. Each waits until calls have succeeded
   * again since the one before (traffic flows between them), and every other one is made while a write waits for
   * the tenant's counter row, so that at least that write certainly meets a terminated connection.
   */
  @Test
  void killingConnectionsMidTrafficLeavesCountersEqualToTheLedgerAndTheGuardRecovers() throws Exception {
    // named for this run alone: terminations reach no other build's connections on a shared server
    String killed = "killed-" + UUID.randomUUID().toString().substring(0, 8);
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(DB.newPool(killed, 8)).schema(DB.schema())
        .build();
    closeables.add(store);
    Quota quota = Quota.builder().store(store).clock(clock).failurePolicy(FailurePolicy.deny()).build();
    AtomicLong failures = new AtomicLong();
    AtomicLong succeeded = new AtomicLong();
    AtomicLong reportedConsumed = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch started = new CountDownLatch(8);
    List<Future<?>> workers = new ArrayList<>();
    try {
      for (int t = 0; t < 8; t++) {
        int thread = t;
        workers.add(pool.submit(() -> {
          started.countDown();
          for (int i = 0; running.get(); i++) {
            try {
              if (i % 2 == 0) {
                ConsumeResult r = quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 3, UsageKey.of(thread + "-" + i));
                if (r.outcome() == ConsumeResult.Outcome.CONSUMED) {
                  reportedConsumed.addAndGet(3);
                  succeeded.incrementAndGet();
                } else if (r.decision().reason() == Decision.Reason.STORE_UNAVAILABLE) {
                  failures.incrementAndGet();
                }
              } else {
                RecordResult r = quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 2,
                    UsageKey.of(thread + "-" + i)));
                reportedConsumed.addAndGet(r.duplicate() ? 0 : 2);
                succeeded.incrementAndGet();
              }
            } catch (StoreUnavailableException e) {
              failures.incrementAndGet();
            }
          }
          return null;
        }));
      }
      assertThat(started.await(30, TimeUnit.SECONDS)).as("the eight workers started").isTrue();
      for (int kill = 0; kill < 6; kill++) {
        long before = succeeded.get();
        awaitTrue(() -> succeeded.get() >= before + 20, Duration.ofSeconds(30)); // traffic flows between them
        if (kill % 2 == 0) {
          DB.terminateBackendsMidWrite(killed, tenant.value());
        } else {
          DB.terminateSomeBackends(killed);
        }
      }
    } finally {
      running.set(false);
    }
    try {
      for (Future<?> w : workers) {
        w.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).as("workers ended").isTrue();
    }

    assertThat(failures.get()).as("calls that met a terminated connection").isPositive();
    Quota fresh = Quota.builder().store(strictStore(DB.dataSource())).clock(clock).build();
    assertThat(fresh.admin().verify(tenant).consistent()).as("%s", fresh.admin().verify(tenant)).isTrue();
    // a call whose commit was cut may have committed without the caller knowing; none reported is missing
    assertThat(fresh.guard().usage(tenant).used()).isGreaterThanOrEqualTo(reportedConsumed.get());
    awaitTrue(() -> quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 1, UsageKey.random()).outcome()
        == ConsumeResult.Outcome.CONSUMED, Duration.ofSeconds(10));
  }

  /** A pool through a proxy that the test can cut, with short timeouts so that failures come fast. */
  private Quota quotaBehind(TcpProxy proxy, FailurePolicy policy) throws Exception {
    URI target = URI.create(PostgresDatabase.url().substring("jdbc:".length()));
    String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + target.getRawPath()
        + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
    var dataSource = DB.newPool(url, "proxied-" + UUID.randomUUID().toString().substring(0, 8), 4);
    dataSource.setConnectionTimeout(250);
    return Quota.builder().store(strictStore(dataSource)).clock(clock).failurePolicy(policy).build();
  }

  private TcpProxy proxy() throws Exception {
    URI target = URI.create(PostgresDatabase.url().substring("jdbc:".length()));
    TcpProxy proxy = new TcpProxy(target.getHost(), target.getPort() < 0 ? 5432 : target.getPort());
    closeables.add(proxy);
    return proxy;
  }

  @Test
  void denyPolicyDeniesWhileTheNetworkIsCutAndRecoversByItself() throws Exception {
    TcpProxy proxy = proxy();
    Quota quota = quotaBehind(proxy, FailurePolicy.deny());
    assertThat(quota.guard().canProceed(tenant)).isTrue();

    proxy.cut();
    ConsumeResult during = quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 1, UsageKey.of("during"));
    assertThat(quota.guard().canProceed(tenant)).isFalse();
    assertThat(during.outcome()).isEqualTo(ConsumeResult.Outcome.DENIED);
    assertThat(during.decision().reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);

    proxy.restore();
    awaitTrue(() -> quota.guard().canProceed(tenant), Duration.ofSeconds(10));
    assertThat(quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 1, UsageKey.of("after")).outcome())
        .isEqualTo(ConsumeResult.Outcome.CONSUMED);
  }

  @Test
  void allowPolicyLetsCallsThroughUnrecordedWhileTheNetworkIsCut() throws Exception {
    TcpProxy proxy = proxy();
    Quota quota = quotaBehind(proxy, FailurePolicy.allow());
    quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 100_000, UsageKey.of("everything"));
    assertThat(quota.guard().canProceed(tenant)).isFalse();

    proxy.cut();

    assertThat(quota.guard().canProceed(tenant)).isTrue();
    assertThat(quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 1, UsageKey.of("during")).outcome())
        .isEqualTo(ConsumeResult.Outcome.ALLOWED_UNRECORDED);
    proxy.restore();
    awaitTrue(() -> !quota.guard().canProceed(tenant), Duration.ofSeconds(10));
  }

  @Test
  void lastKnownPolicyDecidesFromTheLastReadUpToItsMaximumAge() throws Exception {
    TcpProxy proxy = proxy();
    Quota quota = quotaBehind(proxy, FailurePolicy.lastKnownState(Duration.ofMinutes(5)));
    TenantId exhausted = TenantId.of("exhausted-" + UUID.randomUUID());
    TenantId neverRead = TenantId.of("never-read-" + UUID.randomUUID());
    quota.guard().tryConsume(exhausted, Meter.AI_TOKENS, 100_000, UsageKey.of("everything"));
    assertThat(quota.guard().canProceed(tenant)).isTrue();
    assertThat(quota.guard().canProceed(exhausted)).isFalse();

    proxy.cut();

    assertThat(quota.guard().canProceed(tenant)).isTrue();
    assertThat(quota.guard().canProceed(exhausted)).isFalse();
    assertThat(quota.guard().canProceed(neverRead)).isFalse();
    clock.advance(Duration.ofMinutes(6));
    assertThat(quota.guard().canProceed(tenant)).as("older than the maximum age").isFalse();
  }
}

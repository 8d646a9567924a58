package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.testkit.TestClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A host that sets {@code lock_timeout} on its role: a write that waits longer for a row is an infrastructure
 * failure like a statement timeout, so the guard's failure policy decides, and nothing is written.
 */
class LockTimeoutTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  private PostgresQuotaStore store;
  private Quota quota;
  private TenantId tenant;

  @BeforeEach
  void setUp() {
    String url = PostgresDatabase.url();
    var pool = DB.newPool(url + (url.contains("?") ? "&" : "?") + "options=-c%20lock_timeout%3D100", "lock-timeout", 2);
    store = PostgresQuotaStore.builder().dataSource(pool).schema(DB.schema()).strict().build();
    quota = Quota.builder().store(store).clock(clock).build();
    tenant = TenantId.of("locked-" + UUID.randomUUID());
    quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 5, UsageKey.of("before")));
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  private Connection lockCounterRow() throws Exception {
    Connection lock = DriverManager.getConnection(PostgresDatabase.url());
    lock.setAutoCommit(false);
    try (var s = lock.prepareStatement("SELECT used FROM \"" + DB.schema() + "\".counter WHERE tenant_id = ? FOR UPDATE")) {
      s.setString(1, tenant.value());
      s.executeQuery().close();
    }
    return lock;
  }

  @Test
  void aConsumeWhoseLockWaitTimesOutIsDecidedByTheFailurePolicy() throws Exception {
    ConsumeResult result;
    try (Connection lock = lockCounterRow()) {
      result = quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 3, UsageKey.of("waits"));
      lock.rollback();
    }

    assertThat(result.outcome()).isEqualTo(ConsumeResult.Outcome.DENIED);
    assertThat(result.decision().reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
    assertThat(quota.guard().usage(tenant).used()).isEqualTo(5);
  }

  @Test
  void aRecordWhoseLockWaitTimesOutThrowsStoreUnavailableAndWritesNothing() throws Exception {
    try (Connection lock = lockCounterRow()) {
      assertThatThrownBy(() -> quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 3, UsageKey.of("waits"))))
          .isInstanceOf(StoreUnavailableException.class);
      lock.rollback();
    }

    assertThat(quota.guard().usage(tenant).used()).isEqualTo(5);
    assertThat(quota.admin().verify(tenant).consistent()).isTrue();
  }
}

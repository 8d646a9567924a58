package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What each usage write costs the database, counted (not timed): the statements and transaction ends one call sends
 * through the store's data source. A statement or a commit is one round trip (the driver sends a transaction's
 * {@code BEGIN} with its first statement). The counts are the hot path's budget: a {@code reserve} and a
 * {@code commit} are each one statement in auto-commit, as a {@code tryConsume} is.
 */
class RoundTripsTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Actor OPERATOR = Actor.of("ops@example.com");

  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  private final Counting counting = new Counting();
  private PostgresQuotaStore store;
  private Quota quota;
  private TenantId tenant;

  @BeforeEach
  void setUp() {
    // the warm state below must still be cached when a test starts, however slow the machine: a TTL far longer than a
    // test, and no change listener, whose late notice of setUp's plan change would drop the entry at an arbitrary time
    store = PostgresQuotaStore.builder().dataSource(counting.wrap(DB.dataSource())).schema(DB.schema())
        .cacheTtl(Duration.ofMinutes(10)).listenForChanges(false).build();
    quota = Quota.builder().store(store).clock(clock).build();
    tenant = TenantId.of("rt-" + UUID.randomUUID());
    quota.admin().setPlan(tenant, Plan.of(Tier.PRO), OPERATOR, "signup");
    // warm: the counter row exists and the cache holds the tenant's state
    quota.guard().reserve(tenant, Meter.AI_TOKENS, 10, Duration.ofMinutes(1)).reservation()
        .commit(5, UsageKey.of("warm"));
    quota.guard().usage(tenant);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  @Test
  void aReserveIsOneStatementInAutoCommit() {
    counting.reset();
    ReserveResult hold = quota.guard().reserve(tenant, Meter.AI_TOKENS, 10, Duration.ofMinutes(1));
    assertThat(hold.granted()).isTrue();
    assertThat(counting.log()).as("statements and transaction ends of a reserve").hasSize(1);
    assertThat(counting.log().get(0)).contains("quota_reserve");
    assertThat(counting.commits + counting.rollbacks).isZero();
  }

  @Test
  void aCommitIsOneStatementInAutoCommit() {
    ReserveResult hold = quota.guard().reserve(tenant, Meter.AI_TOKENS, 10, Duration.ofMinutes(1));
    counting.reset();
    RecordResult committed = hold.reservation().commit(5, UsageKey.of("k"));
    assertThat(committed.duplicate()).isFalse();
    // The reserve's report left the cache unable to order its counter (same used, other reserved), so the commit's
    // state comes from one read; the commit itself is one call.
    assertThat(counting.log()).as("statements and transaction ends of a commit").hasSize(2);
    assertThat(counting.log().get(1)).contains("quota_commit");
    assertThat(counting.commits + counting.rollbacks).isZero();
  }

  @Test
  void aCommitAfterACachedReadIsOneStatementInAutoCommit() {
    ReserveResult hold = quota.guard().reserve(tenant, Meter.AI_TOKENS, 10, Duration.ofMinutes(1));
    quota.guard().usage(tenant);
    counting.reset();
    hold.reservation().commit(5, UsageKey.of("k"));
    assertThat(counting.log()).as("statements and transaction ends of a commit").hasSize(1);
    assertThat(counting.log().get(0)).contains("quota_commit");
  }

  @Test
  void aConsumeIsOneStatementInAutoCommit() {
    counting.reset();
    quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 1, UsageKey.of("c"));
    assertThat(counting.log()).as("statements and transaction ends of a tryConsume").hasSize(1);
  }

  @Test
  void aRecordIsOneStatementInAutoCommit() {
    counting.reset();
    quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 1, UsageKey.of("r")));
    assertThat(counting.log()).as("statements and transaction ends of a record").hasSize(1);
  }

  /** Counts what goes through the connections of a data source. */
  static final class Counting {
    private final List<String> log = new ArrayList<>();
    int commits;
    int rollbacks;

    synchronized void reset() {
      log.clear();
      commits = 0;
      rollbacks = 0;
    }

    synchronized List<String> log() {
      return List.copyOf(log);
    }

    private synchronized void note(String what) {
      log.add(what);
    }

    DataSource wrap(DataSource target) {
      return proxy(DataSource.class, target, (method, args) -> {
        Object result = method.invoke(target, args);
        return result instanceof Connection c ? connection(c) : result;
      });
    }

    private Connection connection(Connection target) {
      return proxy(Connection.class, target, (method, args) -> {
        switch (method.getName()) {
          case "commit" -> {
            synchronized (this) {
              commits++;
            }
            note("COMMIT");
          }
          case "rollback" -> {
            if (args == null || args.length == 0) {
              synchronized (this) {
                rollbacks++;
              }
              note("ROLLBACK");
            }
          }
          default -> { }
        }
        Object result = method.invoke(target, args);
        if (result instanceof PreparedStatement p) {
          String sql = (String) args[0];
          return proxy(PreparedStatement.class, p, (m, a) -> {
            if (m.getName().startsWith("execute")) {
              note(sql);
            }
            return m.invoke(p, a);
          });
        }
        if (result instanceof Statement s) {
          return proxy(Statement.class, s, (m, a) -> {
            if (m.getName().startsWith("execute")) {
              note(String.valueOf(a == null ? "" : a[0]));
            }
            return m.invoke(s, a);
          });
        }
        return result;
      });
    }

    @FunctionalInterface
    private interface Call {
      Object call(java.lang.reflect.Method method, Object[] args) throws Throwable;
    }

    private static <T> T proxy(Class<T> type, T target, Call call) {
      InvocationHandler handler = (self, method, args) -> {
        try {
          return call.call(method, args);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
      };
      return type.cast(Proxy.newProxyInstance(RoundTripsTest.class.getClassLoader(), new Class<?>[] {type},
          handler));
    }
  }
}

package dev.quota.spring.boot.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.spring.boot.actuate.QuotaHealthIndicator;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class QuotaHealthTest {
  @RegisterExtension
  static final TestDatabase database = new TestDatabase();

  @Test
  void upWhenTheTablesAreReachableAndTheListenerIsConnected() {
    PostgresRunner.forSchema(database.schema()).run(context -> {
      PostgresQuotaStore store = context.getBean(PostgresQuotaStore.class);
      awaitListening(store);

      Health health = context.getBean(QuotaHealthIndicator.class).health(true);

      assertThat(health.getStatus()).isEqualTo(Status.UP);
      assertThat(health.getDetails())
          .containsEntry("schema", database.schema())
          .containsEntry("database", "reachable")
          .containsEntry("notifications", "listening");
    });
  }

  @Test
  void notificationsAreOffInStrictMode() {
    PostgresRunner.forSchema(database.schema("strict")).withPropertyValues("quota.cache.enabled=false")
        .run(context -> {
          Health health = context.getBean(QuotaHealthIndicator.class).health(true);
          assertThat(health.getStatus()).isEqualTo(Status.UP);
          assertThat(health.getDetails()).containsEntry("notifications", "off");
        });
  }

  @Test
  void downWhenQuotasTablesAreGone() {
    String schema = database.schema("dropped");
    PostgresRunner.forSchema(schema).withPropertyValues("quota.cache.listen-for-changes=false").run(context -> {
      dropWhileTheApplicationRuns(schema);

      Health health = context.getBean(QuotaHealthIndicator.class).health(true);

      assertThat(health.getStatus()).isEqualTo(Status.DOWN);
      assertThat(health.getDetails()).containsEntry("database", "reachable, but quota's tables are missing");
    });
  }

  @Test
  void theIndicatorCanBeTurnedOff() {
    PostgresRunner.forSchema(database.schema("off")).withPropertyValues("management.health.quota.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(QuotaHealthIndicator.class));
  }

  /**
   * Drops the schema under the running application. Its notification dispatcher claims deliveries every second, and a
   * claim that locks the outbox's tables in another order than the drop makes PostgreSQL pick one of the two as a
   * deadlock victim: the drop is tried again then, a bounded number of times.
   */
  private static void dropWhileTheApplicationRuns(String schema) throws SQLException {
    for (int attempt = 1; ; attempt++) {
      try {
        database.execute("DROP SCHEMA \"" + schema + "\" CASCADE");
        return;
      } catch (SQLException e) {
        if (!"40P01".equals(e.getSQLState()) || attempt == 5) {
          throw e;
        }
      }
    }
  }

  /** The listener connects on its own thread; wait for it, bounded. */
  private static void awaitListening(PostgresQuotaStore store) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    while (!store.isListening() && Instant.now().isBefore(deadline)) {
      Thread.sleep(20);
    }
    assertThat(store.isListening()).as("listener connected within 10 s").isTrue();
  }
}

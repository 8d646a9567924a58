package dev.quota.reliability;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationChannel;
import dev.quota.jooq.PostgresQuotaStore;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * An instance of a service in a JVM of its own, for {@link NotificationDeliveryTest}: it records usage that crosses
 * a threshold (the mark and the notification are written), claims the delivery with its dispatcher, says so on
 * standard output, and hangs in the middle of delivering until the test kills it.
 */
public final class DyingDeliverer {
  /** What the instance prints once it holds the delivery. */
  static final String DELIVERING = "DELIVERING ";

  private DyingDeliverer() {}

  /**
   * Runs the instance.
   *
   * @param args the JDBC URL, the schema, the tenant, the channel's name and the lease in milliseconds
   */
  public static void main(String[] args) throws InterruptedException {
    String url = args[0];
    String schema = args[1];
    String tenant = args[2];
    String channelName = args[3];
    Duration lease = Duration.ofMillis(Long.parseLong(args[4]));
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(2);
    HikariDataSource pool = new HikariDataSource(config);
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(pool).schema(schema).strict()
        .listenForChanges(false).build();
    CountDownLatch never = new CountDownLatch(1);
    NotificationChannel hanging = new NotificationChannel() {
      @Override
      public String name() {
        return channelName;
      }

      @Override
      public void deliver(Notification notification) {
        System.out.println(DELIVERING + notification.id());
        System.out.flush();
        try {
          never.await(); // killed here, between claiming and recording the delivery
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    Quota quota = Quota.builder().store(store).notificationChannel(hanging).alertThresholds(80)
        .dispatcher(d -> d.lease(lease).pollInterval(Duration.ofMillis(20)).instanceId("dying")).build();
    quota.guard().record(UsageEvent.of(TenantId.of(tenant), Meter.AI_TOKENS, 90_000, UsageKey.of("crossing")));
    never.await();
  }
}

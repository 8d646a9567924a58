package dev.quota.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.alert.Delivery;
import dev.quota.alert.DeliveryState;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationChannel;
import dev.quota.alert.NotificationDispatcher;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.jooq.testsupport.PostgresDatabase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Alerts that arrive, across instances of a service on one PostgreSQL schema: every notification is delivered once
 * to a channel although two dispatchers compete for it, and one whose instance was killed between claiming and
 * delivering is delivered by another once the lease expires.
 */
class NotificationDeliveryTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Duration WAIT = Duration.ofSeconds(60);
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private String id;
  private String channelName;

  @BeforeEach
  void setUp() {
    id = UUID.randomUUID().toString().substring(0, 8);
    channelName = "count-" + id; // no other test's deliveries go to this channel
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }

  @Test
  void everyNotificationIsDeliveredOnceAcrossTwoDispatchers() throws Exception {
    CountingChannel counting = new CountingChannel(channelName);
    // both dispatchers poll while the service writes, as instances of a running service do
    for (String instance : List.of("a", "b")) {
      NotificationDispatcher dispatcher = NotificationDispatcher.builder().store(store("dispatcher-" + instance))
          .channel(counting).pollInterval(Duration.ofMillis(10)).batchSize(5).lease(Duration.ofSeconds(30))
          .instanceId("instance-" + instance + "-" + id).build();
      closeables.add(dispatcher);
      dispatcher.start();
    }

    Quota writer = Quota.builder().store(store("writer")).notificationChannel(counting).dispatchManually().build();
    int tenants = 40;
    for (int t = 0; t < tenants; t++) {
      writer.guard().record(UsageEvent.of(TenantId.of("alerted-" + id + "-" + t), Meter.AI_TOKENS, 100_000,
          UsageKey.of("k")));
    }
    int expected = tenants * 3; // 80, 90 and 100 % of the free tier's 100,000 tokens

    FaultInjectionTest.awaitTrue(() -> counting.total() >= expected, WAIT);
    closeables.reversed().stream().filter(c -> c instanceof NotificationDispatcher)
        .forEach(c -> ((NotificationDispatcher) c).close());

    assertThat(counting.deliveries()).hasSize(expected).allSatisfy((notification, count) ->
        assertThat(count.get()).as("deliveries of %s", notification).isEqualTo(1));
    assertThat(counting.instances()).as("both dispatchers took part").hasSize(2);
    assertThat(writer.outbox().deliveries(DeliveryState.PENDING, 1_000))
        .noneMatch(d -> d.channel().equals(channelName));
  }

  @Test
  void aNotificationWhoseInstanceWasKilledBeforeDeliveringIsDeliveredByAnother() throws Exception {
    String tenant = "killed-" + id;
    Duration lease = Duration.ofSeconds(2);
    Process dying = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "-Dorg.jooq.no-logo=true", "-Dorg.jooq.no-tips=true",
        DyingDeliverer.class.getName(), PostgresDatabase.url(), DB.schema(), tenant, channelName,
        Long.toString(lease.toMillis()))
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    closeables.add(dying::destroyForcibly);
    CompletableFuture<String> claimed = CompletableFuture.supplyAsync(() -> firstLineStartingWith(dying,
        DyingDeliverer.DELIVERING));
    String notificationId = claimed.get(WAIT.toSeconds(), TimeUnit.SECONDS)
        .substring(DyingDeliverer.DELIVERING.length()).strip();

    dying.destroyForcibly();
    assertThat(dying.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the instance died").isTrue();

    CountingChannel counting = new CountingChannel(channelName);
    PostgresQuotaStore survivingStore = store("survivor");
    NotificationDispatcher survivor = NotificationDispatcher.builder().store(survivingStore).channel(counting)
        .pollInterval(Duration.ofMillis(20)).lease(lease).instanceId("survivor-" + id).build();
    closeables.add(survivor);
    survivor.start();

    FaultInjectionTest.awaitTrue(() -> counting.total() >= 1, WAIT);
    survivor.close();
    assertThat(counting.deliveries()).hasSize(1).allSatisfy((notification, count) -> {
      assertThat(notification.id().toString()).isEqualTo(notificationId);
      assertThat(notification.tenant().value()).isEqualTo(tenant);
      assertThat(count.get()).isEqualTo(1);
    });
    Delivery delivered = survivingStore.delivery(UUID.fromString(notificationId), channelName).orElseThrow();
    assertThat(delivered.state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(delivered.attempts()).as("the killed instance's attempt was never recorded").isEqualTo(1);
  }

  private PostgresQuotaStore store(String name) {
    HikariDataSource pool = DB.newPool(name + "-" + id, 2);
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(pool).schema(DB.schema()).strict()
        .listenForChanges(false).build();
    closeables.add(pool);
    closeables.add(store);
    return store;
  }

  private static String firstLineStartingWith(Process process, String prefix) {
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (line.startsWith(prefix)) {
          return line;
        }
      }
      throw new AssertionError("the instance ended without claiming the delivery (exit "
          + process.waitFor() + ")");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Counts each notification it is given, and which dispatcher threads gave them. */
  private static final class CountingChannel implements NotificationChannel {
    private final String name;
    private final Map<Notification, AtomicInteger> deliveries = new ConcurrentHashMap<>();
    private final Set<String> instances = ConcurrentHashMap.newKeySet();

    CountingChannel(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void deliver(Notification notification) {
      deliveries.computeIfAbsent(notification, n -> new AtomicInteger()).incrementAndGet();
      instances.add(Thread.currentThread().getName());
    }

    Map<Notification, AtomicInteger> deliveries() {
      return Map.copyOf(deliveries);
    }

    int total() {
      return deliveries.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    Set<String> instances() {
      return Set.copyOf(instances);
    }
  }
}

package dev.quota.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariDataSource;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.alert.Delivery;
import dev.quota.alert.DeliveryState;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.notify.WebhookChannel;
import dev.quota.notify.WebhookSignature;
import dev.quota.notify.WebhookSignatureException;
import dev.quota.testkit.TestClock;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Alert webhooks, end to end through the dispatcher and PostgreSQL to a real HTTP receiver (the JDK's server): a
 * receiver that fails or answers too late at first gets every notification once it answers, signed with the shared
 * secret; a receiver that stays down past the give-up time leaves the delivery failed, with its last error, in the
 * outbox. Time is a test clock: the backoff is stepped over, not waited for.
 */
class WebhookAlertDeliveryTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final String SECRET = "whsec-0123456789abcdef0123456789abcdef";
  private static final Duration BACKOFF = Duration.ofMinutes(1);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
  private static final int MAX_ROUNDS = 30;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final TestClock clock = TestClock.at("2026-03-10T12:00:00Z");
  private String id;
  private String channelName;

  @BeforeEach
  void setUp() {
    id = UUID.randomUUID().toString().substring(0, 8);
    channelName = "hook-" + id; // no other test's deliveries go to this channel
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }

  @Test
  void failedAndTimedOutWebhooksAreRetriedAfterTheBackoffAndArriveSigned() throws Exception {
    String flakyTenant = "flaky-" + id;
    String slowTenant = "slow-" + id;
    Receiver receiver = new Receiver(slowTenant);
    Quota quota = instance(URI.create("http://127.0.0.1:" + receiver.port() + "/quota-events"),
        Duration.ofDays(1));

    // 80, 90 and 100 % of the free tier's 100,000 tokens for one tenant; 80 % only for the other
    quota.guard().record(UsageEvent.of(TenantId.of(flakyTenant), Meter.AI_TOKENS, 100_000, UsageKey.of("k")));
    quota.guard().record(UsageEvent.of(TenantId.of(slowTenant), Meter.AI_TOKENS, 80_000, UsageKey.of("k")));
    Set<String> notificationIds = ours(quota, DeliveryState.PENDING).stream()
        .map(d -> d.notification().id().toString()).collect(Collectors.toSet());
    assertThat(notificationIds).hasSize(4);

    int rounds = 0;
    while (!ours(quota, DeliveryState.PENDING).isEmpty()) {
      assertThat(rounds++).as("rounds of delivery").isLessThan(MAX_ROUNDS);
      quota.dispatcher().orElseThrow().runOnce();
      clock.advance(BACKOFF.multipliedBy(2));
    }

    assertThat(receiver.badSignatures).as("every request was signed with the secret").isEmpty();
    assertThat(receiver.accepted).as("each notification was accepted once").doesNotHaveDuplicates();
    assertThat(Set.copyOf(receiver.accepted)).isEqualTo(notificationIds);
    assertThat(ours(quota, DeliveryState.FAILED)).isEmpty();
    List<Delivery> delivered = ours(quota, DeliveryState.DELIVERED);
    assertThat(delivered).hasSize(4).allSatisfy(d -> {
      String tenant = d.notification().tenant().value();
      int requests = receiver.requests.get(d.notification().id().toString()).get();
      if (tenant.equals(flakyTenant)) {
        assertThat(d.attempts()).as("two answers of 500, then 200").isEqualTo(Receiver.FAILURES + 1);
      } else {
        assertThat(d.attempts()).as("one answer too late, then 200").isEqualTo(2);
      }
      assertThat(requests).as("requests the receiver saw for %s", d.notification().id()).isEqualTo(d.attempts());
    });
  }

  @Test
  void aWebhookWhoseReceiverStaysDownPastTheGiveUpTimeIsLeftFailedWithItsLastError() throws Exception {
    int closedPort = EmailAlertDeliveryTest.freePort();
    Duration giveUpAfter = Duration.ofMinutes(10);
    Quota quota = instance(URI.create("http://127.0.0.1:" + closedPort + "/quota-events"), giveUpAfter);
    quota.guard().record(UsageEvent.of(TenantId.of("unheard-" + id), Meter.AI_TOKENS, 80_000, UsageKey.of("k")));
    List<Delivery> queued = ours(quota, DeliveryState.PENDING);
    assertThat(queued).hasSize(1);
    UUID notificationId = queued.getFirst().notification().id();

    int rounds = 0;
    while (!ours(quota, DeliveryState.PENDING).isEmpty()) {
      assertThat(rounds++).as("rounds of delivery").isLessThan(MAX_ROUNDS);
      quota.dispatcher().orElseThrow().runOnce();
      if (!ours(quota, DeliveryState.PENDING).isEmpty()) {
        assertThat(clock.instant()).as("still pending only before the give-up time")
            .isBefore(queued.getFirst().queuedAt().plus(giveUpAfter));
      }
      clock.advance(BACKOFF.multipliedBy(3));
    }

    assertThat(quota.outbox().deliveries(DeliveryState.FAILED, 1_000)).filteredOn(d -> d.channel()
        .equals(channelName)).singleElement().satisfies(d -> {
          assertThat(d.notification().id()).isEqualTo(notificationId);
          assertThat(d.attempts()).as("retried before giving up").isGreaterThan(1);
          assertThat(d.lastError()).contains("could not be reached");
          assertThat(d.nextAttemptAt()).isNull();
        });
    assertThat(ours(quota, DeliveryState.DELIVERED)).isEmpty();
  }

  private List<Delivery> ours(Quota quota, DeliveryState state) {
    return quota.outbox().deliveries(state, 1_000).stream().filter(d -> d.channel().equals(channelName)).toList();
  }

  private Quota instance(URI url, Duration giveUpAfter) {
    WebhookChannel webhook = WebhookChannel.builder().name(channelName).url(url).allowPlainHttp().secret(SECRET)
        .connectTimeout(Duration.ofSeconds(5)).requestTimeout(REQUEST_TIMEOUT).clock(clock).build();
    closeables.add(webhook);
    Quota quota = Quota.builder().store(store()).clock(clock).notificationChannel(webhook).dispatchManually()
        .dispatcher(d -> d.backoffBase(BACKOFF).backoffMax(BACKOFF).jitter(0).giveUpAfter(giveUpAfter)
            .lease(Duration.ofMinutes(5)).instanceId("hook-" + id))
        .build();
    closeables.add(quota);
    return quota;
  }

  private PostgresQuotaStore store() {
    HikariDataSource pool = DB.newPool("hook-" + id, 2);
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(pool).schema(DB.schema()).strict()
        .listenForChanges(false).build();
    closeables.add(pool);
    closeables.add(store);
    return store;
  }

  /**
   * Answers 500 to the first {@link #FAILURES} requests for each notification, then 200; the first request about
   * the slow tenant is answered only after the channel's request timeout. Checks every request's signature.
   */
  private final class Receiver {
    static final int FAILURES = 2;
    private static final Duration SLOW_ANSWER = REQUEST_TIMEOUT.multipliedBy(3);

    final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    final List<String> accepted = new CopyOnWriteArrayList<>();
    final List<String> badSignatures = new CopyOnWriteArrayList<>();
    private final String slowTenant;
    private final AtomicBoolean answeredLate = new AtomicBoolean();
    private final HttpServer server;

    Receiver(String slowTenant) throws IOException {
      this.slowTenant = slowTenant;
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      ExecutorService executor = Executors.newCachedThreadPool();
      server.setExecutor(executor);
      server.createContext("/quota-events", this::handle);
      server.start();
      closeables.add(executor::shutdownNow);
      closeables.add(() -> server.stop(0));
    }

    int port() {
      return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
      try (exchange; InputStream in = exchange.getRequestBody()) {
        String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        String notificationId = exchange.getRequestHeaders().getFirst(WebhookSignature.ID_HEADER);
        try {
          WebhookSignature.verify(SECRET, exchange.getRequestHeaders().getFirst(WebhookSignature.HEADER), body,
              Duration.ofMinutes(5), clock.instant());
        } catch (WebhookSignatureException e) {
          badSignatures.add(notificationId + ": " + e.getMessage());
          exchange.sendResponseHeaders(400, -1);
          return;
        }
        if (!body.contains("\"" + notificationId + "\"")) {
          badSignatures.add(notificationId + ": the body is about another notification");
        }
        int seen = requests.computeIfAbsent(notificationId, k -> new AtomicInteger()).incrementAndGet();
        if (body.contains("\"" + slowTenant + "\"")) {
          if (answeredLate.compareAndSet(false, true)) {
            sleep(SLOW_ANSWER); // the channel has given up on this request by then
            exchange.sendResponseHeaders(200, -1);
            return;
          }
        } else if (seen <= FAILURES) {
          exchange.sendResponseHeaders(500, -1);
          return;
        }
        accepted.add(notificationId);
        exchange.sendResponseHeaders(200, -1);
      }
    }

    private static void sleep(Duration duration) {
      try {
        Thread.sleep(duration);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

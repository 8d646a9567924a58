package dev.quota.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
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
import dev.quota.notify.EmailChannel;
import dev.quota.notify.SmtpSecurity;
import dev.quota.testkit.TestClock;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Alert e-mails that arrive, end to end: two instances of a service on one PostgreSQL schema, each with its own
 * {@link EmailChannel} to the same SMTP server (GreenMail), which is down while the alerts are written and comes back
 * later. Every alert arrives exactly once, none is lost. The dispatchers are driven by hand and time by a test
 * clock, so that the backoff is stepped over, not waited for.
 */
class EmailAlertDeliveryTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Duration BACKOFF = Duration.ofMinutes(1);
  /** Each dispatcher call is bounded: a hang fails the test instead of stalling the build. */
  private static final long CALL_TIMEOUT_SECONDS = 120;
  private static final int MAX_ROUNDS = 50;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final TestClock clock = TestClock.at("2026-03-10T12:00:00Z");
  private String id;
  private String channelName;

  @BeforeEach
  void setUp() {
    id = UUID.randomUUID().toString().substring(0, 8);
    channelName = "mail-" + id; // no other test's deliveries go to this channel
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }

  @Test
  void everyAlertEmailArrivesExactlyOnceAfterTheSmtpServerWasDown() throws Exception {
    int port = freePort();
    Quota a = instance("a", port);
    Quota b = instance("b", port);

    // the SMTP server is down while 20 tenants cross 80, 90 and 100 % of the free tier's 100,000 tokens
    int tenants = 20;
    for (int t = 0; t < tenants; t++) {
      Quota writer = t % 2 == 0 ? a : b;
      writer.guard().record(UsageEvent.of(TenantId.of("mailed-" + id + "-" + t), Meter.AI_TOKENS, 100_000,
          UsageKey.of("k")));
    }
    int expected = tenants * 3;
    assertThat(ours(a, DeliveryState.PENDING)).hasSize(expected);

    int[] triedWhileDown = runUntilIdle(a, b);
    assertThat(triedWhileDown[0] + triedWhileDown[1]).as("every delivery was tried while the server was down")
        .isEqualTo(expected);
    assertThat(triedWhileDown).as("both instances took part").doesNotContain(0);
    assertThat(ours(a, DeliveryState.PENDING)).as("failed, to be retried").hasSize(expected)
        .allSatisfy(d -> {
          assertThat(d.attempts()).isEqualTo(1);
          assertThat(d.lastError()).isNotBlank();
          assertThat(d.nextAttemptAt()).isAfter(clock.instant());
        });
    assertThat(ours(a, DeliveryState.DELIVERED)).isEmpty();
    assertThat(ours(a, DeliveryState.FAILED)).isEmpty();

    GreenMail smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    closeables.add(smtp::stop);
    assertThat(runUntilIdle(a, b)).as("nothing is due before the backoff has passed").containsExactly(0, 0);

    clock.advance(BACKOFF.multipliedBy(2));
    int[] triedWhenUp = runUntilIdle(a, b);
    assertThat(triedWhenUp[0] + triedWhenUp[1]).isEqualTo(expected);
    assertThat(triedWhenUp).as("both instances took part").doesNotContain(0);

    List<Delivery> delivered = ours(a, DeliveryState.DELIVERED);
    assertThat(delivered).hasSize(expected).allSatisfy(d -> assertThat(d.attempts()).isEqualTo(2));
    assertThat(ours(a, DeliveryState.PENDING)).isEmpty();
    assertThat(ours(a, DeliveryState.FAILED)).isEmpty();
    Set<String> notificationIds = delivered.stream().map(d -> d.notification().id().toString())
        .collect(Collectors.toSet());
    assertThat(notificationIds).hasSize(expected);

    // one recipient per tenant, so one received message per e-mail sent
    MimeMessage[] received = smtp.getReceivedMessages();
    List<String> receivedIds = new ArrayList<>();
    for (MimeMessage message : received) {
      String notificationId = message.getHeader("X-Quota-Notification-Id", null);
      receivedIds.add(notificationId);
      assertThat(message.getMessageID()).as("the Message-ID carries the notification's id")
          .startsWith("<" + notificationId + ".");
    }
    assertThat(receivedIds).as("no e-mail arrived twice").doesNotHaveDuplicates();
    assertThat(Set.copyOf(receivedIds)).as("every notification in the outbox arrived, nothing else")
        .isEqualTo(notificationIds);
  }

  /**
   * Runs both instances' dispatchers at the same time, round after round, until neither finds anything due.
   *
   * @return how many deliveries each instance tried
   */
  private int[] runUntilIdle(Quota a, Quota b) throws Exception {
    int[] total = new int[2];
    for (int round = 0; round < MAX_ROUNDS; round++) {
      CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> a.dispatcher().orElseThrow().runOnce());
      CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> b.dispatcher().orElseThrow().runOnce());
      int triedByA = first.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      int triedByB = second.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (triedByA + triedByB == 0) {
        return total;
      }
      total[0] += triedByA;
      total[1] += triedByB;
    }
    throw new AssertionError("the dispatchers still found deliveries due after " + MAX_ROUNDS + " rounds");
  }

  private List<Delivery> ours(Quota quota, DeliveryState state) {
    return quota.outbox().deliveries(state, 1_000).stream().filter(d -> d.channel().equals(channelName)).toList();
  }

  private Quota instance(String name, int smtpPort) {
    EmailChannel email = EmailChannel.builder().name(channelName).host("127.0.0.1").port(smtpPort)
        .security(SmtpSecurity.NONE).from("quota@example.com")
        .recipients(tenant -> List.of(tenant.value() + "@example.com"))
        .link(URI.create("https://example.com/billing/upgrade"))
        .connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofSeconds(30)).clock(clock).build();
    Quota quota = Quota.builder().store(store(name)).clock(clock).notificationChannel(email).dispatchManually()
        .dispatcher(d -> d.batchSize(7).backoffBase(BACKOFF).backoffMax(BACKOFF).jitter(0)
            .giveUpAfter(Duration.ofDays(1)).lease(Duration.ofMinutes(5)).instanceId("mail-" + name + "-" + id))
        .build();
    closeables.add(quota);
    return quota;
  }

  private PostgresQuotaStore store(String name) {
    HikariDataSource pool = DB.newPool(name + "-" + id, 2);
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(pool).schema(DB.schema()).strict()
        .listenForChanges(false).build();
    closeables.add(pool);
    closeables.add(store);
    return store;
  }

  /** A port nothing listens on now: the SMTP server is started on it later. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}

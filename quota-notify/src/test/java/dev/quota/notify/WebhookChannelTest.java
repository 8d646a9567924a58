package dev.quota.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.quota.alert.DeliveryException;
import dev.quota.alert.Notification;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.json.JSONObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WebhookChannel} against the JDK's HTTP server, started by each test on a loopback port. */
@Timeout(60)
class WebhookChannelTest {
  static final String SECRET = "whsec_3c1d6f0e8a217b0c2a4e3f7d4f439a55";
  static final Instant NOW = Instant.parse("2026-12-05T10:15:31Z");

  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final List<WebhookChannel> channels = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);

  /** A request as the receiver saw it. */
  record Received(String method, String path, Map<String, List<String>> headers, String body) {
    String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0)).findFirst().orElseThrow(() -> new AssertionError("no header " + name));
    }
  }

  private final List<Received> received = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    release.countDown();
    channels.forEach(WebhookChannel::close);
    servers.forEach(s -> s.stop(0));
  }

  /** A receiver that records each request and answers it as {@code answer} says. */
  private URI receiver(Consumer<HttpExchange> answer) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      try (exchange) {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
            Map.copyOf(exchange.getRequestHeaders()), body));
        answer.accept(exchange);
      }
    });
    server.start();
    servers.add(server);
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/quota");
  }

  private static Consumer<HttpExchange> status(int status) {
    return exchange -> {
      try {
        exchange.sendResponseHeaders(status, -1);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
  }

  private WebhookChannel.Builder channelTo(URI url) {
    return WebhookChannel.builder().url(url).allowPlainHttp().secret(SECRET)
        .connectTimeout(Duration.ofSeconds(5)).requestTimeout(Duration.ofSeconds(10))
        .clock(Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private WebhookChannel build(WebhookChannel.Builder builder) {
    WebhookChannel channel = builder.build();
    channels.add(channel);
    return channel;
  }

  private static DeliveryException failure(WebhookChannel channel, Notification notification) {
    try {
      channel.deliver(notification);
    } catch (DeliveryException e) {
      return e;
    }
    throw new AssertionError("delivered, though a failure was expected");
  }

  @Test
  void postsTheSignedPayloadWhichTheHelperVerifies() throws Exception {
    WebhookChannel channel = build(channelTo(receiver(status(204))));
    Notification notification = Notifications.thresholdCrossed("acme");

    channel.deliver(notification);

    assertThat(received).hasSize(1);
    Received request = received.get(0);
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/hooks/quota");
    assertThat(request.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
    assertThat(request.header("Quota-Notification-Id")).isEqualTo(notification.id().toString());
    String signature = request.header("Quota-Signature");
    assertThat(signature).startsWith("t=" + NOW.getEpochSecond() + ",v1=");
    WebhookSignature.verify(SECRET, signature, request.body(), Duration.ofMinutes(5), NOW.plusSeconds(2));

    JSONObject json = new JSONObject(request.body());
    assertThat(json.keySet()).containsExactlyInAnyOrder("id", "type", "tenant", "meter", "thresholdPercent", "used",
        "ceiling", "periodStart", "periodEnd", "resetsAt", "occurredAt", "cause");
    assertThat(json.getString("id")).isEqualTo(notification.id().toString());
    assertThat(json.getString("type")).isEqualTo("quota.threshold_crossed");
    assertThat(json.getString("tenant")).isEqualTo("acme");
    assertThat(json.getString("meter")).isEqualTo("ai-tokens");
    assertThat(json.get("thresholdPercent")).isEqualTo(80);
    assertThat(json.get("used")).isEqualTo(8_123);
    assertThat(json.get("ceiling")).isEqualTo(10_000);
    assertThat(json.getString("periodStart")).isEqualTo("2026-12-01T00:00:00Z");
    assertThat(json.getString("periodEnd")).isEqualTo("2027-01-01T00:00:00Z");
    assertThat(json.getString("resetsAt")).isEqualTo("2027-01-01T00:00:00Z");
    assertThat(json.getString("occurredAt")).isEqualTo("2026-12-05T10:15:30Z");
    assertThat(json.getString("cause")).isEmpty();
  }

  @Test
  void aServerErrorIsRetryable() throws Exception {
    WebhookChannel channel = build(channelTo(receiver(status(500))));

    DeliveryException e = failure(channel, Notifications.thresholdCrossed("acme"));

    assertThat(e.retryable()).isTrue();
    assertThat(e).hasMessageContaining("answered 500");
  }

  @Test
  void requestTimeoutAndTooManyRequestsAreRetryable() throws Exception {
    WebhookChannel timeout = build(channelTo(receiver(status(408))));
    WebhookChannel tooMany = build(channelTo(receiver(status(429))));

    assertThat(failure(timeout, Notifications.thresholdCrossed("acme")).retryable()).isTrue();
    assertThat(failure(tooMany, Notifications.thresholdCrossed("acme")).retryable()).isTrue();
  }

  @Test
  void aBadRequestIsNotRetryable() throws Exception {
    WebhookChannel channel = build(channelTo(receiver(status(400))));

    DeliveryException e = failure(channel, Notifications.thresholdCrossed("acme"));

    assertThat(e.retryable()).isFalse();
    assertThat(e).hasMessageContaining("answered 400");
  }

  @Test
  void aReceiverThatDoesNotAnswerInTimeIsRetryable() throws Exception {
    URI slow = receiver(exchange -> {
      try {
        // holds the answer until the test ends, far beyond the channel's timeout
        release.await(30, TimeUnit.SECONDS);
        exchange.sendResponseHeaders(204, -1);
      } catch (InterruptedException | IOException e) {
        Thread.currentThread().interrupt();
      }
    });
    WebhookChannel channel = build(channelTo(slow).requestTimeout(Duration.ofMillis(300)));

    DeliveryException e = failure(channel, Notifications.thresholdCrossed("acme"));

    assertThat(e.retryable()).isTrue();
    assertThat(e).hasMessageContaining("did not answer in time");
  }

  @Test
  void aReceiverThatIsDownIsRetryable() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    WebhookChannel channel = build(channelTo(URI.create("http://127.0.0.1:" + port + "/hooks")));

    DeliveryException e = failure(channel, Notifications.thresholdCrossed("acme"));

    assertThat(e.retryable()).isTrue();
    assertThat(e).hasMessageContaining("could not be reached");
  }

  @Test
  void aRedirectIsNotFollowedAndNotRetried() throws Exception {
    URI target = receiver(status(204));
    URI redirecting = receiver(exchange -> {
      try {
        exchange.getResponseHeaders().add("Location", target.toString());
        exchange.sendResponseHeaders(302, -1);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    WebhookChannel channel = build(channelTo(redirecting));

    DeliveryException e = failure(channel, Notifications.thresholdCrossed("acme"));

    assertThat(e.retryable()).isFalse();
    assertThat(e).hasMessageContaining("answered 302").hasMessageContaining("not followed")
        .hasMessageContaining(target.toString());
    assertThat(received).as("only the redirecting receiver was called").hasSize(1);
  }

  @Test
  void aPlainHttpUrlIsRefusedUnlessTheHostAllowsIt() {
    WebhookChannel.Builder builder = WebhookChannel.builder().secret(SECRET)
        .url(URI.create("http://hooks.example.com/quota"));

    assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("url must use https");
  }

  @Test
  void aTenantsUrlGoesThroughThePolicyAndIsUsedWhenAllowed() throws Exception {
    URI host = receiver(status(204));
    URI tenant = receiver(status(204));
    UrlPolicy trusting = UrlPolicy.builder().allowPlainHttp().allowNonPublicAddresses().build();
    WebhookChannel channel = build(channelTo(host).tenantUrls(
        t -> t.value().equals("acme") ? Optional.of(tenant) : Optional.empty(), trusting));

    channel.deliver(Notifications.thresholdCrossed("acme"));
    channel.deliver(Notifications.thresholdCrossed("globex"));

    assertThat(received).hasSize(2);
    assertThat(received.get(0).header("Host")).isEqualTo(tenant.getAuthority());
    assertThat(received.get(1).header("Host")).isEqualTo(host.getAuthority());
  }

  @Test
  void aTenantsUrlIntoTheHostsNetworkIsRefusedAtDeliveryAndNotRetried() throws Exception {
    URI internal = receiver(status(204));
    UrlPolicy policy = UrlPolicy.builder().allowPlainHttp().build();
    for (String url : List.of(internal.toString(), "http://10.0.0.7/admin", "http://169.254.169.254/latest/",
        "http://localhost:" + internal.getPort() + "/", "http://[::1]:" + internal.getPort() + "/")) {
      WebhookChannel channel = build(WebhookChannel.builder().secret(SECRET)
          .tenantUrls(t -> Optional.of(URI.create(url)), policy));

      DeliveryException e = failure(channel, Notifications.thresholdCrossed("acme"));

      assertThat(e.retryable()).as(url).isFalse();
      assertThat(e).as(url).hasMessageContaining("the webhook URL of tenant 'acme' is refused")
          .hasMessageContaining("address, which is refused");
    }
    assertThat(received).as("the internal receiver was never called").isEmpty();
  }

  @Test
  void aTenantsPlainHttpUrlIsRefusedWithoutThePolicysAllowance() throws Exception {
    URI tenantReceiver = receiver(status(204));
    WebhookChannel channel = build(WebhookChannel.builder().secret(SECRET).tenantUrls(
        t -> Optional.of(tenantReceiver), UrlPolicy.builder().allowNonPublicAddresses().build()));

    DeliveryException e = failure(channel, Notifications.thresholdCrossed("acme"));

    assertThat(e.retryable()).isFalse();
    assertThat(e).hasMessageContaining("url must use https");
    assertThat(received).isEmpty();
  }

  @Test
  void aTenantWithoutAUrlAndNoHostUrlHasNothingToDeliver() throws Exception {
    WebhookChannel channel = build(WebhookChannel.builder().secret(SECRET)
        .tenantUrls(t -> Optional.empty(), UrlPolicy.builder().build()));

    channel.deliver(Notifications.thresholdCrossed("acme"));

    assertThat(received).isEmpty();
  }

  @Test
  void theBuilderNamesWhatIsMissingOrWrong() {
    assertThatThrownBy(() -> WebhookChannel.builder().url(URI.create("https://h.example/")).build())
        .hasMessage("secret must be set");
    assertThatThrownBy(() -> WebhookChannel.builder().secret(SECRET).build())
        .hasMessage("url or tenantUrls must be set");
    assertThatThrownBy(() -> WebhookChannel.builder().secret("short"))
        .hasMessage("secret must be at least 16 characters, was 5");
    assertThatThrownBy(() -> WebhookChannel.builder().requestTimeout(Duration.ofSeconds(-1)))
        .hasMessageContaining("requestTimeout must be more than 0");
    assertThatThrownBy(() -> WebhookChannel.builder().secret(SECRET)
        .url(URI.create("https://user:pw@h.example/")).build())
        .hasMessageContaining("url must not carry user info");
  }
}

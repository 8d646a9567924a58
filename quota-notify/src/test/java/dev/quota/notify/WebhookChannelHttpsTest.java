package dev.quota.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.quota.alert.DeliveryException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WebhookChannel} over HTTPS, to the JDK's HTTPS server with a self-signed certificate made by the JDK's
 * {@code keytool} for 127.0.0.1: delivered when the channel is given a TLS context that trusts the certificate,
 * refused (and retried) without it.
 */
@Timeout(120)
class WebhookChannelHttpsTest {
  @TempDir
  Path dir;

  private HttpsServer server;
  private SelfSignedCertificate certificate;
  private final List<String> signatures = new CopyOnWriteArrayList<>();
  private final List<String> bodies = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startReceiver() throws Exception {
    certificate = SelfSignedCertificate.create(dir);
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(certificate.serverContext()));
    server.createContext("/", exchange -> {
      try (exchange) {
        bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        signatures.add(exchange.getRequestHeaders().getFirst("Quota-Signature"));
        exchange.sendResponseHeaders(200, -1);
      }
    });
    server.start();
  }

  @AfterEach
  void stopReceiver() {
    if (server != null) {
      server.stop(0);
    }
  }

  private URI url() {
    return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/hooks");
  }

  @Test
  void deliversOverHttpsToAReceiverTheGivenContextTrusts() throws Exception {
    try (WebhookChannel channel = WebhookChannel.builder().url(url()).secret(WebhookChannelTest.SECRET)
        .sslContext(certificate.trustingContext()).requestTimeout(Duration.ofSeconds(20)).build()) {

      channel.deliver(Notifications.thresholdCrossed("acme"));
    }

    assertThat(bodies).hasSize(1);
    WebhookSignature.verify(WebhookChannelTest.SECRET, signatures.get(0), bodies.get(0), Duration.ofMinutes(5),
        Instant.now());
  }

  @Test
  void anUntrustedCertificateIsARetryableFailureAndNothingIsSent() throws Exception {
    try (WebhookChannel channel = WebhookChannel.builder().url(url()).secret(WebhookChannelTest.SECRET)
        .requestTimeout(Duration.ofSeconds(20)).build()) {

      assertThatThrownBy(() -> channel.deliver(Notifications.thresholdCrossed("acme")))
          .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isTrue())
          .hasMessageContaining("could not be reached");
    }
    assertThat(bodies).isEmpty();
  }
}

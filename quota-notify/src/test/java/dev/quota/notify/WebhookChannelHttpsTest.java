package dev.quota.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.quota.alert.DeliveryException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
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
  private static final char[] PASSWORD = "changeit".toCharArray();

  @TempDir
  Path dir;

  private HttpsServer server;
  private KeyStore keys;
  private final List<String> signatures = new CopyOnWriteArrayList<>();
  private final List<String> bodies = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startReceiver() throws Exception {
    Path store = dir.resolve("receiver.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "receiver", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", store.toString(),
        "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit")
        .redirectErrorStream(true).redirectOutput(dir.resolve("keytool.log").toFile()).start();
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
    assertThat(keytool.exitValue()).as(Files.readString(dir.resolve("keytool.log"))).isZero();

    keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, PASSWORD);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD);
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(kmf.getKeyManagers(), null, null);

    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(serverContext));
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

  private SSLContext trustingTheReceiver() throws Exception {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("receiver", keys.getCertificate("receiver"));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  @Test
  void deliversOverHttpsToAReceiverTheGivenContextTrusts() throws Exception {
    try (WebhookChannel channel = WebhookChannel.builder().url(url()).secret(WebhookChannelTest.SECRET)
        .sslContext(trustingTheReceiver()).requestTimeout(Duration.ofSeconds(20)).build()) {

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

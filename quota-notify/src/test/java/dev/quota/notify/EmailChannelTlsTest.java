package dev.quota.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.quota.alert.DeliveryException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link EmailChannel} with TLS: implicit TLS to GreenMail's SMTPS server, which presents a certificate for
 * 127.0.0.1 made by {@code keytool}; and STARTTLS, which GreenMail's SMTP server does not offer, so that the channel
 * must refuse to send in the clear.
 */
@Timeout(120)
class EmailChannelTlsTest {
  private static Path dir;
  private static SelfSignedCertificate certificate;

  private GreenMail server;

  @BeforeAll
  static void certificate() throws Exception {
    dir = Files.createTempDirectory("quota-notify-tls");
    certificate = SelfSignedCertificate.create(dir);
    // GreenMail reads its TLS key store from these when its first TLS server starts in this JVM
    System.setProperty("greenmail.tls.keystore.file", certificate.keyStoreFile.toString());
    System.setProperty("greenmail.tls.keystore.password", SelfSignedCertificate.PASSWORD);
    System.setProperty("greenmail.tls.key.password", SelfSignedCertificate.PASSWORD);
  }

  @AfterAll
  static void clear() throws Exception {
    System.clearProperty("greenmail.tls.keystore.file");
    System.clearProperty("greenmail.tls.keystore.password");
    System.clearProperty("greenmail.tls.key.password");
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop();
    }
  }

  private GreenMail start(String protocol) {
    server = new GreenMail(new ServerSetup(0, "127.0.0.1", protocol).dynamicPort());
    server.start();
    return server;
  }

  private static EmailChannel.Builder channel(int port, SmtpSecurity security) {
    return EmailChannel.builder().host("127.0.0.1").port(port).security(security)
        .connectTimeout(Duration.ofSeconds(10)).readTimeout(Duration.ofSeconds(10))
        .from("quota@service.test").recipients(tenant -> List.of("ops@acme.test"))
        .link(URI.create("https://example.com/upgrade"));
  }

  @Test
  void implicitTlsDeliversToAServerTheGivenContextTrusts() throws Exception {
    GreenMail smtps = start(ServerSetup.PROTOCOL_SMTPS);
    EmailChannel email = channel(smtps.getSmtps().getPort(), SmtpSecurity.SSL)
        .sslContext(certificate.trustingContext()).build();

    email.deliver(Notifications.thresholdCrossed("acme"));

    assertThat(smtps.waitForIncomingEmail(10_000, 1)).isTrue();
    assertThat(smtps.getReceivedMessages()).hasSize(1);
  }

  @Test
  void anUntrustedCertificateIsARetryableFailureAndNothingIsSent() {
    GreenMail smtps = start(ServerSetup.PROTOCOL_SMTPS);
    EmailChannel email = channel(smtps.getSmtps().getPort(), SmtpSecurity.SSL).build();

    assertThatThrownBy(() -> email.deliver(Notifications.thresholdCrossed("acme")))
        .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
    assertThat(smtps.getReceivedMessages()).isEmpty();
  }

  @Test
  void starttlsIsRequiredNeverSkippedWhenTheServerDoesNotOfferIt() throws Exception {
    GreenMail smtp = start(ServerSetup.PROTOCOL_SMTP);
    EmailChannel email = channel(smtp.getSmtp().getPort(), SmtpSecurity.STARTTLS)
        .sslContext(certificate.trustingContext()).build();

    assertThatThrownBy(() -> email.deliver(Notifications.thresholdCrossed("acme")))
        .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isTrue())
        .hasMessageContaining("STARTTLS");
    assertThat(smtp.getReceivedMessages()).as("nothing sent in the clear").isEmpty();
  }
}

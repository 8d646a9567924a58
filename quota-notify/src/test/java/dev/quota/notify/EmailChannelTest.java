package dev.quota.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.quota.alert.DeliveryException;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationKind;
import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link EmailChannel} against GreenMail, a real SMTP server in the test's JVM. */
@Timeout(60)
class EmailChannelTest {
  private static final URI UPGRADE = URI.create("https://example.com/billing/upgrade");

  private final List<GreenMail> servers = new ArrayList<>();

  @AfterEach
  void stopServers() {
    servers.forEach(GreenMail::stop);
  }

  private GreenMail startServer(int port) {
    GreenMail server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    servers.add(server);
    server.start();
    return server;
  }

  private GreenMail startServer() {
    GreenMail server = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
    servers.add(server);
    server.start();
    return server;
  }

  private static EmailChannel.Builder channel(int port) {
    return EmailChannel.builder()
        .host("127.0.0.1")
        .port(port)
        .security(SmtpSecurity.NONE)
        .connectTimeout(Duration.ofSeconds(5))
        .readTimeout(Duration.ofSeconds(5))
        .writeTimeout(Duration.ofSeconds(5))
        .from("quota@service.test")
        .recipients(tenant -> List.of("ops@" + tenant.value() + ".test"))
        .link(UPGRADE)
        .clock(Clock.fixed(Notifications.OCCURRED_AT, ZoneOffset.UTC));
  }

  private static MimeMessage onlyMessage(GreenMail server) {
    assertThat(server.waitForIncomingEmail(10_000, 1)).as("a message arrived").isTrue();
    MimeMessage[] received = server.getReceivedMessages();
    assertThat(received).hasSize(1);
    return received[0];
  }

  private static String part(MimeMessage message, String type) throws Exception {
    MimeMultipart alternative = (MimeMultipart) message.getContent();
    for (int i = 0; i < alternative.getCount(); i++) {
      BodyPart part = alternative.getBodyPart(i);
      if (part.isMimeType(type)) {
        return (String) part.getContent();
      }
    }
    throw new AssertionError("no " + type + " part");
  }

  @Test
  void sendsPlainTextAndHtmlAlternativesWithTheUsageTheResetTimeAndTheLink() throws Exception {
    GreenMail server = startServer();
    EmailChannel email = channel(server.getSmtp().getPort()).zone(ZoneId.of("Europe/Berlin")).build();

    email.deliver(Notifications.thresholdCrossed("acme"));

    MimeMessage message = onlyMessage(server);
    assertThat(message.getSubject()).isEqualTo("acme has used 81% of its ai-tokens quota");
    assertThat(message.getFrom()).extracting(Address::toString).containsExactly("quota@service.test");
    assertThat(message.getRecipients(Message.RecipientType.TO)).extracting(Address::toString)
        .containsExactly("ops@acme.test");
    assertThat(message.isMimeType("multipart/alternative")).isTrue();
    MimeMultipart alternative = (MimeMultipart) message.getContent();
    assertThat(alternative.getCount()).isEqualTo(2);
    assertThat(alternative.getBodyPart(0).isMimeType("text/plain")).as("plain text first").isTrue();
    assertThat(alternative.getBodyPart(1).isMimeType("text/html")).isTrue();

    String text = part(message, "text/plain");
    assertThat(text).contains("acme has used 8123 of its 10000 ai-tokens (81%)")
        .contains("crossing the 80% alert threshold")
        .contains("The usage resets at 2027-01-01 01:00 CET")
        .contains(UPGRADE.toString())
        .contains(Notifications.ID.toString());
    String html = part(message, "text/html");
    assertThat(html).contains("<strong>8123</strong>").contains("<strong>81%</strong>")
        .contains("<a href=\"" + UPGRADE + "\">upgrade the plan</a>")
        .contains("2027-01-01 01:00 CET");
    assertThat(message.getHeader("X-Quota-Notification-Id")).containsExactly(Notifications.ID.toString());
    assertThat(message.getHeader("Auto-Submitted")).containsExactly("auto-generated");
  }

  @Test
  void everyAttemptCarriesTheSameMessageIdSoThatMailSystemsCanDropADuplicate() throws Exception {
    GreenMail server = startServer();
    EmailChannel email = channel(server.getSmtp().getPort()).build();

    email.deliver(Notifications.thresholdCrossed("acme"));
    email.deliver(Notifications.thresholdCrossed("acme"));

    assertThat(server.waitForIncomingEmail(10_000, 2)).isTrue();
    assertThat(server.getReceivedMessages()).extracting(MimeMessage::getMessageID)
        .containsExactly("<" + Notifications.ID + ".quota@service.test>",
            "<" + Notifications.ID + ".quota@service.test>");
  }

  @Test
  void aServerThatIsDownIsARetryableFailureAndTheNotificationArrivesOnceItIsBack() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    EmailChannel email = channel(port).build();
    Notification notification = Notifications.thresholdCrossed("acme");

    assertThatThrownBy(() -> email.deliver(notification))
        .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isTrue());

    GreenMail server = startServer(port);
    email.deliver(notification);

    MimeMessage message = onlyMessage(server);
    assertThat(message.getHeader("X-Quota-Notification-Id")).containsExactly(notification.id().toString());
  }

  @Test
  void hostileTenantValuesInjectNoHeaderNoRecipientAndNoMarkup() throws Exception {
    GreenMail server = startServer();
    String hostileName = "Acme\r\nBcc: victim@evil.test\r\nX-Injected: yes\r\n\r\n<script>alert('x')</script>"
        + "<img src=x onerror=alert(1)>" + "A".repeat(10_000);
    String hostileCause = "RESET_USAGE\nSubject: forged\r\nX-Injected-Cause: yes";
    // a tenant id may hold markup and quotes, though no control characters (quota-core refuses those)
    String hostileTenant = "\"><b>tenant</b>&'";
    EmailChannel email = channel(server.getSmtp().getPort())
        .recipients(tenant -> List.of("ops@acme.test"))
        .tenantNames(tenant -> hostileName)
        .template(NotificationKind.UNBLOCKED, new EmailTemplate("{tenantName} {tenant} {cause}",
            "{tenantName}\n{tenant}\n{cause}\n", "<p title=\"{tenant}\">{tenantName}</p><p>{cause}</p>"))
        .build();

    email.deliver(Notifications.of(NotificationKind.UNBLOCKED, hostileTenant, 0, hostileCause));

    MimeMessage message = onlyMessage(server);
    assertThat(server.getReceivedMessagesForDomain("evil.test")).as("no injected recipient").isEmpty();
    assertThat(message.getHeader("Bcc")).isNull();
    assertThat(message.getHeader("X-Injected")).isNull();
    assertThat(message.getHeader("X-Injected-Cause")).isNull();
    assertThat(message.getHeader("Subject")).hasSize(1);
    assertThat(message.getAllRecipients()).extracting(Address::toString).containsExactly("ops@acme.test");

    String subject = message.getSubject();
    assertThat(subject).doesNotContain("\r", "\n").hasSizeLessThanOrEqualTo(250).startsWith("Acme  Bcc: victim");
    String raw = GreenMailUtil.getWholeMessage(message);
    assertThat(raw.split("\r\n")).as("every line within SMTP's limit of 998 characters")
        .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(998));

    String html = part(message, "text/html");
    assertThat(html).doesNotContain("<script>", "<img", "<b>")
        .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
        .contains("title=\"&quot;&gt;&lt;b&gt;tenant&lt;/b&gt;&amp;&#39;\"")
        .contains("RESET_USAGE Subject: forged  X-Injected-Cause: yes");
    String text = part(message, "text/plain");
    assertThat(text.lines().toList()).as("each value stays on its one line").hasSize(3);
    assertThat(text.lines().findFirst().orElseThrow()).hasSize(300).endsWith("\u2026");
  }

  @Test
  void aRecipientWithALineBreakIsRefusedAndNotRetried() {
    GreenMail server = startServer();
    EmailChannel email = channel(server.getSmtp().getPort())
        .recipients(tenant -> List.of("ops@acme.test\r\nBcc: victim@evil.test"))
        .build();

    assertThatThrownBy(() -> email.deliver(Notifications.thresholdCrossed("acme")))
        .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessageContaining("recipient 1 of tenant 'acme'").hasMessageContaining("control characters");
    assertThat(server.getReceivedMessages()).isEmpty();
  }

  @Test
  void anInvalidAddressIsNotRetried() {
    EmailChannel email = channel(25).recipients(tenant -> List.of("ops@acme.test", "not an address")).build();

    assertThatThrownBy(() -> email.deliver(Notifications.thresholdCrossed("acme")))
        .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessageContaining("recipient 2 of tenant 'acme' is not a valid e-mail address");
  }

  @Test
  void aTenantWithoutRecipientsIsAFailureThatIsNotRetried() {
    EmailChannel email = channel(25).recipients(tenant -> Collections.emptyList()).build();

    assertThatThrownBy(() -> email.deliver(Notifications.thresholdCrossed("acme")))
        .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessage("no e-mail recipients for tenant 'acme'");
  }

  @Test
  void aFailingRecipientLookUpIsRetried() {
    EmailChannel email = channel(25).recipients(tenant -> {
      throw new IllegalStateException("user database unavailable");
    }).build();

    assertThatThrownBy(() -> email.deliver(Notifications.thresholdCrossed("acme")))
        .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isTrue())
        .hasMessageContaining("user database unavailable");
  }

  @Test
  void aTransientReplyToTheRecipientIsRetried() throws Exception {
    try (ScriptedSmtpServer server = new ScriptedSmtpServer("451 4.3.0 try again later", "250 OK")) {
      EmailChannel email = channel(server.port()).build();

      assertThatThrownBy(() -> email.deliver(Notifications.thresholdCrossed("acme")))
          .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isTrue())
          .hasMessageContaining("4xx");
    }
  }

  @Test
  void aPermanentReplyToTheRecipientIsNotRetried() throws Exception {
    try (ScriptedSmtpServer server = new ScriptedSmtpServer("550 5.1.1 no such user", "250 OK")) {
      EmailChannel email = channel(server.port()).build();

      assertThatThrownBy(() -> email.deliver(Notifications.thresholdCrossed("acme")))
          .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isFalse())
          .hasMessageContaining("5xx");
    }
  }

  @Test
  void aPermanentReplyToTheMessageIsNotRetried() throws Exception {
    try (ScriptedSmtpServer server = new ScriptedSmtpServer("250 OK", "554 5.7.1 message refused")) {
      EmailChannel email = channel(server.port()).build();

      assertThatThrownBy(() -> email.deliver(Notifications.thresholdCrossed("acme")))
          .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isFalse())
          .hasMessageContaining("5xx");
    }
  }

  @Test
  void aTemplateWithAnUnknownPlaceholderIsRefusedNamingIt() {
    assertThatThrownBy(() -> new EmailTemplate("{tenant} at {precent}%", "", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("subject uses the unknown placeholder {precent}");
  }

  @Test
  void bracesThatAreNoPlaceholderStayAsTheyAre() throws Exception {
    GreenMail server = startServer();
    EmailChannel email = channel(server.getSmtp().getPort())
        .template(NotificationKind.THRESHOLD_CROSSED, new EmailTemplate("{{tenant} is {tenant}", "{ x }",
            "<style>p { color: red }</style><p>{tenant}</p>"))
        .build();

    email.deliver(Notifications.thresholdCrossed("acme"));

    MimeMessage message = onlyMessage(server);
    assertThat(message.getSubject()).isEqualTo("{tenant} is acme");
    assertThat(part(message, "text/html")).isEqualTo("<style>p { color: red }</style><p>acme</p>");
  }

  @Test
  void theDefaultTemplatesNeedALink() {
    assertThatThrownBy(() -> EmailChannel.builder().host("127.0.0.1").from("quota@service.test")
        .recipients(tenant -> List.of()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("link must be set");
  }

  @Test
  void aLinkThatIsNoWebLinkIsRefused() {
    assertThatThrownBy(() -> EmailChannel.builder().link(URI.create("javascript:alert(1)")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("link must be an absolute http or https URI");
  }

  @Test
  void theBuilderNamesWhatIsMissingOrWrong() {
    assertThatThrownBy(() -> EmailChannel.builder().build()).hasMessage("host must be set");
    assertThatThrownBy(() -> EmailChannel.builder().port(0)).hasMessage("port must be within 1..65535, was 0");
    assertThatThrownBy(() -> EmailChannel.builder().from("a@b.test\r\nBcc: c@d.test"))
        .hasMessageContaining("from must not contain control characters");
    assertThatThrownBy(() -> EmailChannel.builder().readTimeout(Duration.ZERO))
        .hasMessageContaining("readTimeout must be more than 0");
    assertThatThrownBy(() -> EmailChannel.builder().name("E-Mail"))
        .hasMessageContaining("name must be 1..32 lower-case letters");
  }

  @Test
  void percentIsRoundedDownAndSafeForTheLargestValues() {
    assertThat(EmailChannel.percent(8_123, 10_000)).isEqualTo(81);
    assertThat(EmailChannel.percent(Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(100);
    assertThat(EmailChannel.percent(5, 0)).isEqualTo(100);
    assertThat(EmailChannel.percent(0, 0)).isZero();
  }
}

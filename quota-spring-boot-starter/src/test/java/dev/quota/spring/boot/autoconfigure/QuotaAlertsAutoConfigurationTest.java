package dev.quota.spring.boot.autoconfigure;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.alert.NotificationChannel;
import dev.quota.notify.EmailChannel;
import dev.quota.notify.EmailRecipients;
import dev.quota.notify.WebhookChannel;
import dev.quota.notify.WebhookSignature;
import dev.quota.spi.QuotaStore;
import dev.quota.testkit.InMemoryQuotaStore;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** quota.alerts.*: the dispatcher's settings and the channels of quota-notify, created from properties. */
class QuotaAlertsAutoConfigurationTest {
  private static final TenantId ACME = TenantId.of("acme");
  private static final String SECRET = "whsec-0123456789abcdef0123456789";

  @RegisterExtension
  static final GreenMailExtension smtp =
      new GreenMailExtension(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(QuotaAutoConfiguration.class, QuotaAlertsAutoConfiguration.class))
      .withUserConfiguration(InMemoryStore.class)
      // a short poll, so that the tests wait little for the dispatcher's thread
      .withPropertyValues("quota.alerts.dispatcher.poll-interval=50ms");

  @Configuration(proxyBeanMethods = false)
  static class InMemoryStore {
    @Bean
    QuotaStore quotaStore() {
      return new InMemoryQuotaStore();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Recipients {
    @Bean
    EmailRecipients recipients() {
      return tenant -> List.of("owner@" + tenant.value() + ".test");
    }
  }

  private ApplicationContextRunner email() {
    return runner.withUserConfiguration(Recipients.class).withPropertyValues(
        "quota.alerts.email.enabled=true", "quota.alerts.email.host=127.0.0.1",
        "quota.alerts.email.port=" + smtp.getSmtp().getPort(), "quota.alerts.email.security=none",
        "quota.alerts.email.from=Quota <quota@service.test>",
        "quota.alerts.email.link=https://service.test/upgrade");
  }

  // --- channels only when enabled -------------------------------------------------------------------------

  @Test
  void withoutPropertiesNoChannelIsCreated() {
    runner.run(context -> {
      assertThat(context).hasNotFailed().doesNotHaveBean(EmailChannel.class).doesNotHaveBean(WebhookChannel.class);
      assertThat(context).hasSingleBean(QuotaAlertProperties.class);
    });
  }

  @Test
  void withoutQuotaNotifyOnTheClassPathNoChannelIsCreatedEvenWhenEnabled() {
    email().withClassLoader(new FilteredClassLoader(EmailChannel.class))
        .withPropertyValues("quota.alerts.webhook.enabled=true", "quota.alerts.webhook.url=https://hooks.test/q",
            "quota.alerts.webhook.secret=" + SECRET)
        .run(context -> {
          assertThat(context).hasNotFailed().doesNotHaveBean(NotificationChannel.class);
          assertThat(context).hasSingleBean(Quota.class);
        });
  }

  // --- e-mail ---------------------------------------------------------------------------------------------

  @Test
  void anAlertIsSentAsAnEmailToTheRecipientsTheApplicationNames() throws Exception {
    email().run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(EmailChannel.class);
      QuotaGuard guard = context.getBean(QuotaGuard.class);

      guard.tryConsume(ACME, Meter.AI_TOKENS, 85_000, UsageKey.of("session-1"));

      assertThat(smtp.waitForIncomingEmail(30_000, 1)).isTrue();
      MimeMessage message = smtp.getReceivedMessages()[0];
      assertThat(message.getSubject()).isEqualTo("acme has used 85% of its ai-tokens quota");
      assertThat(message.getRecipients(Message.RecipientType.TO)).extracting(Object::toString)
          .containsExactly("owner@acme.test");
      assertThat(message.getFrom()).extracting(Object::toString).containsExactly("Quota <quota@service.test>");
    });
  }

  @Test
  void anEnabledEmailChannelWithoutAHostFailsStartUpNamingIt() {
    assertInvalid(email().withPropertyValues("quota.alerts.email.host="), "quota.alerts.email.host", "must be set");
  }

  @Test
  void anInvalidSenderFailsStartUpNamingIt() {
    assertInvalid(email().withPropertyValues("quota.alerts.email.from=not an address"), "quota.alerts.email.from",
        "from");
  }

  @Test
  void anUnknownSecurityFailsStartUpNamingIt() {
    assertInvalid(email().withPropertyValues("quota.alerts.email.security=tls13"), "quota.alerts.email.security",
        "starttls, ssl or none");
  }

  @Test
  void aPortOutOfRangeFailsStartUpNamingIt() {
    assertInvalid(email().withPropertyValues("quota.alerts.email.port=70000"), "quota.alerts.email.port",
        "1..65535");
  }

  @Test
  void anEmailChannelWithoutRecipientsFailsStartUpNamingTheTableProperty() {
    assertInvalid(runner.withPropertyValues("quota.alerts.email.enabled=true", "quota.alerts.email.host=127.0.0.1",
            "quota.alerts.email.from=quota@service.test", "quota.alerts.email.link=https://service.test/upgrade"),
        "quota.alerts.email.recipients.table", "EmailRecipients bean");
  }

  // --- webhooks -------------------------------------------------------------------------------------------

  @Test
  void anAlertIsPostedToTheWebhookSignedWithTheConfiguredSecret() throws IOException {
    List<String> bodies = new CopyOnWriteArrayList<>();
    List<String> signatures = new CopyOnWriteArrayList<>();
    HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext("/quota", exchange -> {
      bodies.add(new String(exchange.getRequestBody().readAllBytes(), UTF_8));
      signatures.add(exchange.getRequestHeaders().getFirst(WebhookSignature.HEADER));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    receiver.start();
    try {
      runner.withPropertyValues("quota.alerts.webhook.enabled=true", "quota.alerts.webhook.allow-plain-http=true",
              "quota.alerts.webhook.url=http://127.0.0.1:" + receiver.getAddress().getPort() + "/quota",
              "quota.alerts.webhook.secret=" + SECRET)
          .run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(WebhookChannel.class).doesNotHaveBean(EmailChannel.class);

            context.getBean(QuotaGuard.class).tryConsume(ACME, Meter.AI_TOKENS, 85_000, UsageKey.of("session-1"));

            await().atMost(Duration.ofSeconds(30)).until(() -> !bodies.isEmpty());
            assertThat(bodies.get(0)).contains("\"tenant\":\"acme\"").contains("quota.threshold_crossed");
            // throws if the body was not signed with this secret
            WebhookSignature.verify(SECRET, signatures.get(0), bodies.get(0), Duration.ofMinutes(5), Instant.now());
          });
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void aShortWebhookSecretFailsStartUpNamingItWithoutShowingIt() {
    runner.withPropertyValues("quota.alerts.webhook.enabled=true", "quota.alerts.webhook.url=https://hooks.test/q",
        "quota.alerts.webhook.secret=short-secret").run(context -> {
          assertThat(context).hasFailed();
          InvalidConfigurationPropertyValueException invalid =
              findCause(context.getStartupFailure(), InvalidConfigurationPropertyValueException.class);
          assertThat(invalid.getName()).isEqualTo("quota.alerts.webhook.secret");
          assertThat(invalid.getMessage()).doesNotContain("short-secret");
        });
  }

  @Test
  void aPlainHttpWebhookUrlFailsStartUpUnlessAllowed() {
    assertInvalid(runner.withPropertyValues("quota.alerts.webhook.enabled=true",
        "quota.alerts.webhook.url=http://hooks.test/q", "quota.alerts.webhook.secret=" + SECRET),
        "quota.alerts.webhook.url", "https");
  }

  @Test
  void allowedHostsWithoutTenantUrlsFailStartUpNamingThem() {
    assertInvalid(runner.withPropertyValues("quota.alerts.webhook.enabled=true",
        "quota.alerts.webhook.url=https://hooks.test/q", "quota.alerts.webhook.secret=" + SECRET,
        "quota.alerts.webhook.allowed-hosts=*.customers.test"),
        "quota.alerts.webhook.allowed-hosts", "QuotaTenantWebhookUrls");
  }

  // --- the dispatcher -------------------------------------------------------------------------------------

  @Test
  void aLeaseOutOfRangeFailsStartUpNamingIt() {
    assertInvalid(runner.withPropertyValues("quota.alerts.dispatcher.lease=10ms"), "quota.alerts.dispatcher.lease",
        "lease");
  }

  @Test
  void aNegativeGiveUpTimeFailsStartUpNamingIt() {
    assertInvalid(runner.withPropertyValues("quota.alerts.dispatcher.give-up-after=-1s"),
        "quota.alerts.dispatcher.give-up-after", "give up after");
  }

  @Test
  void aRetentionOutOfRangeFailsStartUpNamingIt() {
    assertInvalid(runner.withPropertyValues("quota.alerts.dispatcher.retention=10m"),
        "quota.alerts.dispatcher.retention", "retention");
  }

  @Test
  void theDispatcherStopsWhenTheContextCloses() {
    Quota[] quota = new Quota[1];
    email().run(context -> quota[0] = context.getBean(Quota.class));

    // a closed dispatcher refuses to start again
    assertThatThrownBy(() -> quota[0].dispatcher().orElseThrow().start())
        .isInstanceOf(IllegalStateException.class);
  }

  // --- helpers --------------------------------------------------------------------------------------------

  private static void assertInvalid(ApplicationContextRunner runner, String property, String reason) {
    runner.run((AssertableApplicationContext context) -> {
      assertThat(context).hasFailed();
      InvalidConfigurationPropertyValueException invalid =
          findCause(context.getStartupFailure(), InvalidConfigurationPropertyValueException.class);
      assertThat(invalid.getName()).isEqualTo(property);
      assertThat(invalid.getMessage()).contains(property).contains(reason);
    });
  }

  private static <T extends Throwable> T findCause(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in " + failure, failure);
  }
}

package dev.quota.spring.boot.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import dev.quota.Meter;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.spring.boot.autoconfigure.QuotaAlertsAutoConfiguration;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * An e-mail alert goes to the addresses of the application's own table (quota.alerts.email.recipients.*), read with
 * the tenant id as a bind value and quoted names, on a real PostgreSQL and a real SMTP server.
 */
class EmailRecipientsTableTest {
  @RegisterExtension
  static final TestDatabase database = new TestDatabase();

  @RegisterExtension
  static final GreenMailExtension smtp =
      new GreenMailExtension(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());

  private ApplicationContextRunner runner(String schema, String... properties) {
    return PostgresRunner.forSchema(schema)
        .withConfiguration(AutoConfigurations.of(QuotaAlertsAutoConfiguration.class))
        .withPropertyValues("quota.alerts.dispatcher.poll-interval=50ms",
            "quota.alerts.email.enabled=true", "quota.alerts.email.host=127.0.0.1",
            "quota.alerts.email.port=" + smtp.getSmtp().getPort(), "quota.alerts.email.security=none",
            "quota.alerts.email.from=quota@service.test", "quota.alerts.email.link=https://service.test/upgrade")
        .withPropertyValues(properties);
  }

  @Test
  void anAlertGoesToEveryAddressOfTheTenantInTheApplicationsTable() throws Exception {
    String host = database.hostSchema();
    database.execute("CREATE SCHEMA \"" + host + "\"");
    // a table and columns whose names need quoting
    database.execute("CREATE TABLE \"" + host + "\".\"user\" (\"Tenant\" bigint, \"e-mail\" text)");
    database.execute("INSERT INTO \"" + host + "\".\"user\" VALUES (42, 'ada@acme.test'), (42, 'bob@acme.test'),"
        + " (42, NULL), (43, 'someone@else.test')");

    runner(database.schema(), "quota.alerts.email.recipients.schema=" + host,
        "quota.alerts.email.recipients.table=user", "quota.alerts.email.recipients.id-column=Tenant",
        "quota.alerts.email.recipients.email-column=e-mail", "quota.alerts.email.recipients.id-type=bigint")
        .run(context -> {
          assertThat(context).hasNotFailed();
          QuotaGuard guard = context.getBean(QuotaGuard.class);

          guard.tryConsume(TenantId.of("42"), Meter.AI_TOKENS, 85_000, UsageKey.of("session-1"));

          // GreenMail counts a message once in waitForIncomingEmail, but keeps a copy per recipient
          await().atMost(Duration.ofSeconds(30)).until(() -> smtp.getReceivedMessages().length >= 2);
          MimeMessage[] received = smtp.getReceivedMessages();
          // one message, to both addresses
          Set<String> ids = new HashSet<>();
          for (MimeMessage message : received) {
            ids.add(message.getMessageID());
          }
          assertThat(ids).hasSize(1);
          assertThat(received[0].getRecipients(Message.RecipientType.TO)).extracting(Object::toString)
              .containsExactlyInAnyOrder("ada@acme.test", "bob@acme.test");
        });
  }

  @Test
  void aRecipientsTableThatDoesNotExistFailsStartUpNamingIt() {
    runner(database.schema("missing"), "quota.alerts.email.recipients.table=no_such_table").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("no_such_table");
      assertThat(context.getStartupFailure()).hasStackTraceContaining("quota.alerts.email.recipients");
    });
  }
}

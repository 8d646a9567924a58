package dev.quota.spring.boot.autoconfigure;

import dev.quota.Quota;
import dev.quota.notify.EmailChannel;
import dev.quota.notify.EmailRecipients;
import dev.quota.notify.SmtpSecurity;
import dev.quota.notify.UrlPolicy;
import dev.quota.notify.WebhookChannel;
import dev.quota.spring.boot.QuotaTenantWebhookUrls;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.jooq.exception.DataAccessException;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;

/**
 * quota-notify's channels from the {@code quota.alerts.email.*} and {@code quota.alerts.webhook.*} properties, each
 * created only when enabled and only with quota-notify on the class path. {@link QuotaAutoConfiguration} hands every
 * {@link dev.quota.alert.NotificationChannel} bean to the {@link Quota} builder, whose dispatcher delivers the outbox's
 * notifications to them and stops when the context closes.
 *
 * <p>A tenant's e-mail recipients come from the application's {@link EmailRecipients} bean if it has one, else from
 * the table named by {@code quota.alerts.email.recipients.table}. Tenants' own webhook URLs come from a
 * {@link QuotaTenantWebhookUrls} bean, checked against {@code quota.alerts.webhook.allowed-hosts}.
 */
@AutoConfiguration(before = QuotaAutoConfiguration.class)
@ConditionalOnClass({Quota.class, EmailChannel.class})
@EnableConfigurationProperties(QuotaAlertProperties.class)
public class QuotaAlertsAutoConfiguration {
  private static final String EMAIL = "quota.alerts.email.";
  private static final String WEBHOOK = "quota.alerts.webhook.";

  /** Creates the configuration; Spring Boot does. */
  public QuotaAlertsAutoConfiguration() {}

  /**
   * The e-mail channel, when {@code quota.alerts.email.enabled=true}.
   *
   * @param properties the properties
   * @param recipients the application's recipient look-up, if it has exactly one
   * @param dataSource the application's database, for {@code quota.alerts.email.recipients.table}
   * @param clock the application's clock, if it has exactly one, for the messages' {@code Date}
   * @return the channel
   * @throws InvalidConfigurationPropertyValueException naming the first property that is missing or invalid
   */
  @Bean
  @ConditionalOnMissingBean(EmailChannel.class)
  @ConditionalOnProperty(prefix = "quota.alerts.email", name = "enabled", havingValue = "true")
  @DependsOnDatabaseInitialization
  public EmailChannel quotaEmailChannel(QuotaAlertProperties properties, ObjectProvider<EmailRecipients> recipients,
      ObjectProvider<DataSource> dataSource, ObjectProvider<Clock> clock) {
    QuotaAlertProperties.Email email = properties.getEmail();
    EmailChannel.Builder builder = EmailChannel.builder().clock(clock.getIfUnique(Clock::systemUTC));
    String host = required(EMAIL + "host", email.getHost());
    set(EMAIL + "host", host, () -> builder.host(host));
    String security = email.getSecurity();
    set(EMAIL + "security", security, () -> builder.security(security(security)));
    Integer port = email.getPort();
    if (port != null) {
      set(EMAIL + "port", port, () -> builder.port(port));
    }
    String username = email.getUsername();
    String password = email.getPassword();
    if (username != null) {
      String secret = required(EMAIL + "password", password);
      set(EMAIL + "username", username, () -> builder.credentials(username, secret));
    } else if (password != null) {
      throw new InvalidConfigurationPropertyValueException(EMAIL + "username", null,
          "must be set with quota.alerts.email.password");
    }
    String from = required(EMAIL + "from", email.getFrom());
    set(EMAIL + "from", from, () -> builder.from(from));
    URI link = required(EMAIL + "link", email.getLink());
    set(EMAIL + "link", link, () -> builder.link(link));
    set(EMAIL + "zone", email.getZone(), () -> builder.zone(email.getZone()));
    set(EMAIL + "connect-timeout", email.getConnectTimeout(), () -> builder.connectTimeout(email.getConnectTimeout()));
    set(EMAIL + "read-timeout", email.getReadTimeout(), () -> builder.readTimeout(email.getReadTimeout()));
    builder.recipients(recipients(email.getRecipients(), recipients.getIfUnique(), dataSource.getIfUnique()));
    return builder.build();
  }

  /**
   * The webhook channel, when {@code quota.alerts.webhook.enabled=true}. The context closes it, ending its
   * connections.
   *
   * @param properties the properties
   * @param tenantUrls tenants' own URLs, if the application has such a bean
   * @param clock the application's clock, if it has exactly one, for the signatures' timestamps
   * @return the channel
   * @throws InvalidConfigurationPropertyValueException naming the first property that is missing or invalid
   */
  @Bean
  @ConditionalOnMissingBean(WebhookChannel.class)
  @ConditionalOnProperty(prefix = "quota.alerts.webhook", name = "enabled", havingValue = "true")
  public WebhookChannel quotaWebhookChannel(QuotaAlertProperties properties,
      ObjectProvider<QuotaTenantWebhookUrls> tenantUrls, ObjectProvider<Clock> clock) {
    QuotaAlertProperties.Webhook webhook = properties.getWebhook();
    WebhookChannel.Builder builder = WebhookChannel.builder().clock(clock.getIfUnique(Clock::systemUTC));
    String secret = required(WEBHOOK + "secret", webhook.getSecret());
    // the secret itself is never shown in a failure
    set(WEBHOOK + "secret", "(" + secret.length() + " characters)", () -> builder.secret(secret));
    if (webhook.isAllowPlainHttp()) {
      builder.allowPlainHttp();
    }
    set(WEBHOOK + "connect-timeout", webhook.getConnectTimeout(),
        () -> builder.connectTimeout(webhook.getConnectTimeout()));
    set(WEBHOOK + "request-timeout", webhook.getRequestTimeout(),
        () -> builder.requestTimeout(webhook.getRequestTimeout()));
    UrlPolicy.Builder policy = UrlPolicy.builder();
    List<String> hosts = webhook.getAllowedHosts();
    set(WEBHOOK + "allowed-hosts", hosts, () -> policy.allowHosts(hosts.toArray(String[]::new)));
    QuotaTenantWebhookUrls perTenant = tenantUrls.getIfUnique();
    if (perTenant != null) {
      builder.tenantUrls(perTenant::urlOf, policy.build());
    } else if (!hosts.isEmpty()) {
      throw new InvalidConfigurationPropertyValueException(WEBHOOK + "allowed-hosts", hosts,
          "applies to tenants' own URLs, and the application has no QuotaTenantWebhookUrls bean");
    }
    URI url = webhook.getUrl();
    if (url == null && perTenant == null) {
      throw new InvalidConfigurationPropertyValueException(WEBHOOK + "url", null,
          "must be set, unless the application has a QuotaTenantWebhookUrls bean");
    }
    if (url != null) {
      builder.url(url);
    }
    // with the secret and the look-up checked, what build() can still refuse is the URL's form
    WebhookChannel[] built = new WebhookChannel[1];
    set(WEBHOOK + "url", url, () -> built[0] = builder.build());
    return built[0];
  }

  private static EmailRecipients recipients(QuotaAlertProperties.Recipients table, @Nullable EmailRecipients bean,
      @Nullable DataSource dataSource) {
    if (bean != null) {
      String ignored = table.getTable();
      if (ignored != null) {
        throw new InvalidConfigurationPropertyValueException(EMAIL + "recipients.table", ignored,
            "must not be set while the application has an EmailRecipients bean, which would be used instead");
      }
      return bean;
    }
    String given = table.getTable();
    String name = required(EMAIL + "recipients.table", given != null && !given.isBlank() ? given : null,
        "must be set (or the application must have an EmailRecipients bean) when quota.alerts.email.enabled=true");
    if (dataSource == null) {
      throw new InvalidConfigurationPropertyValueException(EMAIL + "recipients.table", name,
          "needs the application's DataSource, and there is none (or more than one)");
    }
    HostEmailRecipientsTable hostTable = new HostEmailRecipientsTable(dataSource, table.getSchema(), name,
        table.getIdColumn(), table.getEmailColumn(), table.getIdType());
    try {
      hostTable.check();
    } catch (DataAccessException e) {
      throw new QuotaStartupException("quota.alerts.email.recipients names " + hostTable.describe()
          + ", which cannot be read: " + e.getMessage(),
          "Create the table (before quota starts, in the application's own migrations), grant SELECT on the two "
          + "columns, or correct quota.alerts.email.recipients.schema, table, id-column and email-column.");
    }
    return hostTable;
  }

  private static SmtpSecurity security(String value) {
    try {
      return SmtpSecurity.valueOf(value.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("must be starttls, ssl or none", e);
    }
  }

  private static <T> T required(String property, @Nullable T value) {
    return required(property, value, "must be set when " + property.substring(0, property.indexOf('.', 13))
        + ".enabled=true");
  }

  private static <T> T required(String property, @Nullable T value, String reason) {
    if (value == null || value instanceof String s && s.isBlank()) {
      throw new InvalidConfigurationPropertyValueException(property, value, reason);
    }
    return value;
  }

  /** Runs one setter of quota-notify's builders, turning its refusal into a failure naming the property. */
  private static void set(String property, @Nullable Object value, Runnable setter) {
    try {
      setter.run();
    } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
      throw new InvalidConfigurationPropertyValueException(property, value,
          e.getMessage() != null ? e.getMessage() : "must be set");
    }
  }
}

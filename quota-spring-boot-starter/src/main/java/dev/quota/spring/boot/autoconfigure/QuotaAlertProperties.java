package dev.quota.spring.boot.autoconfigure;

import dev.quota.alert.NotificationDispatcher;
import dev.quota.spring.boot.autoconfigure.QuotaProperties.IdType;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code quota.alerts.*} properties of delivery: the notification dispatcher's settings, and the e-mail and
 * webhook channels (with quota-notify on the class path). {@code quota.alerts.thresholds} is bound by
 * {@link QuotaProperties}. Both channels are off until enabled; invalid values stop the application at start-up with
 * a message naming the property.
 *
 * {@snippet lang=yaml :
 * quota:
 *   alerts:
 *     email:
 *       enabled: true
 *       host: smtp.example.com
 *       username: alerts
 *       password: ${SMTP_PASSWORD}
 *       from: Example <quota@example.com>
 *       link: https://example.com/billing/upgrade
 *       recipients:
 *         table: app_user
 *         id-column: tenant_id
 *         email-column: email
 *     webhook:
 *       enabled: true
 *       url: https://hooks.example.com/quota
 *       secret: ${QUOTA_WEBHOOK_SECRET}
 * }
 */
@ConfigurationProperties("quota.alerts")
public class QuotaAlertProperties {
  /** How this instance delivers the outbox's notifications. */
  private final Dispatcher dispatcher = new Dispatcher();

  /** Alerts as e-mail. */
  private final Email email = new Email();

  /** Alerts as webhooks. */
  private final Webhook webhook = new Webhook();

  /** Creates the properties with their defaults; Spring Boot binds them. */
  public QuotaAlertProperties() {}

  /** @return the dispatcher's settings */
  public Dispatcher getDispatcher() {
    return dispatcher;
  }

  /** @return the e-mail channel's settings */
  public Email getEmail() {
    return email;
  }

  /** @return the webhook channel's settings */
  public Webhook getWebhook() {
    return webhook;
  }

  /** How this instance delivers the outbox's notifications. */
  public static class Dispatcher {
    /** How long the dispatcher waits before looking again when nothing was due. */
    private Duration pollInterval = NotificationDispatcher.Builder.DEFAULT_POLL_INTERVAL;

    /** How long after queueing a delivery is retried before it is marked failed. */
    private Duration giveUpAfter = NotificationDispatcher.Builder.DEFAULT_GIVE_UP_AFTER;

    /** How long a claimed delivery is held by this instance before another may claim it again. */
    private Duration lease = NotificationDispatcher.Builder.DEFAULT_LEASE;

    /** How long a notification is kept once all its deliveries arrived; failed and pending ones are kept. */
    private Duration retention = NotificationDispatcher.Builder.DEFAULT_RETENTION;

    /** @return how long the dispatcher waits before looking again when nothing was due */
    public Duration getPollInterval() {
      return pollInterval;
    }

    /** @param pollInterval how long the dispatcher waits before looking again when nothing was due */
    public void setPollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
    }

    /** @return how long after queueing a delivery is retried before it is marked failed */
    public Duration getGiveUpAfter() {
      return giveUpAfter;
    }

    /** @param giveUpAfter how long after queueing a delivery is retried before it is marked failed */
    public void setGiveUpAfter(Duration giveUpAfter) {
      this.giveUpAfter = giveUpAfter;
    }

    /** @return how long a claimed delivery is held by this instance before another may claim it again */
    public Duration getLease() {
      return lease;
    }

    /** @param lease how long a claimed delivery is held by this instance before another may claim it again */
    public void setLease(Duration lease) {
      this.lease = lease;
    }

    /** @return how long a notification is kept once all its deliveries arrived */
    public Duration getRetention() {
      return retention;
    }

    /** @param retention how long a notification is kept once all its deliveries arrived */
    public void setRetention(Duration retention) {
      this.retention = retention;
    }
  }

  /** Alerts as e-mail over SMTP (quota-notify's EmailChannel). */
  public static class Email {
    /** Where each tenant's addresses are read. */
    private final Recipients recipients = new Recipients();

    /** Whether alerts are sent as e-mail. */
    private boolean enabled = false;

    /** The SMTP server's host name. Required when enabled. */
    private @Nullable String host;

    /** The SMTP server's port, 1 to 65535. Unset: 587 for starttls, 465 for ssl, 25 for none. */
    private @Nullable Integer port;

    /** How the connection is protected: starttls (required, never a fallback to plain), ssl or none. */
    private String security = "starttls";

    /** The SMTP user name. Unset: no SMTP AUTH. */
    private @Nullable String username;

    /** The SMTP password, with username. */
    private @Nullable String password;

    /** The sender, one address such as Example <quota@example.com>. Required when enabled. */
    private @Nullable String from;

    /**
     * The link in the messages ({link} of the templates): the application's upgrade page, an absolute https or http
     * URI. Required when enabled, by the default templates.
     */
    private @Nullable URI link;

    /** The time zone of the times in the messages. */
    private ZoneId zone = ZoneOffset.UTC;

    /** How long to wait for the connection to the server. */
    private Duration connectTimeout = Duration.ofSeconds(10);

    /** How long to wait for each reply of the server. */
    private Duration readTimeout = Duration.ofSeconds(30);

    /** @return whether alerts are sent as e-mail */
    public boolean isEnabled() {
      return enabled;
    }

    /** @param enabled whether alerts are sent as e-mail */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** @return the SMTP server's host name */
    public @Nullable String getHost() {
      return host;
    }

    /** @param host the SMTP server's host name */
    public void setHost(@Nullable String host) {
      this.host = host;
    }

    /** @return the SMTP server's port, 1 to 65535 */
    public @Nullable Integer getPort() {
      return port;
    }

    /** @param port the SMTP server's port, 1 to 65535 */
    public void setPort(@Nullable Integer port) {
      this.port = port;
    }

    /** @return how the connection is protected: starttls (required, never a fallback to plain), ssl or none */
    public String getSecurity() {
      return security;
    }

    /** @param security how the connection is protected: starttls (required, never a fallback to plain), ssl or none */
    public void setSecurity(String security) {
      this.security = security;
    }

    /** @return the SMTP user name */
    public @Nullable String getUsername() {
      return username;
    }

    /** @param username the SMTP user name */
    public void setUsername(@Nullable String username) {
      this.username = username;
    }

    /** @return the SMTP password, with username */
    public @Nullable String getPassword() {
      return password;
    }

    /** @param password the SMTP password, with username */
    public void setPassword(@Nullable String password) {
      this.password = password;
    }

    /** @return the sender, one address such as Example <quota@example */
    public @Nullable String getFrom() {
      return from;
    }

    /** @param from the sender, one address such as Example <quota@example */
    public void setFrom(@Nullable String from) {
      this.from = from;
    }

    /**
     * @return the link in the messages ({link} of the templates): the application's upgrade page, an absolute https or
     * http URI
     */
    public @Nullable URI getLink() {
      return link;
    }

    /**
     * @param link the link in the messages ({link} of the templates): the application's upgrade page, an absolute https
     * or http URI
     */
    public void setLink(@Nullable URI link) {
      this.link = link;
    }

    /** @return the time zone of the times in the messages */
    public ZoneId getZone() {
      return zone;
    }

    /** @param zone the time zone of the times in the messages */
    public void setZone(ZoneId zone) {
      this.zone = zone;
    }

    /** @return how long to wait for the connection to the server */
    public Duration getConnectTimeout() {
      return connectTimeout;
    }

    /** @param connectTimeout how long to wait for the connection to the server */
    public void setConnectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
    }

    /** @return how long to wait for each reply of the server */
    public Duration getReadTimeout() {
      return readTimeout;
    }

    /** @param readTimeout how long to wait for each reply of the server */
    public void setReadTimeout(Duration readTimeout) {
      this.readTimeout = readTimeout;
    }

    /** @return where each tenant's addresses are read */
    public Recipients getRecipients() {
      return recipients;
    }
  }

  /**
   * The application's table holding each tenant's alert address: read with the tenant id on every delivery, unless the
   * application has an EmailRecipients bean.
   */
  public static class Recipients {
    /** The table, such as app_user. Unset: the application's EmailRecipients bean is used. */
    private @Nullable String table;

    /** The table's schema. */
    private String schema = "public";

    /** The column holding the tenant id. */
    private String idColumn = "id";

    /** The column holding the address; a tenant with several rows gets one e-mail to all of them. */
    private String emailColumn = "email";

    /** The id column's SQL type: text (also for varchar), bigint, integer or uuid; the tenant id is cast to it. */
    private IdType idType = IdType.TEXT;

    /** @return the table, such as app_user */
    public @Nullable String getTable() {
      return table;
    }

    /** @param table the table, such as app_user */
    public void setTable(@Nullable String table) {
      this.table = table;
    }

    /** @return the table's schema */
    public String getSchema() {
      return schema;
    }

    /** @param schema the table's schema */
    public void setSchema(String schema) {
      this.schema = schema;
    }

    /** @return the column holding the tenant id */
    public String getIdColumn() {
      return idColumn;
    }

    /** @param idColumn the column holding the tenant id */
    public void setIdColumn(String idColumn) {
      this.idColumn = idColumn;
    }

    /** @return the column holding the address; a tenant with several rows gets one e-mail to all of them */
    public String getEmailColumn() {
      return emailColumn;
    }

    /** @param emailColumn the column holding the address; a tenant with several rows gets one e-mail to all of them */
    public void setEmailColumn(String emailColumn) {
      this.emailColumn = emailColumn;
    }

    /**
     * @return the id column's SQL type: text (also for varchar), bigint, integer or uuid; the tenant id is cast to it
     */
    public IdType getIdType() {
      return idType;
    }

    /**
     * @param idType the id column's SQL type: text (also for varchar), bigint, integer or uuid; the tenant id is cast
     * to it
     */
    public void setIdType(IdType idType) {
      this.idType = idType;
    }
  }

  /** Alerts as signed JSON posted to a URL (quota-notify's WebhookChannel). */
  public static class Webhook {
    /** Whether alerts are posted as webhooks. */
    private boolean enabled = false;

    /**
     * The receiver's URL, https unless allow-plain-http. Required when enabled, unless the application has a
     * QuotaTenantWebhookUrls bean.
     */
    private @Nullable URI url;

    /** The shared secret that signs every delivery, at least 16 characters. Required when enabled. */
    private @Nullable String secret;

    /** Whether an http URL is allowed as well as https: for tests and receivers on the same machine. */
    private boolean allowPlainHttp = false;

    /** How long to wait for the connection to the receiver. */
    private Duration connectTimeout = Duration.ofSeconds(5);

    /** How long to wait for the receiver's answer once connected. */
    private Duration requestTimeout = Duration.ofSeconds(15);

    /**
     * The only hosts tenants' own URLs (a QuotaTenantWebhookUrls bean) may point to, exact or *.suffix; empty: any
     * public host.
     */
    private List<String> allowedHosts = new ArrayList<>();

    /** @return whether alerts are posted as webhooks */
    public boolean isEnabled() {
      return enabled;
    }

    /** @param enabled whether alerts are posted as webhooks */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** @return the receiver's URL, https unless allow-plain-http */
    public @Nullable URI getUrl() {
      return url;
    }

    /** @param url the receiver's URL, https unless allow-plain-http */
    public void setUrl(@Nullable URI url) {
      this.url = url;
    }

    /** @return the shared secret that signs every delivery, at least 16 characters */
    public @Nullable String getSecret() {
      return secret;
    }

    /** @param secret the shared secret that signs every delivery, at least 16 characters */
    public void setSecret(@Nullable String secret) {
      this.secret = secret;
    }

    /** @return whether an http URL is allowed as well as https: for tests and receivers on the same machine */
    public boolean isAllowPlainHttp() {
      return allowPlainHttp;
    }

    /**
     * @param allowPlainHttp whether an http URL is allowed as well as https: for tests and receivers on the same
     * machine
     */
    public void setAllowPlainHttp(boolean allowPlainHttp) {
      this.allowPlainHttp = allowPlainHttp;
    }

    /** @return how long to wait for the connection to the receiver */
    public Duration getConnectTimeout() {
      return connectTimeout;
    }

    /** @param connectTimeout how long to wait for the connection to the receiver */
    public void setConnectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
    }

    /** @return how long to wait for the receiver's answer once connected */
    public Duration getRequestTimeout() {
      return requestTimeout;
    }

    /** @param requestTimeout how long to wait for the receiver's answer once connected */
    public void setRequestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
    }

    /** @return the only hosts tenants' own URLs (a QuotaTenantWebhookUrls bean) may point to, exact or * */
    public List<String> getAllowedHosts() {
      return allowedHosts;
    }

    /** @param allowedHosts the only hosts tenants' own URLs (a QuotaTenantWebhookUrls bean) may point to, exact or * */
    public void setAllowedHosts(List<String> allowedHosts) {
      this.allowedHosts = allowedHosts;
    }
  }
}

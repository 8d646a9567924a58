package dev.quota.notify;

import dev.quota.TenantId;
import dev.quota.alert.DeliveryException;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationChannel;
import dev.quota.alert.NotificationKind;
import dev.quota.notify.internal.SmtpFailures;
import dev.quota.notify.internal.Template;
import dev.quota.notify.internal.Text;
import dev.quota.notify.internal.Timeouts;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * Sends each notification as an e-mail over SMTP (Jakarta Mail, Eclipse Angus): a {@code multipart/alternative}
 * message with a plain-text and an HTML body, from the {@link EmailTemplate} of the notification's kind, to the
 * addresses {@link EmailRecipients} finds for the tenant.
 *
 * <p>Every message carries the notification's id twice: in {@code X-Quota-Notification-Id}, and in its
 * {@code Message-ID}, which is the same on every attempt, so that a mail system that keeps message ids drops a
 * duplicate. It is marked {@code Auto-Submitted: auto-generated}, so that vacation responders stay quiet.
 *
 * <p>Failures: no connection, a timeout, a 4xx reply, a failed login or an exception from {@link EmailRecipients}
 * or from the host's tenant names or link are {@linkplain DeliveryException#retryable() retryable}; an invalid
 * address, no recipients or a 5xx reply are not.
 *
 * {@snippet :
 * EmailChannel email = EmailChannel.builder()
 *     .host("smtp.example.com")                      // STARTTLS on port 587 by default
 *     .credentials("alerts", System.getenv("SMTP_PASSWORD"))
 *     .from("quota@example.com")
 *     .recipients(tenant -> users.adminEmails(tenant.value()))
 *     .link(URI.create("https://example.com/billing/upgrade"))
 *     .zone(ZoneId.of("Europe/Berlin"))
 *     .build();
 * }
 */
public final class EmailChannel implements NotificationChannel {
  /** Subjects are cut to this many characters: enough for any template, short enough for any mail client. */
  private static final int SUBJECT_MAX = 250;
  /** Values are cut to this many characters: a whole tenant id (255) fits. */
  private static final int VALUE_MAX = 300;
  private static final int LINK_MAX = 2000;

  private final String name;
  private final String host;
  private final int port;
  private final String protocol;
  private final @Nullable String username;
  private final @Nullable String password;
  private final InternetAddress from;
  private final EmailRecipients recipients;
  private final Function<TenantId, String> tenantNames;
  private final @Nullable Function<TenantId, URI> link;
  private final Map<NotificationKind, Parsed> templates;
  private final DateTimeFormatter timeFormat;
  private final Clock clock;
  private final Session session;

  private EmailChannel(Builder b, String host, InternetAddress from, EmailRecipients recipients,
      Map<NotificationKind, Parsed> templates) {
    this.name = b.name;
    this.host = host;
    this.port = b.port > 0 ? b.port : defaultPort(b.security);
    this.protocol = b.security == SmtpSecurity.SSL ? "smtps" : "smtp";
    this.username = b.username;
    this.password = b.password;
    this.from = from;
    this.recipients = recipients;
    this.tenantNames = b.tenantNames;
    this.link = b.link;
    this.templates = templates;
    this.timeFormat = b.timeFormat.withZone(b.zone);
    this.clock = b.clock;
    this.session = Session.getInstance(properties(b, protocol));
  }

  private static int defaultPort(SmtpSecurity security) {
    return switch (security) {
      case STARTTLS -> 587;
      case SSL -> 465;
      case NONE -> 25;
    };
  }

  private static Properties properties(Builder b, String protocol) {
    String p = "mail." + protocol + ".";
    Properties props = new Properties();
    props.setProperty(p + "connectiontimeout", Long.toString(b.connectTimeout.toMillis()));
    props.setProperty(p + "timeout", Long.toString(b.readTimeout.toMillis()));
    props.setProperty(p + "writetimeout", Long.toString(b.writeTimeout.toMillis()));
    props.setProperty(p + "auth", Boolean.toString(b.username != null));
    switch (b.security) {
      case STARTTLS -> {
        props.setProperty(p + "starttls.enable", "true");
        // never fall back to a plain connection when the server does not offer STARTTLS
        props.setProperty(p + "starttls.required", "true");
        props.setProperty(p + "ssl.checkserveridentity", "true");
      }
      case SSL -> {
        props.setProperty(p + "ssl.enable", "true");
        props.setProperty(p + "ssl.checkserveridentity", "true");
      }
      case NONE -> {
        // nothing: a plain connection, as the host asked
      }
    }
    if (b.sslContext != null) {
      // an object, not a class name: Angus takes a socket factory instance from the properties
      props.put(p + "ssl.socketFactory", b.sslContext.getSocketFactory());
    }
    return props;
  }

  /**
   * A builder; {@code host}, {@code from} and {@code recipients} must be set.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * Sends the notification to the tenant's recipients, opening and closing one SMTP connection.
   *
   * @param notification what to send
   * @throws DeliveryException when it was not sent; see the class's description for which failures are retryable
   */
  @Override
  public void deliver(Notification notification) throws DeliveryException {
    List<InternetAddress> to = recipientsOf(notification.tenant());
    MimeMessage message;
    try {
      message = compose(notification, to);
    } catch (MessagingException e) {
      throw new DeliveryException("could not compose the message: " + e.getMessage(), false, e);
    } catch (RuntimeException e) {
      // the host's tenant names or link failed: retried, so that a fixed look-up still sends it
      throw new DeliveryException("could not compose the message: " + e, true, e);
    }
    try (Transport transport = session.getTransport(protocol)) {
      transport.connect(host, port, username, password);
      transport.sendMessage(message, message.getAllRecipients());
    } catch (MessagingException e) {
      throw SmtpFailures.classify(e);
    }
  }

  private List<InternetAddress> recipientsOf(TenantId tenant) throws DeliveryException {
    String who = "tenant '" + Text.singleLine(tenant.value(), 80) + "'";
    List<String> found;
    try {
      found = recipients.recipientsOf(tenant);
    } catch (RuntimeException e) {
      throw new DeliveryException("looking up the recipients of " + who + " failed: " + e, true, e);
    }
    if (found == null || found.isEmpty()) {
      throw new DeliveryException("no e-mail recipients for " + who, false, null);
    }
    List<InternetAddress> addresses = new ArrayList<>(found.size());
    for (int i = 0; i < found.size(); i++) {
      String raw = found.get(i);
      try {
        addresses.add(address("recipient " + (i + 1) + " of " + who, raw));
      } catch (IllegalArgumentException e) {
        throw new DeliveryException(String.valueOf(e.getMessage()), false, e);
      }
    }
    return addresses;
  }

  /**
   * Parses one address strictly: no line breaks or other control characters (which would end the header it is
   * written to), exactly one address, not a group.
   */
  static InternetAddress address(String field, @Nullable String raw) {
    if (raw == null) {
      throw new IllegalArgumentException(field + " must not be null");
    }
    for (int i = 0; i < raw.length(); i++) {
      if (Character.isISOControl(raw.charAt(i))) {
        throw new IllegalArgumentException(field + " must not contain control characters (found U+"
            + String.format(Locale.ROOT, "%04X", (int) raw.charAt(i)) + " at index " + i + ")");
      }
    }
    try {
      InternetAddress address = new InternetAddress(raw, true);
      address.validate();
      if (address.isGroup()) {
        throw new IllegalArgumentException(field + " must be one address, not a group, was '"
            + Text.singleLine(raw, 100) + "'");
      }
      return address;
    } catch (AddressException e) {
      throw new IllegalArgumentException(field + " is not a valid e-mail address ('" + Text.singleLine(raw, 100)
          + "'): " + e.getMessage(), e);
    }
  }

  private MimeMessage compose(Notification n, List<InternetAddress> to) throws MessagingException {
    Parsed template = Objects.requireNonNull(templates.get(n.kind()));
    Map<String, String> values = values(n);
    Map<String, String> htmlValues = new HashMap<>();
    values.forEach((k, v) -> htmlValues.put(k, Text.html(v)));

    MimeMessage message = new StableIdMessage(session, "<" + n.id() + ".quota@" + domainOf(from) + ">");
    message.setFrom(from);
    message.setRecipients(Message.RecipientType.TO, to.toArray(new Address[0]));
    // a header value on one line, cut, then encoded (RFC 2047) and folded by Jakarta Mail
    message.setSubject(Text.singleLine(template.subject().render(values), SUBJECT_MAX), "UTF-8");
    message.setSentDate(Date.from(clock.instant()));
    message.setHeader("X-Quota-Notification-Id", n.id().toString());
    message.setHeader("Auto-Submitted", "auto-generated");

    MimeBodyPart text = new MimeBodyPart();
    text.setText(template.text().render(values), "UTF-8", "plain");
    MimeBodyPart html = new MimeBodyPart();
    html.setText(template.html().render(htmlValues), "UTF-8", "html");
    // plain text first: a client shows the last part it can display
    MimeMultipart alternative = new MimeMultipart("alternative");
    alternative.addBodyPart(text);
    alternative.addBodyPart(html);
    message.setContent(alternative);
    message.saveChanges();
    return message;
  }

  /** Every placeholder's value, on one line and cut; the HTML body escapes them on top. */
  private Map<String, String> values(Notification n) {
    Map<String, String> v = new HashMap<>();
    v.put("tenant", Text.singleLine(n.tenant().value(), VALUE_MAX));
    v.put("tenantName", Text.singleLine(tenantName(n.tenant()), VALUE_MAX));
    v.put("meter", Text.singleLine(n.meter().name(), VALUE_MAX));
    v.put("used", Long.toString(n.used()));
    v.put("ceiling", Long.toString(n.ceiling()));
    v.put("percent", Long.toString(percent(n.used(), n.ceiling())));
    v.put("threshold", Integer.toString(n.thresholdPercent()));
    v.put("resetsAt", time(n.resetsAt()));
    v.put("periodStart", time(n.period().start()));
    v.put("occurredAt", time(n.occurredAt()));
    v.put("link", link == null ? "" : Text.singleLine(checkedLink(link.apply(n.tenant())).toString(), LINK_MAX));
    v.put("kind", n.kind().name().toLowerCase(Locale.ROOT));
    v.put("cause", Text.singleLine(n.cause(), VALUE_MAX));
    v.put("id", n.id().toString());
    return v;
  }

  private String tenantName(TenantId tenant) {
    String name = tenantNames.apply(tenant);
    return name == null || name.isBlank() ? tenant.value() : name;
  }

  private String time(Instant instant) {
    return timeFormat.format(instant);
  }

  /** The usage in percent of the ceiling, rounded down; 100 for any usage of a ceiling of 0. */
  static long percent(long used, long ceiling) {
    if (ceiling == 0) {
      return used == 0 ? 0 : 100;
    }
    return java.math.BigInteger.valueOf(used).multiply(java.math.BigInteger.valueOf(100))
        .divide(java.math.BigInteger.valueOf(ceiling)).longValueExact();
  }

  /** Only web links: a {@code javascript:} or {@code data:} URI in an e-mail's link would be worse than none. */
  static URI checkedLink(@Nullable URI uri) {
    if (uri == null) {
      throw new IllegalArgumentException("link must not be null");
    }
    String scheme = uri.getScheme();
    if (!uri.isAbsolute() || scheme == null
        || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))) {
      throw new IllegalArgumentException("link must be an absolute http or https URI, was '"
          + Text.singleLine(String.valueOf(uri), 200) + "'");
    }
    return uri;
  }

  private static String domainOf(InternetAddress address) {
    String a = address.getAddress();
    int at = a.lastIndexOf('@');
    return at >= 0 && at + 1 < a.length() ? a.substring(at + 1) : "localhost";
  }

  private record Parsed(Template subject, Template text, Template html) {
    static Parsed of(EmailTemplate t) {
      return new Parsed(Template.parse("subject", t.subject(), EmailTemplate.PLACEHOLDERS),
          Template.parse("text", t.text(), EmailTemplate.PLACEHOLDERS),
          Template.parse("html", t.html(), EmailTemplate.PLACEHOLDERS));
    }

    boolean uses(String placeholder) {
      return subject.names().contains(placeholder) || text.names().contains(placeholder)
          || html.names().contains(placeholder);
    }
  }

  /** A message whose {@code Message-ID} is the notification's, the same on every attempt. */
  private static final class StableIdMessage extends MimeMessage {
    private final String messageId;

    StableIdMessage(Session session, String messageId) {
      super(session);
      this.messageId = messageId;
    }

    @Override
    protected void updateMessageID() throws MessagingException {
      setHeader("Message-ID", messageId);
    }
  }

  /** Builds an {@link EmailChannel}. Every setter checks its value and names it when it refuses. */
  public static final class Builder {

    private String name = "email";
    private @Nullable String host;
    private int port;
    private SmtpSecurity security = SmtpSecurity.STARTTLS;
    private @Nullable String username;
    private @Nullable String password;
    private @Nullable InternetAddress from;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(30);
    private Duration writeTimeout = Duration.ofSeconds(30);
    private @Nullable EmailRecipients recipients;
    private Function<TenantId, String> tenantNames = TenantId::value;
    private @Nullable Function<TenantId, URI> link;
    private final Map<NotificationKind, EmailTemplate> templates = new EnumMap<>(NotificationKind.class);
    private ZoneId zone = ZoneOffset.UTC;
    private DateTimeFormatter timeFormat = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ENGLISH);
    private Clock clock = Clock.systemUTC();
    private @Nullable SSLContext sslContext;

    private Builder() {}

    /**
     * The channel's name in the outbox and in logs.
     *
     * @param name lower-case letters, digits and {@code -}, at most 32 characters; {@code email} by default
     * @return this builder
     */
    public Builder name(String name) {
      this.name = WebhookChannel.checkedName(name);
      return this;
    }

    /**
     * The SMTP server. Required.
     *
     * @param host its host name or address
     * @return this builder
     */
    public Builder host(String host) {
      Objects.requireNonNull(host, "host");
      if (host.isBlank() || host.chars().anyMatch(c -> c <= ' ')) {
        throw new IllegalArgumentException("host must be a host name without spaces, was '"
            + Text.singleLine(host, 100) + "'");
      }
      this.host = host;
      return this;
    }

    /**
     * The SMTP server's port.
     *
     * @param port 1..65535; by default 587 for {@link SmtpSecurity#STARTTLS}, 465 for {@link SmtpSecurity#SSL},
     *     25 for {@link SmtpSecurity#NONE}
     * @return this builder
     */
    public Builder port(int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be within 1..65535, was " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * How the connection is protected.
     *
     * @param security {@link SmtpSecurity#STARTTLS} by default
     * @return this builder
     */
    public Builder security(SmtpSecurity security) {
      this.security = Objects.requireNonNull(security, "security");
      return this;
    }

    /**
     * The TLS context for {@link SmtpSecurity#STARTTLS} and {@link SmtpSecurity#SSL}: to trust a private certificate
     * authority, for instance. The server's name is checked either way.
     *
     * @param sslContext the JVM's default context by default
     * @return this builder
     */
    public Builder sslContext(SSLContext sslContext) {
      this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
      return this;
    }

    /**
     * Logs in with these credentials (SMTP AUTH). Without them, the channel sends without logging in.
     *
     * @param username the user name
     * @param password the password
     * @return this builder
     */
    public Builder credentials(String username, String password) {
      Objects.requireNonNull(username, "username");
      Objects.requireNonNull(password, "password");
      if (username.isBlank()) {
        throw new IllegalArgumentException("username must not be blank");
      }
      this.username = username;
      this.password = password;
      return this;
    }

    /**
     * The sender. Required.
     *
     * @param address one address, e.g. {@code quota@example.com} or {@code Example <quota@example.com>}
     * @return this builder
     */
    public Builder from(String address) {
      this.from = address("from", address);
      return this;
    }

    /**
     * How long to wait for the connection to the server.
     *
     * @param timeout more than 0, at most 10 minutes; 10 seconds by default
     * @return this builder
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Timeouts.checked("connectTimeout", timeout);
      return this;
    }

    /**
     * How long to wait for each reply of the server.
     *
     * @param timeout more than 0, at most 10 minutes; 30 seconds by default
     * @return this builder
     */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = Timeouts.checked("readTimeout", timeout);
      return this;
    }

    /**
     * How long to wait for each write to the server.
     *
     * @param timeout more than 0, at most 10 minutes; 30 seconds by default
     * @return this builder
     */
    public Builder writeTimeout(Duration timeout) {
      this.writeTimeout = Timeouts.checked("writeTimeout", timeout);
      return this;
    }


    /**
     * How to find a tenant's recipients. Required.
     *
     * @param recipients the host's look-up
     * @return this builder
     */
    public Builder recipients(EmailRecipients recipients) {
      this.recipients = Objects.requireNonNull(recipients, "recipients");
      return this;
    }

    /**
     * The tenants' display names, for {@code {tenantName}}.
     *
     * @param tenantNames the host's look-up; a null or blank name falls back to the tenant id, which is also the
     *     default
     * @return this builder
     */
    public Builder tenantNames(Function<TenantId, String> tenantNames) {
      this.tenantNames = Objects.requireNonNull(tenantNames, "tenantNames");
      return this;
    }

    /**
     * The link for {@code {link}}, the same for every tenant: the host's upgrade page, for instance.
     *
     * @param link an absolute {@code https} or {@code http} URI
     * @return this builder
     */
    public Builder link(URI link) {
      URI checked = checkedLink(link);
      this.link = tenant -> checked;
      return this;
    }

    /**
     * The link for {@code {link}}, per tenant: a page with the tenant's plan, for instance.
     *
     * @param link the host's function; it must return an absolute {@code https} or {@code http} URI
     * @return this builder
     */
    public Builder link(Function<TenantId, URI> link) {
      this.link = Objects.requireNonNull(link, "link");
      return this;
    }

    /**
     * Replaces the template of one kind of notification.
     *
     * @param kind the kind
     * @param template its subject and bodies
     * @return this builder
     */
    public Builder template(NotificationKind kind, EmailTemplate template) {
      templates.put(Objects.requireNonNull(kind, "kind"), Objects.requireNonNull(template, "template"));
      return this;
    }

    /**
     * The time zone of {@code {resetsAt}}, {@code {periodStart}} and {@code {occurredAt}}.
     *
     * @param zone UTC by default
     * @return this builder
     */
    public Builder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /**
     * The format of {@code {resetsAt}}, {@code {periodStart}} and {@code {occurredAt}}; its zone is replaced by
     * {@link #zone(ZoneId)}.
     *
     * @param format {@code yyyy-MM-dd HH:mm z} in English by default ({@code 2027-01-01 01:00 CET})
     * @return this builder
     */
    public Builder timeFormat(DateTimeFormatter format) {
      this.timeFormat = Objects.requireNonNull(format, "format");
      return this;
    }

    /**
     * The clock of the {@code Date} header.
     *
     * @param clock the system clock by default
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the channel.
     *
     * @return the channel
     * @throws IllegalStateException naming what is missing: {@code host}, {@code from}, {@code recipients}, or
     *     {@code link} when a template uses {@code {link}}
     */
    public EmailChannel build() {
      if (host == null) {
        throw new IllegalStateException("host must be set");
      }
      if (from == null) {
        throw new IllegalStateException("from must be set");
      }
      if (recipients == null) {
        throw new IllegalStateException("recipients must be set");
      }
      Map<NotificationKind, Parsed> parsed = new EnumMap<>(NotificationKind.class);
      for (NotificationKind kind : NotificationKind.values()) {
        Parsed p = Parsed.of(templates.getOrDefault(kind, EmailTemplate.defaultFor(kind)));
        if (link == null && p.uses("link")) {
          throw new IllegalStateException("link must be set: the " + kind + " template uses {link}"
              + (templates.containsKey(kind) ? "" : " (the default templates link to the host's upgrade page)"));
        }
        parsed.put(kind, p);
      }
      return new EmailChannel(this, host, from, recipients, parsed);
    }
  }
}

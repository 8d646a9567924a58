package dev.quota.notify;

import dev.quota.TenantId;
import dev.quota.alert.DeliveryException;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationChannel;
import dev.quota.notify.internal.Json;
import dev.quota.notify.internal.Text;
import dev.quota.notify.internal.Timeouts;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * Posts each notification as JSON to a webhook URL, signed with the host's secret (see {@link WebhookSignature}).
 *
 * <p>Where it goes: a tenant's own URL, when {@link Builder#tenantUrls} has one for the tenant, checked against the
 * host's {@link UrlPolicy} on every delivery; otherwise the host's {@link Builder#url URL}; with neither, the
 * notification is not for this channel and counts as delivered. To send every notification to the host and to the
 * tenant as well, configure two channels under two names, so that each keeps its own delivery state.
 *
 * <p>The request: {@code POST}, {@code Content-Type: application/json; charset=utf-8}, the headers
 * {@code Quota-Notification-Id} (the notification's id, the same on every attempt) and {@code Quota-Signature}, and
 * the body README documents under "Webhook payload". Redirects are not followed.
 *
 * <p>The response: any 2xx is delivered. 408, 429, 5xx, a timeout or no connection is a
 * {@linkplain DeliveryException#retryable() retryable} failure; any other status (3xx, 4xx) is not, nor is a tenant
 * URL the policy refuses.
 *
 * {@snippet :
 * WebhookChannel webhooks = WebhookChannel.builder()
 *     .url(URI.create("https://ops.example.com/quota-events"))
 *     .secret(System.getenv("QUOTA_WEBHOOK_SECRET"))
 *     .build();
 * }
 */
public final class WebhookChannel implements NotificationChannel, AutoCloseable {
  private final String name;
  private final @Nullable URI url;
  private final @Nullable Function<TenantId, Optional<URI>> tenantUrls;
  private final @Nullable UrlPolicy tenantUrlPolicy;
  private final String secret;
  private final Duration requestTimeout;
  private final Clock clock;
  private final HttpClient client;

  private WebhookChannel(Builder b, String secret) {
    this.name = b.name;
    this.url = b.url;
    this.tenantUrls = b.tenantUrls;
    this.tenantUrlPolicy = b.tenantUrlPolicy;
    this.secret = secret;
    this.requestTimeout = b.requestTimeout;
    this.clock = b.clock;
    HttpClient.Builder client = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(b.connectTimeout)
        // HTTP/1.1: no attempt to upgrade plain connections to HTTP/2, which some receivers mishandle
        .version(HttpClient.Version.HTTP_1_1);
    if (b.sslContext != null) {
      client.sslContext(b.sslContext);
    }
    this.client = client.build();
  }

  /**
   * A builder; a {@code secret} and a {@code url} or {@code tenantUrls} (or both) must be set.
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
   * Posts the notification to its URL and waits for the answer, at most the connect timeout plus the request
   * timeout.
   *
   * @param notification what to send
   * @throws DeliveryException when it was not delivered; see the class's description for which failures are
   *     retryable
   */
  @Override
  public void deliver(Notification notification) throws DeliveryException {
    Optional<URI> target = targetOf(notification.tenant());
    if (target.isEmpty()) {
      return;
    }
    URI to = target.get();
    String body = Json.payload(notification);
    String signature = WebhookSignature.sign(secret, clock.instant().getEpochSecond(), body);
    HttpRequest request = HttpRequest.newBuilder(to)
        .timeout(requestTimeout)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("User-Agent", "quota-notify")
        .header(WebhookSignature.ID_HEADER, notification.id().toString())
        .header(WebhookSignature.HEADER, signature)
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
        .build();
    String where = shown(to);
    int status;
    try {
      HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
      status = response.statusCode();
      discard(response.body());
      if (status >= 300 && status < 400) {
        String location = response.headers().firstValue("Location").map(l -> " to " + Text.singleLine(l, 200))
            .orElse("");
        throw new DeliveryException(where + " answered " + status + ", a redirect" + location
            + ", which is not followed: configure the final URL", false, null);
      }
    } catch (HttpTimeoutException e) {
      throw new DeliveryException(where + " did not answer in time: " + e.getMessage(), true, e);
    } catch (IOException e) {
      throw new DeliveryException(where + " could not be reached: " + e, true, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeliveryException("interrupted while posting to " + where, true, e);
    }
    if (status >= 200 && status < 300) {
      return;
    }
    boolean retryable = status == 408 || status == 429 || status >= 500;
    throw new DeliveryException(where + " answered " + status, retryable, null);
  }

  /**
   * Closes the response body unread, so that a receiver cannot keep the channel waiting on it. The status is in by
   * then: a failure to close changes nothing about the delivery.
   */
  private static void discard(InputStream body) {
    try {
      body.close();
    } catch (IOException ignored) {
      // the connection is dropped instead of reused
    }
  }

  private Optional<URI> targetOf(TenantId tenant) throws DeliveryException {
    if (tenantUrls != null) {
      Optional<URI> own;
      try {
        own = tenantUrls.apply(tenant);
      } catch (RuntimeException e) {
        throw new DeliveryException("looking up the webhook URL of tenant '" + Text.singleLine(tenant.value(), 80)
            + "' failed: " + e, true, e);
      }
      if (own != null && own.isPresent()) {
        URI candidate = own.get();
        try {
          Objects.requireNonNull(tenantUrlPolicy).check(candidate);
        } catch (IllegalArgumentException e) {
          throw new DeliveryException("the webhook URL of tenant '" + Text.singleLine(tenant.value(), 80)
              + "' is refused: " + e.getMessage(), false, e);
        } catch (UnknownHostException e) {
          throw new DeliveryException("the webhook URL of tenant '" + Text.singleLine(tenant.value(), 80)
              + "' does not resolve: " + e.getMessage(), true, e);
        }
        return Optional.of(candidate);
      }
    }
    return Optional.ofNullable(url);
  }

  /** A URL for messages: without its query, which may hold a token. */
  private static String shown(URI url) {
    return Text.singleLine(url.getScheme() + "://" + url.getRawAuthority() + Objects.toString(url.getRawPath(), ""),
        200);
  }

  /** Closes the HTTP client, ending its connections. */
  @Override
  public void close() {
    client.close();
  }

  static String checkedName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.length() > 32
        || !name.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      throw new IllegalArgumentException("name must be 1..32 lower-case letters, digits and '-', was '"
          + Text.singleLine(name, 40) + "'");
    }
    return name;
  }

  /** Builds a {@link WebhookChannel}. Every setter checks its value and names it when it refuses. */
  public static final class Builder {

    private String name = "webhook";
    private @Nullable URI url;
    private boolean plainHttp;
    private @Nullable Function<TenantId, Optional<URI>> tenantUrls;
    private @Nullable UrlPolicy tenantUrlPolicy;
    private @Nullable String secret;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(15);
    private @Nullable SSLContext sslContext;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * The channel's name in the outbox and in logs.
     *
     * @param name lower-case letters, digits and {@code -}, at most 32 characters; {@code webhook} by default
     * @return this builder
     */
    public Builder name(String name) {
      this.name = checkedName(name);
      return this;
    }

    /**
     * The host's URL: every notification whose tenant has no URL of its own goes there. The host chose it, so only
     * its form is checked, when the channel is built: absolute, {@code https} (or {@code http} after
     * {@link #allowPlainHttp()}), without user info.
     *
     * @param url the receiver's URL
     * @return this builder
     */
    public Builder url(URI url) {
      this.url = Objects.requireNonNull(url, "url");
      return this;
    }

    /**
     * Allows an {@code http} URL for {@link #url(URI)}: for tests, and receivers on the same machine. Tenants' URLs
     * follow their {@link UrlPolicy} instead.
     *
     * @return this builder
     */
    public Builder allowPlainHttp() {
      this.plainHttp = true;
      return this;
    }

    /**
     * Tenants' own URLs, which tenants may have set: each is checked against {@code policy} on every delivery, and
     * a refused one is a failure that is not retried.
     *
     * @param tenantUrls the host's look-up; empty for a tenant without a URL of its own (then {@link #url(URI)}, if
     *     set, receives it). An exception thrown here is a failure that is retried.
     * @param policy which URLs are allowed; {@code UrlPolicy.builder().build()} for https to public addresses
     * @return this builder
     */
    public Builder tenantUrls(Function<TenantId, Optional<URI>> tenantUrls, UrlPolicy policy) {
      this.tenantUrls = Objects.requireNonNull(tenantUrls, "tenantUrls");
      this.tenantUrlPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * The shared secret that signs every delivery. Required.
     *
     * @param secret at least {@value WebhookSignature#MIN_SECRET_LENGTH} characters; a random one of 32 bytes or
     *     more, hex or Base64, is best
     * @return this builder
     */
    public Builder secret(String secret) {
      WebhookSignature.checkedSecret(secret);
      this.secret = secret;
      return this;
    }

    /**
     * How long to wait for the connection to the receiver.
     *
     * @param timeout more than 0, at most 10 minutes; 5 seconds by default
     * @return this builder
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Timeouts.checked("connectTimeout", timeout);
      return this;
    }

    /**
     * How long to wait for the receiver's answer once connected.
     *
     * @param timeout more than 0, at most 10 minutes; 15 seconds by default
     * @return this builder
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Timeouts.checked("requestTimeout", timeout);
      return this;
    }


    /**
     * The TLS context for {@code https}: to trust a private certificate authority, for instance.
     *
     * @param sslContext the JVM's default context by default
     * @return this builder
     */
    public Builder sslContext(SSLContext sslContext) {
      this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
      return this;
    }

    /**
     * The clock of the signature's timestamp.
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
     * @return the channel; close it to end its HTTP connections
     * @throws IllegalStateException when {@code secret} is missing, or both {@code url} and {@code tenantUrls}
     * @throws IllegalArgumentException when {@code url} is not an allowed URL
     */
    public WebhookChannel build() {
      if (secret == null) {
        throw new IllegalStateException("secret must be set");
      }
      if (url == null && tenantUrls == null) {
        throw new IllegalStateException("url or tenantUrls must be set");
      }
      if (url != null) {
        UrlPolicy.checkForm(url, plainHttp);
      }
      return new WebhookChannel(this, secret);
    }
  }
}

package dev.quota.admin.web;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP request as the console sees it, whatever server received it: what an adapter (a Spring MVC controller, a
 * Jakarta Servlet, a JDK {@code HttpHandler}) copies out of its own request type.
 *
 * <p>The adapter vouches for two things the console cannot check itself: the {@linkplain Builder#principal
 * authenticated principal} (from the host's authentication, never from the request's content) and the
 * {@linkplain Builder#csrfToken synchronizer token} of the principal's session, if the host keeps one.
 *
 * {@snippet :
 * ConsoleRequest request = ConsoleRequest.builder("GET", "/quota/tenants")
 *     .query("status=blocked")
 *     .header("Accept", "text/html")
 *     .principal("alice", Set.of("operator"))
 *     .build();
 * ConsoleResponse response = console.handle(request);
 * }
 */
public final class ConsoleRequest {
  private final String method;
  private final String path;
  private final String query;
  private final Map<String, List<String>> headers;
  private final byte[] body;
  private final @Nullable String principal;
  private final Set<String> roles;
  private final @Nullable String csrfToken;
  private final boolean csrfCheckedByHost;

  private ConsoleRequest(Builder b) {
    this.method = b.method;
    this.path = b.path;
    this.query = b.query;
    Map<String, List<String>> copy = new LinkedHashMap<>();
    b.headers.forEach((name, values) -> copy.put(name, List.copyOf(values)));
    this.headers = java.util.Collections.unmodifiableMap(copy);
    this.body = b.body.clone();
    this.principal = b.principal;
    this.roles = Set.copyOf(b.roles);
    this.csrfToken = b.csrfToken;
    this.csrfCheckedByHost = b.csrfCheckedByHost;
  }

  /**
   * Starts a request.
   *
   * @param method the HTTP method, as sent (compared in upper case)
   * @param path the path as sent, still percent-encoded, including the console's base path
   * @return a builder
   */
  public static Builder builder(String method, String path) {
    return new Builder(method, path);
  }

  /** @return the HTTP method, in upper case */
  public String method() {
    return method;
  }

  /** @return the path as sent, still percent-encoded */
  public String path() {
    return path;
  }

  /** @return the query string as sent, still percent-encoded, without the {@code ?}; empty if none */
  public String query() {
    return query;
  }

  /** @return the headers, by lower-case name */
  public Map<String, List<String>> headers() {
    return headers;
  }

  /**
   * @param name a header name, in any case
   * @return the header's first value, if sent
   */
  public Optional<String> header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /** @return the body's bytes (a copy) */
  public byte[] body() {
    return body.clone();
  }

  /** @return the body as UTF-8 text */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** @return the authenticated principal's name, if the host authenticated one */
  public Optional<String> principal() {
    return Optional.ofNullable(principal);
  }

  /** @return the principal's roles, as the host names them */
  public Set<String> roles() {
    return roles;
  }

  /** @return the synchronizer token of the principal's session, if the host keeps one */
  public Optional<String> csrfToken() {
    return Optional.ofNullable(csrfToken);
  }

  /**
   * @return whether the host checks the form's {@code _csrf} token itself ({@link Builder#hostCheckedCsrfToken}),
   *     so the console only puts the token into its forms
   */
  public boolean csrfCheckedByHost() {
    return csrfCheckedByHost;
  }

  /** Builds a {@link ConsoleRequest}; everything but the method and path is optional. */
  public static final class Builder {
    private final String method;
    private final String path;
    private String query = "";
    private final Map<String, List<String>> headers = new LinkedHashMap<>();
    private byte[] body = new byte[0];
    private @Nullable String principal;
    private Set<String> roles = Set.of();
    private @Nullable String csrfToken;
    private boolean csrfCheckedByHost;

    private Builder(String method, String path) {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(path, "path");
      this.method = method.toUpperCase(Locale.ROOT);
      this.path = path;
    }

    /**
     * @param query the query string as sent, without the {@code ?}; {@code null} for none
     * @return this builder
     */
    public Builder query(@Nullable String query) {
      this.query = query == null ? "" : query;
      return this;
    }

    /**
     * Adds a header value.
     *
     * @param name the name, in any case
     * @param value the value
     * @return this builder
     */
    public Builder header(String name, String value) {
      Objects.requireNonNull(name, "header name");
      Objects.requireNonNull(value, "header value");
      headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>()).add(value);
      return this;
    }

    /**
     * @param body the body's bytes
     * @return this builder
     */
    public Builder body(byte[] body) {
      this.body = Objects.requireNonNull(body, "body").clone();
      return this;
    }

    /**
     * @param body the body as text, sent as UTF-8
     * @return this builder
     */
    public Builder body(String body) {
      return body(body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Names the principal the host authenticated: the audit log's actor for every change made by this request.
     *
     * @param name the principal's name
     * @param roles the principal's roles, as the host names them (the console maps them with
     *     {@link QuotaConsole.Builder#roles})
     * @return this builder
     */
    public Builder principal(String name, Set<String> roles) {
      this.principal = Objects.requireNonNull(name, "principal");
      this.roles = Set.copyOf(roles);
      return this;
    }

    /**
     * Gives the synchronizer token of the principal's session: forms then carry it in a {@code _csrf} field, and a
     * form post without the same value is refused.
     *
     * @param token the session's token
     * @return this builder
     */
    public Builder csrfToken(String token) {
      this.csrfToken = Objects.requireNonNull(token, "csrf token");
      this.csrfCheckedByHost = false;
      return this;
    }

    /**
     * Gives a CSRF token that the host checks itself before the request reaches the console, such as Spring
     * Security's (whose value changes with every request, so that the console cannot compare it): forms then carry
     * it in a {@code _csrf} field, and the console leaves checking it to the host. The console's own cross-site
     * check ({@code Sec-Fetch-Site}, {@code Origin}) applies all the same.
     *
     * @param token the token to put into the forms
     * @return this builder
     */
    public Builder hostCheckedCsrfToken(String token) {
      this.csrfToken = Objects.requireNonNull(token, "csrf token");
      this.csrfCheckedByHost = true;
      return this;
    }

    /** @return the request */
    public ConsoleRequest build() {
      return new ConsoleRequest(this);
    }
  }
}

package dev.quota.admin.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link QuotaConsole} on the JDK's HTTP server ({@code com.sun.net.httpserver}), for an operator at this
 * machine: bound to 127.0.0.1 unless told otherwise, opened with a one-time login URL as Jupyter does.
 *
 * <p>A login URL carries a random token (128 bits). Opening it spends the token (compared in constant time) and
 * starts a session: an {@code HttpOnly}, {@code SameSite=Strict} cookie, a synchronizer token that the console puts
 * into its forms, and the principal and roles the URL was issued for. Sessions expire after their time to live.
 *
 * {@snippet :
 * try (ConsoleServer server = ConsoleServer.builder(console).build()) {   // 127.0.0.1, a free port
 *   URI login = server.loginUrl("alice", Set.of(QuotaConsole.DEFAULT_OPERATOR_ROLE));
 *   System.out.println("Open " + login);
 *   ...
 * }
 * }
 */
public final class ConsoleServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);
  private static final String COOKIE = "quota_console";
  /** The largest request body read, in bytes; larger ones are refused with 413. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  private record Grant(byte[] token, String principal, Set<String> roles, Instant expiresAt) {}

  private record Session(String principal, Set<String> roles, String csrfToken, Instant expiresAt) {}

  private final QuotaConsole console;
  private final HttpServer server;
  private final ExecutorService executor;
  private final Clock clock;
  private final Duration sessionTtl;
  private final Duration loginTtl;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Grant> logins = new ConcurrentHashMap<>();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  private ConsoleServer(Builder b) throws IOException {
    this.console = b.console;
    this.clock = b.clock;
    this.sessionTtl = b.sessionTtl;
    this.loginTtl = b.loginTtl;
    this.server = HttpServer.create(b.address, 0);
    this.executor = Executors.newFixedThreadPool(b.threads, runnable -> {
      Thread thread = new Thread(runnable, "quota-console");
      thread.setDaemon(true);
      return thread;
    });
    server.setExecutor(executor);
    server.createContext("/", this::exchange);
    server.start();
  }

  /**
   * @param console the console to serve
   * @return a builder
   */
  public static Builder builder(QuotaConsole console) {
    return new Builder(console);
  }

  /** @return the address the server listens on (its port, if the builder asked for any free one) */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** @return the console's URL on this server, without a login */
  public URI baseUrl() {
    InetSocketAddress address = address();
    String host = address.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + address.getPort() + console.basePath() + "/");
  }

  /**
   * Issues a one-time login URL for a principal: the first request to it starts their session; the token is then
   * spent. Unused, it expires after the builder's login time to live.
   *
   * @param principal the principal's name, the audit actor of their changes
   * @param roles their roles, as the console's {@link QuotaConsole.Builder#roles} name them
   * @return the URL to open
   */
  public URI loginUrl(String principal, Set<String> roles) {
    Objects.requireNonNull(principal, "principal");
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    String token = HexFormat.of().formatHex(bytes);
    // the map's key is a random id; the token itself is only compared, in constant time
    logins.put(newId(), new Grant(token.getBytes(StandardCharsets.US_ASCII), principal, Set.copyOf(roles),
        clock.instant().plus(loginTtl)));
    return URI.create(baseUrl() + "login?token=" + token);
  }

  /** Stops the server at once and forgets every session. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    logins.clear();
    sessions.clear();
  }

  private void exchange(HttpExchange exchange) throws IOException {
    try (exchange) {
      URI uri = exchange.getRequestURI();
      String path = Objects.requireNonNullElse(uri.getRawPath(), "/");
      if (path.equals(console.basePath() + "/login")) {
        login(exchange, uri.getRawQuery());
        return;
      }
      if (!console.owns(path)) {
        send(exchange, 404, Map.of("Content-Type", "text/plain; charset=utf-8"), "not found\n".getBytes(
            StandardCharsets.UTF_8));
        return;
      }
      ConsoleRequest.Builder request = ConsoleRequest.builder(exchange.getRequestMethod(), path)
          .query(uri.getRawQuery());
      exchange.getRequestHeaders().forEach((name, values) -> values.forEach(v -> request.header(name, v)));
      byte[] body = readBody(exchange);
      if (body == null) {
        send(exchange, 413, Map.of("Content-Type", "text/plain; charset=utf-8"), "request body too large\n"
            .getBytes(StandardCharsets.UTF_8));
        return;
      }
      request.body(body);
      Session session = session(exchange);
      if (session != null) {
        request.principal(session.principal(), session.roles()).csrfToken(session.csrfToken());
      }
      ConsoleResponse response = console.handle(request.build());
      send(exchange, response.status(), response.headers(), response.body());
    } catch (RuntimeException e) {
      LOG.error("quota console: request failed", e);
    }
  }

  private void login(HttpExchange exchange, @Nullable String rawQuery) throws IOException {
    String token = null;
    if (rawQuery != null) {
      for (String pair : rawQuery.split("&")) {
        if (pair.startsWith("token=")) {
          token = pair.substring("token=".length());
        }
      }
    }
    Instant now = clock.instant();
    Grant grant = token == null ? null : spend(token.getBytes(StandardCharsets.US_ASCII), now);
    if (grant == null) {
      LOG.warn("quota console: login refused (unknown, spent or expired token) from {}",
          exchange.getRemoteAddress());
      send(exchange, 401, Map.of("Content-Type", "text/plain; charset=utf-8", "Cache-Control", "no-store"),
          "This login link is unknown, spent or expired. Ask for a new one.\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    String id = newId();
    sessions.put(id, new Session(grant.principal(), grant.roles(), newId(), now.plus(sessionTtl)));
    LOG.info("quota console: {} signed in", grant.principal());
    send(exchange, 303, Map.of(
        "Location", console.basePath() + "/tenants",
        "Set-Cookie", COOKIE + "=" + id + "; Path=" + console.basePath() + "; HttpOnly; SameSite=Strict",
        "Cache-Control", "no-store",
        "Referrer-Policy", "no-referrer"), new byte[0]);
  }

  /** Finds and removes the grant of a token, comparing with every pending token in constant time. */
  private @Nullable Grant spend(byte[] token, Instant now) {
    Grant found = null;
    String foundId = null;
    for (Iterator<Map.Entry<String, Grant>> it = logins.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Grant> entry = it.next();
      Grant grant = entry.getValue();
      if (!now.isBefore(grant.expiresAt())) {
        it.remove();
        continue;
      }
      if (MessageDigest.isEqual(grant.token(), token)) {
        found = grant;
        foundId = entry.getKey();
      }
    }
    // remove() decides between two simultaneous requests with the same token: one wins
    return foundId != null && logins.remove(foundId) != null ? found : null;
  }

  private @Nullable Session session(HttpExchange exchange) {
    List<String> cookies = exchange.getRequestHeaders().get("Cookie");
    if (cookies == null) {
      return null;
    }
    for (String header : cookies) {
      for (String cookie : header.split(";")) {
        String c = cookie.strip();
        if (c.startsWith(COOKIE + "=")) {
          String id = c.substring(COOKIE.length() + 1);
          Session session = sessions.get(id);
          if (session != null && clock.instant().isBefore(session.expiresAt())) {
            return session;
          }
          if (session != null) {
            sessions.remove(id);
          }
        }
      }
    }
    return null;
  }

  private static byte @Nullable [] readBody(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
      return body.length > MAX_BODY_BYTES ? null : body;
    }
  }

  private static void send(HttpExchange exchange, int status, Map<String, String> headers, byte[] body)
      throws IOException {
    headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
    boolean empty = body.length == 0 || exchange.getRequestMethod().equalsIgnoreCase("HEAD");
    exchange.sendResponseHeaders(status, empty ? -1 : body.length);
    if (!empty) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private String newId() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** Builds a {@link ConsoleServer}; every setter checks its value at once. */
  public static final class Builder {
    private final QuotaConsole console;
    private InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private Duration sessionTtl = Duration.ofHours(12);
    private Duration loginTtl = Duration.ofMinutes(15);
    private int threads = 4;
    private Clock clock = Clock.systemUTC();

    private Builder(QuotaConsole console) {
      this.console = Objects.requireNonNull(console, "console");
    }

    /**
     * @param address where to listen; default 127.0.0.1 on a free port. Another interface exposes the console to
     *     the network: only with TLS in front of it.
     * @return this builder
     */
    public Builder address(InetSocketAddress address) {
      this.address = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * @param port the port on 127.0.0.1; 0 for any free one
     * @return this builder
     */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
      }
      return address(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    /**
     * @param session how long a session lasts after its login; positive, default 12 hours
     * @param login how long an unused login URL stays valid; positive, default 15 minutes
     * @return this builder
     */
    public Builder timeToLive(Duration session, Duration login) {
      Objects.requireNonNull(session, "session time to live");
      Objects.requireNonNull(login, "login time to live");
      if (session.isNegative() || session.isZero() || login.isNegative() || login.isZero()) {
        throw new IllegalArgumentException("times to live must be positive, were " + session + " and " + login);
      }
      this.sessionTtl = session;
      this.loginTtl = login;
      return this;
    }

    /**
     * @param threads how many requests are served at once; 1 to 64, default 4
     * @return this builder
     */
    public Builder threads(int threads) {
      if (threads < 1 || threads > 64) {
        throw new IllegalArgumentException("threads must be between 1 and 64, was " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * @param clock the clock of session and login expiry; default the system clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Starts the server.
     *
     * @return the running server
     * @throws IOException if the address cannot be bound
     */
    public ConsoleServer build() throws IOException {
      return new ConsoleServer(this);
    }
  }
}

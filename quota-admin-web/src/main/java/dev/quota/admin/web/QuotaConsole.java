package dev.quota.admin.web;

import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TierCatalogue;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.web.internal.ConsoleHandler;
import dev.quota.admin.web.internal.Settings;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The operator console, framework-neutral: it answers {@link ConsoleRequest}s under its base path with pages, a
 * stylesheet and a JSON API, and leaves sockets, sessions and authentication to whatever serves it.
 *
 * <p>The pages: {@code tenants} (most utilized first, searched and filtered in the store, paged), {@code tenant}
 * (the usage on every meter; its parent, its path from the root and its children, paged, each with its usage; its
 * standing at every level of its path and in every window of every meter, so an operator sees which level and window
 * blocks; entitlements, audit entries, and the changes, each confirmed on a page of its own before it is made) and
 * {@code audit} (the whole log, filtered by operation, actor and time). The JSON API under {@code api/} makes the
 * same reads and changes ({@code api/tenants/{tenant}} with its {@code parent}, {@code path} and {@code windows};
 * {@code api/tenants/{tenant}/children}, paged; {@code POST api/tenants/{tenant}/parent}, where an absent or null
 * {@code parent} makes the tenant a root); its errors are RFC 9457 problem details naming the field.
 *
 * <p>Security is the console's own, whatever the host adds in front of it:
 * <ul>
 *   <li>every request needs an authenticated principal (401 otherwise), reads need the viewer or operator role and
 *       changes the operator role (403 otherwise); the principal's name is the audit actor, and the admin's
 *       {@link dev.quota.admin.AdminAuthorizer} still decides per tenant;
 *   <li>every unsafe request is refused unless {@code Sec-Fetch-Site} is {@code same-origin} or, without that
 *       header, {@code Origin} names the request's host; form posts must also carry the session's synchronizer
 *       token when the adapter supplies one;
 *   <li>changes are rate limited per actor and overall (429 with {@code Retry-After}), and a change repeated with
 *       the same {@code Idempotency-Key} returns the first answer without writing again;
 *   <li>every response carries a strict Content-Security-Policy, {@code Cache-Control: no-store},
 *       {@code X-Content-Type-Options: nosniff} and {@code Referrer-Policy: same-origin}; every change and every
 *       refusal is logged in one line.
 * </ul>
 *
 * {@snippet :
 * QuotaConsole console = QuotaConsole.builder()
 *     .quota(quota)                       // its admin, guard, catalogue and clock
 *     .basePath("/quota")
 *     .zone(ZoneId.of("Europe/Berlin"))   // how times are shown and read
 *     .build();
 * }
 *
 * <p>Thread-safe; one console serves every request.
 */
public final class QuotaConsole {
  /** The default base path. */
  public static final String DEFAULT_BASE_PATH = "/quota";
  /** The default role that may read. */
  public static final String DEFAULT_VIEWER_ROLE = "viewer";
  /** The default role that may change (and read). */
  public static final String DEFAULT_OPERATOR_ROLE = "operator";
  /** The default number of changes one actor may make per {@link #DEFAULT_RATE_WINDOW}. */
  public static final int DEFAULT_CHANGES_PER_ACTOR = 30;
  /** The default number of changes all actors together may make per {@link #DEFAULT_RATE_WINDOW}. */
  public static final int DEFAULT_CHANGES_OVERALL = 300;
  /** The default window of the rate limits. */
  public static final Duration DEFAULT_RATE_WINDOW = Duration.ofMinutes(1);
  /** How many idempotency keys are remembered by default (the oldest are forgotten first). */
  public static final int DEFAULT_IDEMPOTENCY_CAPACITY = 10_000;
  /** How long an idempotency key is remembered by default. */
  public static final Duration DEFAULT_IDEMPOTENCY_RETENTION = Duration.ofHours(24);

  private final ConsoleHandler handler;
  private final String basePath;

  private QuotaConsole(Settings settings) {
    this.handler = new ConsoleHandler(settings);
    this.basePath = settings.basePath();
  }

  /** @return a builder; {@link Builder#admin}, {@link Builder#guard} and {@link Builder#catalogue} are required */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Answers one request. Never throws for anything the request contains: bad input, refusals and failures of the
   * store become responses (4xx, 5xx).
   *
   * @param request the request, with the principal the host authenticated
   * @return the response to send
   */
  public ConsoleResponse handle(ConsoleRequest request) {
    Objects.requireNonNull(request, "request");
    return handler.handle(request);
  }

  /** @return the base path the console answers under, e.g. {@code /quota} */
  public String basePath() {
    return basePath;
  }

  /**
   * @param path a raw request path
   * @return whether the path is the console's (its base path or below it)
   */
  public boolean owns(String path) {
    return path.equals(basePath) || path.startsWith(basePath + "/");
  }

  /** Builds a {@link QuotaConsole}; every setter checks its value at once and names it when it refuses. */
  public static final class Builder {
    private @Nullable QuotaAdmin admin;
    private @Nullable QuotaGuard guard;
    private @Nullable TierCatalogue catalogue;
    private String basePath = DEFAULT_BASE_PATH;
    private ZoneId zone = ZoneId.of("UTC");
    private String viewerRole = DEFAULT_VIEWER_ROLE;
    private String operatorRole = DEFAULT_OPERATOR_ROLE;
    private int changesPerActor = DEFAULT_CHANGES_PER_ACTOR;
    private int changesOverall = DEFAULT_CHANGES_OVERALL;
    private Duration rateWindow = DEFAULT_RATE_WINDOW;
    private int idempotencyCapacity = DEFAULT_IDEMPOTENCY_CAPACITY;
    private Duration idempotencyRetention = DEFAULT_IDEMPOTENCY_RETENTION;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * Takes the admin, guard, catalogue and clock of a running {@link Quota}.
     *
     * @param quota the quota instance
     * @return this builder
     */
    public Builder quota(Quota quota) {
      Objects.requireNonNull(quota, "quota");
      return admin(quota.admin()).guard(quota.guard()).catalogue(quota.catalogue()).clock(quota.clock());
    }

    /**
     * @param admin the admin every change goes through (its authorizer and audit apply)
     * @return this builder
     */
    public Builder admin(QuotaAdmin admin) {
      this.admin = Objects.requireNonNull(admin, "admin");
      return this;
    }

    /**
     * @param guard where a tenant's usage reports come from
     * @return this builder
     */
    public Builder guard(QuotaGuard guard) {
      this.guard = Objects.requireNonNull(guard, "guard");
      return this;
    }

    /**
     * @param catalogue the meters and tiers offered in forms and reported on a tenant's page
     * @return this builder
     */
    public Builder catalogue(TierCatalogue catalogue) {
      this.catalogue = Objects.requireNonNull(catalogue, "catalogue");
      return this;
    }

    /**
     * @param basePath where the console answers: starts with {@code /}, does not end with one, e.g.
     *     {@code /admin/quota}; default {@value #DEFAULT_BASE_PATH}
     * @return this builder
     */
    public Builder basePath(String basePath) {
      Objects.requireNonNull(basePath, "base path");
      if (!basePath.matches("(/[A-Za-z0-9._~-]+)+")) {
        throw new IllegalArgumentException("base path must be '/' followed by segments of letters, digits, '.', "
            + "'_', '~' and '-', without a trailing '/', was '" + basePath + "'");
      }
      this.basePath = basePath;
      return this;
    }

    /**
     * @param zone the operator's zone: times are shown in it, and dates typed without an offset are read in it;
     *     default UTC
     * @return this builder
     */
    public Builder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /**
     * Names the host's roles the console maps to its two.
     *
     * @param viewer the role that may read; default {@value #DEFAULT_VIEWER_ROLE}
     * @param operator the role that may change and read; default {@value #DEFAULT_OPERATOR_ROLE}
     * @return this builder
     */
    public Builder roles(String viewer, String operator) {
      Objects.requireNonNull(viewer, "viewer role");
      Objects.requireNonNull(operator, "operator role");
      if (viewer.isBlank() || operator.isBlank() || viewer.equals(operator)) {
        throw new IllegalArgumentException("roles must be non-blank and different, were viewer '" + viewer
            + "' and operator '" + operator + "'");
      }
      this.viewerRole = viewer;
      this.operatorRole = operator;
      return this;
    }

    /**
     * Limits how many changes are made, refused beyond with 429 and {@code Retry-After}.
     *
     * @param perActor changes one actor may make per window; positive, default {@value #DEFAULT_CHANGES_PER_ACTOR}
     * @param overall changes all actors together may make per window; at least {@code perActor}, default
     *     {@value #DEFAULT_CHANGES_OVERALL}
     * @param window the window; at least one second, default one minute
     * @return this builder
     */
    public Builder rateLimit(int perActor, int overall, Duration window) {
      Objects.requireNonNull(window, "rate window");
      if (perActor < 1) {
        throw new IllegalArgumentException("changes per actor must be positive, was " + perActor);
      }
      if (overall < perActor) {
        throw new IllegalArgumentException("changes overall must be at least the changes per actor (" + perActor
            + "), was " + overall);
      }
      if (window.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("rate window must be at least one second, was " + window);
      }
      this.changesPerActor = perActor;
      this.changesOverall = overall;
      this.rateWindow = window;
      return this;
    }

    /**
     * Bounds the memory of idempotency keys. The keys live in this console's memory: a repeated request reaching
     * another instance, or coming after a restart, is not recognised.
     *
     * @param capacity how many keys are remembered, the oldest forgotten first; positive, default
     *     {@value #DEFAULT_IDEMPOTENCY_CAPACITY}
     * @param retention how long a key is remembered; positive, default 24 hours
     * @return this builder
     */
    public Builder idempotency(int capacity, Duration retention) {
      Objects.requireNonNull(retention, "idempotency retention");
      if (capacity < 1) {
        throw new IllegalArgumentException("idempotency capacity must be positive, was " + capacity);
      }
      if (retention.isNegative() || retention.isZero()) {
        throw new IllegalArgumentException("idempotency retention must be positive, was " + retention);
      }
      this.idempotencyCapacity = capacity;
      this.idempotencyRetention = retention;
      return this;
    }

    /**
     * @param clock the clock of rate windows, key retention and "now" on the pages; default the system clock (or
     *     the quota's, with {@link #quota})
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * @return the console
     * @throws IllegalStateException if the admin, guard or catalogue is missing
     */
    public QuotaConsole build() {
      if (admin == null || guard == null || catalogue == null) {
        throw new IllegalStateException("a console needs an admin, a guard and a catalogue (or a quota)");
      }
      return new QuotaConsole(new Settings(admin, guard, catalogue, basePath, zone, viewerRole, operatorRole,
          changesPerActor, changesOverall, rateWindow, idempotencyCapacity, idempotencyRetention, clock));
    }
  }
}

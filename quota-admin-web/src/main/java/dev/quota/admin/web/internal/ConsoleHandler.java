package dev.quota.admin.web.internal;

import dev.quota.InvalidRequestException;
import dev.quota.LevelUsage;
import dev.quota.Meter;
import dev.quota.QuotaContentionException;
import dev.quota.QuotaException;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageReport;
import dev.quota.admin.AccessDeniedException;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementStateException;
import dev.quota.admin.HistoryGranularity;
import dev.quota.admin.UsageHistory;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.TenantLookup;
import dev.quota.admin.TenantStatus;
import dev.quota.admin.UsageEntry;
import dev.quota.admin.UsageQuery;
import dev.quota.admin.web.ConsoleRequest;
import dev.quota.admin.web.ConsoleResponse;
import dev.quota.spi.StoreUnavailableException;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's one request pipeline: authentication, roles, CSRF, rate limit, idempotency, then the page or the API
 * call. Every check happens here, before any adapter's, so every adapter gets all of them.
 */
public final class ConsoleHandler {
  private static final Logger LOG = LoggerFactory.getLogger("dev.quota.admin.web.QuotaConsole");
  private static final int PAGE_SIZE = 50;
  /** How many of a tenant's latest ledger entries its page shows (the API pages through all of them). */
  private static final int LEDGER_ROWS = 20;
  /** How many of a tenant's children its page shows at once (the page links to the next ones). */
  private static final int CHILDREN_ROWS = 20;
  /** How many days of usage a tenant's page shows, today included. */
  private static final int HISTORY_DAYS = 14;
  private static final String CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
      + "frame-ancestors 'none'; base-uri 'none'";
  private static final String HTML = "text/html; charset=utf-8";
  private static final String PROBLEM = "application/problem+json";
  private static final String JSON = "application/json";
  private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD");

  private final Settings settings;
  private final Formats formats;
  private final TemplateEngine templates;
  private final RateLimiter rateLimiter;
  private final IdempotencyStore idempotency;
  private final FlashMessages flash;
  private final byte[] stylesheet;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param settings what the builder checked
   */
  public ConsoleHandler(Settings settings) {
    this.settings = settings;
    this.formats = new Formats(settings.zone());
    this.templates = TemplateEngine.createPrecompiled(null, ContentType.Html, ConsoleHandler.class.getClassLoader(),
        "dev.quota.admin.web.internal.jte");
    this.rateLimiter = new RateLimiter(settings.changesPerActor(), settings.changesOverall(), settings.rateWindow());
    this.idempotency = new IdempotencyStore(settings.idempotencyCapacity(), settings.idempotencyRetention());
    this.flash = new FlashMessages(1000);
    try (InputStream in = ConsoleHandler.class.getResourceAsStream("console.css")) {
      this.stylesheet = Objects.requireNonNull(in, "console.css is missing from the jar").readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A refusal or a failure that ends a request with a status. */
  private static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String title;
    final String detail;
    final @Nullable String field;
    final @Nullable Long retryAfter;

    Refusal(int status, String title, String detail, @Nullable String field, @Nullable Long retryAfter) {
      super(detail, null, false, false);
      this.status = status;
      this.title = title;
      this.detail = detail;
      this.field = field;
      this.retryAfter = retryAfter;
    }

    static Refusal of(int status, String title, String detail) {
      return new Refusal(status, title, detail, null, null);
    }
  }

  /** The request, once the principal is known. */
  private record Call(ConsoleRequest request, String route, boolean api, @Nullable Actor actor, boolean operator,
      Map<String, List<String>> query) {
    @Nullable String param(String name) {
      List<String> values = query.get(name);
      return values == null || values.isEmpty() ? null : values.get(0);
    }

    List<String> params(String name) {
      return query.getOrDefault(name, List.of());
    }

    Actor requireActor() {
      return Objects.requireNonNull(actor, "actor");
    }
  }

  /**
   * Answers a request.
   *
   * @param request the request
   * @return the response
   */
  public ConsoleResponse handle(ConsoleRequest request) {
    String base = settings.basePath();
    String path = request.path();
    String route = path.equals(base) ? "" : path.startsWith(base + "/") ? path.substring(base.length()) : "";
    boolean api = route.startsWith("/api/") || route.equals("/api");
    if (!path.equals(base) && !path.startsWith(base + "/")) {
      return problem(api, null, Refusal.of(404, "Not Found", "not a path of the console"));
    }
    if (route.equals("/console.css") && SAFE_METHODS.contains(request.method())) {
      return respond(200, "text/css; charset=utf-8", stylesheet, Map.of());
    }
    Call call = null;
    String operation = "read";
    try {
      Map<String, List<String>> query = Http.parameters(request.query());
      Actor actor = authenticate(request);
      boolean operator = request.roles().contains(settings.operatorRole());
      call = new Call(request, route, api, actor, operator, query);
      boolean unsafe = !SAFE_METHODS.contains(request.method());
      if (!operator && !request.roles().contains(settings.viewerRole())) {
        throw Refusal.of(403, "Forbidden", "the console needs the role '" + settings.viewerRole() + "' to read or '"
            + settings.operatorRole() + "' to change");
      }
      if (unsafe) {
        operation = "change";
        checkSameOrigin(request);
        if (!operator) {
          throw Refusal.of(403, "Forbidden", "changes need the role '" + settings.operatorRole() + "'");
        }
      }
      return api ? api(call) : page(call);
    } catch (Refusal refusal) {
      if (refusal.status != 404 && refusal.status != 405) {
        LOG.warn("console refused actor=\"{}\" method={} path=\"{}\" operation={} outcome={} \"{}\"",
            request.principal().map(Http::loggable).orElse("-"), Http.loggable(request.method()),
            Http.loggable(path), operation, refusal.status, Http.loggable(refusal.detail));
      }
      return problem(api, call, refusal);
    } catch (InvalidRequestException e) {
      if (!SAFE_METHODS.contains(request.method())) {
        LOG.info("console refused actor=\"{}\" method={} path=\"{}\" operation=change outcome=400 \"{}\"",
            request.principal().map(Http::loggable).orElse("-"), Http.loggable(request.method()),
            Http.loggable(path), Http.loggable(message(e)));
      }
      return problem(api, call, new Refusal(400, "Bad Request", message(e), e.field(), null));
    } catch (StoreUnavailableException e) {
      LOG.error("console could not reach the store: {}", message(e));
      return problem(api, call, Refusal.of(503, "Service Unavailable", "the quota store is unavailable; try again"));
    } catch (RuntimeException e) {
      LOG.error("console failed on {} {}", request.method(), Http.loggable(path), e);
      return problem(api, call, Refusal.of(500, "Internal Server Error", "the console failed; see the server log"));
    }
  }

  private Actor authenticate(ConsoleRequest request) {
    String principal = request.principal().orElse(null);
    if (principal == null) {
      throw Refusal.of(401, "Unauthorized", "sign in first: the console needs an authenticated principal");
    }
    try {
      return Actor.of(principal);
    } catch (InvalidRequestException e) {
      throw Refusal.of(403, "Forbidden", "the principal's name cannot be an audit actor: " + e.rule());
    }
  }

  /**
   * Refuses an unsafe request unless the browser says it comes from a page of the same origin: Fetch Metadata where
   * the browser sends it, else the {@code Origin} against the request's {@code Host}. A request with neither is
   * refused too: a client that is not a browser adds {@code Origin} itself.
   */
  private void checkSameOrigin(ConsoleRequest request) {
    String site = request.header("Sec-Fetch-Site").orElse(null);
    if (site != null) {
      if (!site.equals("same-origin")) {
        throw Refusal.of(403, "Forbidden", "cross-site request refused (Sec-Fetch-Site: " + Formats.cut(site) + ")");
      }
      return;
    }
    String origin = request.header("Origin").orElse(null);
    String host = request.header("Host").orElse(null);
    if (origin == null || host == null) {
      throw Refusal.of(403, "Forbidden", "cross-site request refused: neither Sec-Fetch-Site nor Origin was sent");
    }
    String authority;
    try {
      authority = URI.create(origin).getRawAuthority();
    } catch (IllegalArgumentException e) {
      authority = null;
    }
    if (authority == null || !authority.equalsIgnoreCase(host)) {
      throw Refusal.of(403, "Forbidden", "cross-site request refused (Origin " + Formats.cut(origin)
          + " is not the host " + Formats.cut(host) + ")");
    }
  }

  // ---------------------------------------------------------------- pages

  private ConsoleResponse page(Call call) {
    String method = call.request().method();
    String route = call.route();
    if (SAFE_METHODS.contains(method)) {
      return switch (route) {
        case "", "/" -> redirect(settings.basePath() + "/tenants");
        case "/tenants" -> html(200, "tenants.jte", tenantsPage(call));
        case "/tenant" -> html(200, "tenant.jte", tenantPage(call, tenantParam(call.param("tenant")), null, null));
        case "/audit" -> html(200, "audit.jte", auditPage(call));
        default -> throw Refusal.of(404, "Not Found", "no such page");
      };
    }
    if (!method.equals("POST")) {
      throw Refusal.of(405, "Method Not Allowed", "the console's pages take GET and POST");
    }
    Map<String, List<String>> formValues = form(call.request());
    Map<String, String> form = new LinkedHashMap<>();
    formValues.forEach((name, values) -> form.put(name, values.isEmpty() ? "" : values.get(0)));
    checkSynchronizerToken(call.request(), form.get("_csrf"));
    TenantId tenant = tenantParam(form.get("tenant"));
    String action = form.getOrDefault("action", "");
    return switch (route) {
      case "/tenant/confirm" -> confirm(call, tenant, action, form);
      case "/tenant/apply" -> applyFromForm(call, tenant, action, form);
      default -> throw Refusal.of(404, "Not Found", "no such page");
    };
  }

  private ConsoleResponse confirm(Call call, TenantId tenant, String action, Map<String, String> form) {
    Change change;
    try {
      change = Change.parse(action, tenant, form, settings.catalogue(), formats).withCurrentState(settings.admin());
    } catch (InvalidRequestException e) {
      return html(400, "tenant.jte", tenantPage(call, tenant, null, message(e)));
    }
    List<Views.Field> fields = new ArrayList<>();
    change.parameters().forEach((name, value) -> fields.add(new Views.Field(name, value)));
    Views.ConfirmPage page = new Views.ConfirmPage(chrome(call, "Confirm: " + change.operation().name()
        .toLowerCase(Locale.ROOT).replace('_', ' '), "tenants", null, null), tenant.value(), tenantLink(tenant),
        change.describe(formats), change.action(), fields, change.reason(), newToken());
    return html(200, "confirm.jte", page);
  }

  private ConsoleResponse applyFromForm(Call call, TenantId tenant, String action, Map<String, String> form) {
    String key = form.get("idempotencyKey");
    Change change;
    try {
      change = Change.parse(action, tenant, form, settings.catalogue(), formats);
    } catch (InvalidRequestException e) {
      return html(400, "tenant.jte", tenantPage(call, tenant, null, message(e)));
    }
    return idempotent(call, key == null || key.isBlank() ? null : key, change, () -> {
      String message;
      try {
        // what the change replaces is read after the rate limit and the idempotency check, just before the change
        Change current = change.withCurrentState(settings.admin());
        current.apply(settings.admin(), call.requireActor(), formats);
        logChange(call, current, "done");
        message = "Done. " + current.describe(formats) + ".";
      } catch (QuotaException e) {
        Refusal refusal = refusalFor(e);
        logChange(call, change, refusal.status + " " + refusal.detail);
        message = "Not done: " + refusal.detail;
      }
      String id = flash.put(call.requireActor().id(), message);
      return redirect(tenantLink(tenant) + "&message=" + id);
    });
  }

  private void checkSynchronizerToken(ConsoleRequest request, @Nullable String sent) {
    String expected = request.csrfToken().orElse(null);
    if (expected == null || request.csrfCheckedByHost()) {
      return;
    }
    if (sent == null || !MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
        sent.getBytes(StandardCharsets.UTF_8))) {
      throw Refusal.of(403, "Forbidden", "the form's CSRF token is missing or not this session's; reload the page");
    }
  }

  private Map<String, List<String>> form(ConsoleRequest request) {
    String type = request.header("Content-Type").orElse("");
    if (!type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
      throw Refusal.of(415, "Unsupported Media Type", "the console's forms are sent as "
          + "application/x-www-form-urlencoded");
    }
    return Http.parameters(request.bodyText());
  }

  private Views.TenantsPage tenantsPage(Call call) {
    Meter meter = meterParam(call.param("meter"));
    String prefix = call.param("prefix");
    Set<TenantStatus> statuses = EnumSet.noneOf(TenantStatus.class);
    for (String value : call.params("status")) {
      statuses.add(statusParam(value));
    }
    int offset = offsetParam(call.param("offset"));
    UsageQuery query = UsageQuery.all().meter(meter).statuses(statuses);
    if (prefix != null && !prefix.isEmpty()) {
      query = query.tenantPrefix(prefix);
    }
    Page<UsageReport> page = settings.admin().listUsage(query, new PageRequest(offset, PAGE_SIZE));
    List<Views.UsageRow> rows = new ArrayList<>();
    for (UsageReport report : page.items()) {
      rows.add(Views.usageRow(report, tenantLink(report.tenant()), formats));
    }
    List<Views.Option> meters = new ArrayList<>();
    for (Meter m : settings.catalogue().meters().keySet()) {
      meters.add(new Views.Option(m.name(), m.name(), m.equals(meter)));
    }
    List<Views.Option> statusOptions = new ArrayList<>();
    for (TenantStatus status : TenantStatus.values()) {
      statusOptions.add(new Views.Option(statusName(status), statusName(status).replace('-', ' '),
          statuses.contains(status)));
    }
    StringBuilder self = new StringBuilder(settings.basePath()).append("/tenants?meter=").append(Http.encode(meter.name()));
    if (prefix != null && !prefix.isEmpty()) {
      self.append("&prefix=").append(Http.encode(prefix));
    }
    for (TenantStatus status : statuses) {
      self.append("&status=").append(statusName(status));
    }
    String previous = offset == 0 ? null : self + "&offset=" + Math.max(0, offset - PAGE_SIZE);
    String next = page.hasMore() ? self + "&offset=" + (offset + PAGE_SIZE) : null;
    String range = rows.isEmpty() ? "no tenants" : "tenants " + (offset + 1) + " to " + (offset + rows.size());
    return new Views.TenantsPage(chrome(call, "Tenants", "tenants", null, null), meter.name(), meters,
        prefix == null ? "" : prefix, statusOptions, rows, range, previous, next);
  }

  private Views.TenantPage tenantPage(Call call, TenantId tenant, @Nullable String status, @Nullable String error) {
    String message = status;
    String flashId = call.param("message");
    if (message == null && flashId != null && call.actor() != null) {
      message = flash.take(call.actor().id(), flashId);
    }
    Instant now = settings.clock().instant();
    List<Views.UsageRow> usage = new ArrayList<>();
    for (Meter meter : settings.catalogue().meters().keySet()) {
      usage.add(Views.usageRow(settings.guard().usage(tenant, meter), tenantLink(tenant), formats));
    }
    List<Views.EntitlementRow> entitlements = new ArrayList<>();
    List<Views.CreditRow> credits = new ArrayList<>();
    for (Entitlement e : settings.admin().entitlements(tenant)) {
      entitlements.add(Views.entitlementRow(e, now, formats));
      if (e instanceof OneTimeCredit credit) {
        credits.add(Views.creditRow(credit, now, formats));
      }
    }
    Meter historyMeter = settings.catalogue().defaultMeter();
    ZoneId historyZone = settings.catalogue().zone();
    LocalDate today = now.atZone(historyZone).toLocalDate();
    UsageHistory history = settings.admin().usageHistory(tenant, historyMeter,
        today.minusDays(HISTORY_DAYS - 1).atStartOfDay(historyZone).toInstant(),
        today.plusDays(1).atStartOfDay(historyZone).toInstant(), HistoryGranularity.DAY);
    long busiest = history.buckets().stream().mapToLong(UsageHistory.Bucket::used).max().orElse(0);
    List<Views.HistoryRow> historyRows = new ArrayList<>();
    for (UsageHistory.Bucket bucket : history.buckets()) {
      historyRows.add(new Views.HistoryRow(bucket.start().atZone(historyZone).toLocalDate().toString(),
          Formats.amount(bucket.used()), busiest == 0 ? 0 : 100.0 * bucket.used() / busiest));
    }
    // the default zone is the offset Z; say UTC, as the rest of the page does
    String zoneName = historyZone.normalized().equals(ZoneOffset.UTC) ? "UTC" : historyZone.getId();
    String historyCaption = "Usage of " + historyMeter.name() + " per day, last " + HISTORY_DAYS + " days (days in "
        + zoneName + ", total " + Formats.amount(history.total()) + ")";
    List<Views.AuditRow> audit = new ArrayList<>();
    for (AuditEntry entry : settings.admin().audit(tenant, PageRequest.first(PAGE_SIZE)).items()) {
      audit.add(Views.auditRow(entry, tenantLink(entry.tenant()), formats));
    }
    List<Views.LedgerRow> ledger = new ArrayList<>();
    for (UsageEntry entry : settings.admin().ledger(tenant, PageRequest.first(LEDGER_ROWS)).items()) {
      ledger.add(Views.ledgerRow(entry, formats));
    }
    List<Views.Option> meters = new ArrayList<>();
    for (Meter m : settings.catalogue().meters().keySet()) {
      meters.add(new Views.Option(m.name(), m.name(), m.equals(settings.catalogue().defaultMeter())));
    }
    List<Views.Option> tiers = new ArrayList<>();
    for (Tier t : settings.catalogue().tiers()) {
      tiers.add(new Views.Option(t.name(), t.name(), false));
    }
    String problem = error;
    if (problem == null) {
      TenantLookup lookup = settings.admin().lookUp(tenant);
      if (!lookup.known()) {
        problem = lookup.describe();
      }
    }
    return new Views.TenantPage(chrome(call, "Tenant " + tenant.value(), "tenants", message, problem), tenant.value(),
        tree(call, tenant), usage, entitlements, credits, historyCaption, historyRows, audit, ledger,
        settings.basePath() + "/audit?tenant=" + Http.encode(tenant.value()), meters, tiers,
        formats.inputValue(now.plus(Duration.ofDays(7))), settings.zone().getId());
  }

  /**
   * The tenant's place in the tree: its path to the root, its children (paged by {@code childrenOffset}, each with its
   * period's usage on the default meter) and its standing at every level and in every window of every meter.
   */
  private Views.Tree tree(Call call, TenantId tenant) {
    List<TenantId> path = path(tenant);
    List<Views.PathLevel> levels = new ArrayList<>();
    // root first, as a trail reads
    for (int i = path.size() - 1; i >= 0; i--) {
      levels.add(new Views.PathLevel(path.get(i).value(), tenantLink(path.get(i)), i == 0 ? "page" : null));
    }
    Meter meter = settings.catalogue().defaultMeter();
    int offset = intParam("childrenOffset", call.param("childrenOffset"), 0, 0, Integer.MAX_VALUE);
    Page<TenantId> page = settings.admin().children(tenant, new PageRequest(offset, CHILDREN_ROWS));
    List<Views.UsageRow> children = new ArrayList<>();
    for (TenantId child : page.items()) {
      children.add(Views.usageRow(settings.guard().usage(child, meter), tenantLink(child), formats));
    }
    String self = tenantLink(tenant) + "&childrenOffset=";
    String previous = offset == 0 ? null : self + Math.max(0, offset - CHILDREN_ROWS);
    String next = page.hasMore() ? self + (offset + CHILDREN_ROWS) : null;
    String range = children.isEmpty() ? (offset == 0 ? "none" : "no more") : (offset + 1) + " to "
        + (offset + children.size());
    List<Views.WindowRow> windows = new ArrayList<>();
    for (Meter m : settings.catalogue().meters().keySet()) {
      for (LevelUsage level : settings.guard().usagePath(tenant, m)) {
        windows.add(Views.windowRow(level, tenantLink(level.level()), formats));
      }
    }
    TenantId parent = path.size() > 1 ? path.get(1) : null;
    return new Views.Tree(parent == null ? null : parent.value(), parent == null ? null : tenantLink(parent), levels,
        "Children, usage this period on " + meter.name() + ": " + range, children, previous, next, windows);
  }

  /**
   * The tenant, its parent, and so on up to the root, as the store last committed them. A store never writes a path
   * longer than {@link QuotaAdmin#MAX_TREE_DEPTH}; the walk stops there (and at a repeated level) all the same, so a
   * damaged tree cannot keep a page from rendering.
   */
  private List<TenantId> path(TenantId tenant) {
    List<TenantId> path = new ArrayList<>();
    path.add(tenant);
    TenantId level = tenant;
    while (path.size() < QuotaAdmin.MAX_TREE_DEPTH) {
      TenantId parent = settings.admin().parentOf(level).orElse(null);
      if (parent == null || path.contains(parent)) {
        break;
      }
      path.add(parent);
      level = parent;
    }
    return path;
  }

  private Views.AuditPage auditPage(Call call) {
    AuditQuery query = auditQuery(call);
    int offset = offsetParam(call.param("offset"));
    Page<AuditEntry> page = settings.admin().audit(query, new PageRequest(offset, PAGE_SIZE));
    List<Views.AuditRow> rows = new ArrayList<>();
    for (AuditEntry entry : page.items()) {
      rows.add(Views.auditRow(entry, tenantLink(entry.tenant()), formats));
    }
    List<Views.Option> operations = new ArrayList<>();
    for (AdminOperation operation : AdminOperation.values()) {
      operations.add(new Views.Option(operation.name(), operation.name().toLowerCase(Locale.ROOT).replace('_', ' '),
          query.operations().contains(operation)));
    }
    StringBuilder self = new StringBuilder(settings.basePath()).append("/audit?");
    for (String name : List.of("tenant", "actor", "from", "until")) {
      String value = call.param(name);
      if (value != null && !value.isEmpty()) {
        self.append(name).append('=').append(Http.encode(value)).append('&');
      }
    }
    for (AdminOperation operation : query.operations()) {
      self.append("operation=").append(operation.name()).append('&');
    }
    String previous = offset == 0 ? null : self + "offset=" + Math.max(0, offset - PAGE_SIZE);
    String next = page.hasMore() ? self + "offset=" + (offset + PAGE_SIZE) : null;
    String range = rows.isEmpty() ? "no entries" : "entries " + (offset + 1) + " to " + (offset + rows.size());
    return new Views.AuditPage(chrome(call, "Audit log", "audit", null, null), operations, orEmpty(call.param("actor")),
        orEmpty(call.param("tenant")), orEmpty(call.param("from")), orEmpty(call.param("until")), rows, range,
        previous, next, settings.zone().getId());
  }

  private AuditQuery auditQuery(Call call) {
    AuditQuery query = AuditQuery.all();
    String tenant = call.param("tenant");
    if (tenant != null && !tenant.isBlank()) {
      query = query.tenant(tenantParam(tenant));
    }
    Set<AdminOperation> operations = EnumSet.noneOf(AdminOperation.class);
    for (String value : call.params("operation")) {
      if (!value.isBlank()) {
        try {
          operations.add(AdminOperation.valueOf(value.strip().toUpperCase(Locale.ROOT).replace('-', '_')));
        } catch (IllegalArgumentException e) {
          throw new InvalidRequestException("operation", "must be one of " + List.of(AdminOperation.values())
              + ", was '" + Formats.cut(value) + "'");
        }
      }
    }
    query = query.operations(operations);
    String actor = call.param("actor");
    if (actor != null && !actor.isBlank()) {
      try {
        query = query.actor(Actor.of(actor.strip()));
      } catch (InvalidRequestException e) {
        throw new InvalidRequestException("actor", e.rule());
      }
    }
    String from = call.param("from");
    if (from != null && !from.isBlank()) {
      query = query.from(formats.parse("from", from));
    }
    String until = call.param("until");
    if (until != null && !until.isBlank()) {
      query = query.until(formats.parse("until", until));
    }
    return query;
  }

  private Views.Chrome chrome(Call call, String title, String nav, @Nullable String status, @Nullable String error) {
    return new Views.Chrome(title, settings.basePath(), call.actor() == null ? "" : call.actor().id(),
        call.operator(), call.request().csrfToken().orElse(null), status, error, nav);
  }

  // ---------------------------------------------------------------- API

  private ConsoleResponse api(Call call) {
    String[] segments = call.route().substring("/api".length()).split("/", -1);
    // segments[0] is "" (the route starts with "/")
    String method = call.request().method();
    String first = segments.length > 1 ? segments[1] : "";
    if (first.equals("audit") && segments.length == 2) {
      requireGet(method);
      return auditJson(call);
    }
    if (first.equals("tenants") && segments.length == 2) {
      requireGet(method);
      return tenantsJson(call);
    }
    TenantId tenant;
    String action;
    if (first.equals("tenants") && segments.length >= 3 && segments.length <= 4) {
      // the tenant in a path segment, percent-decoded once: "a%2Fb" is the tenant "a/b"
      tenant = tenantParam(Http.decodeSegment(segments[2]));
      action = segments.length == 4 ? segments[3] : "";
    } else if (first.equals("tenant") && segments.length <= 3) {
      // the tenant in the query, for clients and proxies that refuse an encoded '/' in a path
      tenant = tenantParam(call.param("tenant"));
      action = segments.length == 3 ? segments[2] : "";
    } else {
      throw Refusal.of(404, "Not Found", "no such resource in the console's API");
    }
    if (action.isEmpty()) {
      requireGet(method);
      return tenantJson(tenant);
    }
    if (action.equals("ledger")) {
      requireGet(method);
      PageRequest request = new PageRequest(offsetParam(call.param("offset")), sizeParam(call.param("size")));
      Page<UsageEntry> page = settings.admin().ledger(tenant, request);
      List<Object> items = new ArrayList<>();
      for (UsageEntry entry : page.items()) {
        items.add(Views.ledgerJson(entry));
      }
      return json(pageJson(items, page));
    }
    if (action.equals("children")) {
      requireGet(method);
      Meter meter = meterParam(call.param("meter"));
      PageRequest request = new PageRequest(offsetParam(call.param("offset")), sizeParam(call.param("size")));
      Page<TenantId> page = settings.admin().children(tenant, request);
      List<Object> items = new ArrayList<>();
      for (TenantId child : page.items()) {
        items.add(Views.usageJson(settings.guard().usage(child, meter)));
      }
      return json(pageJson(items, page));
    }
    if (!Change.ACTIONS.contains(action)) {
      throw Refusal.of(404, "Not Found", "no such action; the actions are " + Change.ACTIONS);
    }
    if (!method.equals("POST")) {
      throw Refusal.of(405, "Method Not Allowed", "changes take POST");
    }
    String type = call.request().header("Content-Type").orElse("");
    if (!type.toLowerCase(Locale.ROOT).startsWith(JSON)) {
      throw Refusal.of(415, "Unsupported Media Type", "changes are sent as application/json");
    }
    Change change = Change.parse(action, tenant, Json.readFlatObject(call.request().bodyText()),
        settings.catalogue(), formats);
    String key = call.request().header("Idempotency-Key").orElse(null);
    return idempotent(call, key, change, () -> {
      try {
        Map<String, Object> result = change.withCurrentState(settings.admin())
            .apply(settings.admin(), call.requireActor(), formats);
        logChange(call, change, "done");
        return respond(200, JSON, Json.write(result).getBytes(StandardCharsets.UTF_8), Map.of());
      } catch (QuotaException e) {
        Refusal refusal = refusalFor(e);
        logChange(call, change, refusal.status + " " + refusal.detail);
        return problem(true, call, refusal);
      }
    });
  }

  private static void requireGet(String method) {
    if (!SAFE_METHODS.contains(method)) {
      throw Refusal.of(405, "Method Not Allowed", "this resource is read with GET");
    }
  }

  private ConsoleResponse tenantsJson(Call call) {
    Meter meter = meterParam(call.param("meter"));
    UsageQuery query = UsageQuery.all().meter(meter);
    String prefix = call.param("prefix");
    if (prefix != null && !prefix.isEmpty()) {
      query = query.tenantPrefix(prefix);
    }
    Set<TenantStatus> statuses = EnumSet.noneOf(TenantStatus.class);
    for (String value : call.params("status")) {
      statuses.add(statusParam(value));
    }
    PageRequest request = new PageRequest(offsetParam(call.param("offset")), sizeParam(call.param("size")));
    Page<UsageReport> page = settings.admin().listUsage(query.statuses(statuses), request);
    List<Object> items = new ArrayList<>();
    for (UsageReport report : page.items()) {
      items.add(Views.usageJson(report));
    }
    return json(pageJson(items, page));
  }

  private ConsoleResponse tenantJson(TenantId tenant) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("tenant", tenant.value());
    json.put("known", settings.admin().lookUp(tenant).known());
    List<TenantId> path = path(tenant);
    json.put("parent", path.size() > 1 ? path.get(1).value() : null);
    List<Object> levels = new ArrayList<>();
    for (TenantId level : path) {
      levels.add(level.value());
    }
    json.put("path", levels);
    List<Object> usage = new ArrayList<>();
    for (Meter meter : settings.catalogue().meters().keySet()) {
      usage.add(Views.usageJson(settings.guard().usage(tenant, meter)));
    }
    json.put("usage", usage);
    List<Object> windows = new ArrayList<>();
    for (Meter meter : settings.catalogue().meters().keySet()) {
      for (LevelUsage level : settings.guard().usagePath(tenant, meter)) {
        windows.add(Views.levelJson(level));
      }
    }
    json.put("windows", windows);
    List<Object> entitlements = new ArrayList<>();
    for (Entitlement e : settings.admin().entitlements(tenant)) {
      entitlements.add(Views.entitlementJson(e));
    }
    json.put("entitlements", entitlements);
    return json(json);
  }

  private ConsoleResponse auditJson(Call call) {
    PageRequest request = new PageRequest(offsetParam(call.param("offset")), sizeParam(call.param("size")));
    Page<AuditEntry> page = settings.admin().audit(auditQuery(call), request);
    List<Object> items = new ArrayList<>();
    for (AuditEntry entry : page.items()) {
      items.add(Views.auditJson(entry));
    }
    return json(pageJson(items, page));
  }

  private static Map<String, Object> pageJson(List<Object> items, Page<?> page) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("items", items);
    json.put("offset", page.request().offset());
    json.put("size", page.request().size());
    json.put("hasMore", page.hasMore());
    return json;
  }

  // ---------------------------------------------------------------- changes

  private interface ChangeCall {
    ConsoleResponse run();
  }

  /**
   * Runs a change once per idempotency key (if one is sent), after the rate limit: a repeated key answers as the first
   * time and counts against no limit, as it writes nothing.
   */
  private ConsoleResponse idempotent(Call call, @Nullable String key, Change change, ChangeCall body) {
    Actor actor = call.requireActor();
    String scoped = null;
    if (key != null) {
      if (key.isBlank() || key.length() > 255) {
        throw new InvalidRequestException("Idempotency-Key", "must be 1 to 255 characters");
      }
      scoped = actor.id() + "\n" + key;
      String fingerprint = change.action() + "\n" + change.tenant().value() + "\n" + change.parameters() + "\n"
          + change.reason();
      IdempotencyStore.Lookup lookup = idempotency.begin(scoped, fingerprint, settings.clock().instant());
      switch (lookup) {
        case IdempotencyStore.Replay replay -> {
          logChange(call, change, "replayed (Idempotency-Key seen before; nothing written)");
          return replay.response();
        }
        case IdempotencyStore.InProgress p -> throw new Refusal(409, "Conflict",
            "a request with this Idempotency-Key is still running", "Idempotency-Key", null);
        case IdempotencyStore.Mismatch m -> throw new Refusal(422, "Unprocessable Content",
            "this Idempotency-Key was used for another request", "Idempotency-Key", null);
        case IdempotencyStore.Fresh f -> {
          // go on
        }
      }
    }
    try {
      long retryAfter = rateLimiter.tryAcquire(actor.id(), settings.clock().instant());
      if (retryAfter > 0) {
        throw new Refusal(429, "Too Many Requests", "too many changes; try again in " + retryAfter + " s", null,
            retryAfter);
      }
      ConsoleResponse response = body.run();
      if (scoped != null) {
        idempotency.complete(scoped, response);
      }
      return response;
    } catch (RuntimeException e) {
      if (scoped != null) {
        idempotency.abandon(scoped);
      }
      throw e;
    }
  }

  private static Refusal refusalFor(QuotaException e) {
    return switch (e) {
      case InvalidRequestException invalid -> new Refusal(400, "Bad Request", message(invalid), invalid.field(),
          null);
      case AccessDeniedException denied -> Refusal.of(403, "Forbidden", message(denied));
      case EntitlementStateException state -> Refusal.of(409, "Conflict", message(state));
      case QuotaContentionException contention -> Refusal.of(409, "Conflict", message(contention)
          + "; try again");
      default -> throw e;
    };
  }

  private void logChange(Call call, Change change, String outcome) {
    LOG.info("console change actor=\"{}\" operation={} tenant=\"{}\" outcome=\"{}\"",
        Http.loggable(call.requireActor().id()), change.operation(), Http.loggable(change.tenant().value()),
        Http.loggable(outcome));
  }

  // ---------------------------------------------------------------- parameters

  private static TenantId tenantParam(@Nullable String value) {
    if (value == null || value.isEmpty()) {
      throw new InvalidRequestException("tenant", "is required");
    }
    try {
      return TenantId.of(value);
    } catch (InvalidRequestException e) {
      throw new InvalidRequestException("tenant", e.rule());
    }
  }

  private Meter meterParam(@Nullable String value) {
    if (value == null || value.isBlank()) {
      return settings.catalogue().defaultMeter();
    }
    Meter meter = Meter.of(value.strip());
    if (!settings.catalogue().contains(meter)) {
      throw new InvalidRequestException("meter", "must be one of " + settings.catalogue().meters().keySet()
          + ", was '" + Formats.cut(value) + "'");
    }
    return meter;
  }

  private static String statusName(TenantStatus status) {
    return status.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static TenantStatus statusParam(String value) {
    for (TenantStatus status : TenantStatus.values()) {
      if (statusName(status).equals(value.strip().toLowerCase(Locale.ROOT).replace('_', '-'))) {
        return status;
      }
    }
    throw new InvalidRequestException("status", "must be one of blocked, near-limit, bypassed, overridden, was '"
        + Formats.cut(value) + "'");
  }

  private static int offsetParam(@Nullable String value) {
    return intParam("offset", value, 0, 0, Integer.MAX_VALUE);
  }

  private static int sizeParam(@Nullable String value) {
    return intParam("size", value, PAGE_SIZE, 1, PageRequest.MAX_SIZE);
  }

  private static int intParam(String name, @Nullable String value, int absent, int min, int max) {
    if (value == null || value.isBlank()) {
      return absent;
    }
    try {
      int number = Integer.parseInt(value.strip());
      if (number < min || number > max) {
        throw new InvalidRequestException(name, "must be between " + min + " and " + max + ", was " + number);
      }
      return number;
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(name, "must be a whole number, was '" + Formats.cut(value) + "'");
    }
  }

  private static String orEmpty(@Nullable String value) {
    return value == null ? "" : value;
  }

  private String tenantLink(TenantId tenant) {
    return settings.basePath() + "/tenant?tenant=" + Http.encode(tenant.value());
  }

  private String newToken() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  // ---------------------------------------------------------------- responses

  private ConsoleResponse html(int status, String template, Object model) {
    StringOutput out = new StringOutput(8192);
    templates.render(template, model, out);
    return respond(status, HTML, out.toString().getBytes(StandardCharsets.UTF_8), Map.of());
  }

  private static ConsoleResponse json(Object value) {
    return respond(200, JSON, Json.write(value).getBytes(StandardCharsets.UTF_8), Map.of());
  }

  private static ConsoleResponse redirect(String location) {
    return respond(303, "text/plain; charset=utf-8", new byte[0], Map.of("Location", location));
  }

  private ConsoleResponse problem(boolean api, @Nullable Call call, Refusal refusal) {
    Map<String, String> extra = new LinkedHashMap<>();
    if (refusal.retryAfter != null) {
      extra.put("Retry-After", Long.toString(refusal.retryAfter));
    }
    if (refusal.status == 401) {
      extra.put("WWW-Authenticate", "Session");
    }
    if (api || call == null || refusal.status == 401) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("type", "about:blank");
      json.put("title", refusal.title);
      json.put("status", refusal.status);
      json.put("detail", refusal.detail);
      if (refusal.field != null) {
        json.put("field", refusal.field);
      }
      if (api) {
        return respond(refusal.status, PROBLEM, Json.write(json).getBytes(StandardCharsets.UTF_8), extra);
      }
    }
    if (call == null || refusal.status == 401) {
      String text = refusal.status + " " + refusal.title + ": " + refusal.detail + "\n";
      return respond(refusal.status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), extra);
    }
    Views.ErrorPage page = new Views.ErrorPage(chrome(call, refusal.status + " " + refusal.title, "", null,
        refusal.detail), refusal.status, refusal.detail);
    StringOutput out = new StringOutput();
    templates.render("error.jte", page, out);
    return respond(refusal.status, HTML, out.toString().getBytes(StandardCharsets.UTF_8), extra);
  }

  private static ConsoleResponse respond(int status, String contentType, byte[] body, Map<String, String> extra) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", contentType);
    headers.put("Content-Security-Policy", CSP);
    headers.put("Cache-Control", "no-store");
    headers.put("X-Content-Type-Options", "nosniff");
    headers.put("Referrer-Policy", "same-origin");
    headers.put("X-Frame-Options", "DENY");
    headers.putAll(extra);
    return new ConsoleResponse(status, headers, body);
  }

  private static String message(Throwable e) {
    return Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
  }
}

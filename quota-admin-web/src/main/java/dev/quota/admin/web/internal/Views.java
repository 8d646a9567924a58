package dev.quota.admin.web.internal;

import dev.quota.LevelUsage;
import dev.quota.UsageReport;
import dev.quota.Window;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Bypass;
import dev.quota.admin.Entitlement;
import dev.quota.admin.Grant;
import dev.quota.admin.LimitOverride;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.TenantStatus;
import dev.quota.admin.TierOverride;
import dev.quota.admin.UsageEntry;
import dev.quota.admin.UsageReportView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the templates show: plain values, already formatted, so a template only places and (by the engine) escapes
 * text. Public for the precompiled templates, which live in a package of their own.
 */
public final class Views {
  private Views() {}

  /**
   * What every page shares.
   *
   * @param title the page's title
   * @param base the console's base path
   * @param principal who is signed in
   * @param operator whether they may change things (change controls are shown only then)
   * @param csrfToken the session's synchronizer token, put into every form, if any
   * @param status a message about the last change, announced to screen readers, if any
   * @param error a message about a refused request, if any
   * @param nav which navigation entry is current ({@code tenants} or {@code audit})
   */
  public record Chrome(String title, String base, String principal, boolean operator, @Nullable String csrfToken,
      @Nullable String status, @Nullable String error, String nav) {
    /** @return the value of {@code aria-current} for the tenants link, or null to leave it out */
    public @Nullable String tenantsCurrent() {
      return nav.equals("tenants") ? "page" : null;
    }

    /** @return the value of {@code aria-current} for the audit link, or null to leave it out */
    public @Nullable String auditCurrent() {
      return nav.equals("audit") ? "page" : null;
    }
  }

  /**
   * A choice in a form.
   *
   * @param value what is sent
   * @param label what is shown
   * @param selected whether it is chosen
   */
  public record Option(String value, String label, boolean selected) {}

  /**
   * A hidden form field.
   *
   * @param name its name
   * @param value its value
   */
  public record Field(String name, String value) {}

  /**
   * A tenant's standing on one meter, as a row.
   *
   * @param tenant the tenant id
   * @param link the tenant's page
   * @param meter the meter
   * @param tier the effective tier
   * @param tierSource where it comes from (plan, override, default)
   * @param used units used this period
   * @param reserved units held
   * @param limitAndGranted the limit, plus what is granted
   * @param remaining units left
   * @param percent the usage in percent, for the meter element (0 to 100)
   * @param percentText the usage in percent, as text
   * @param resetsAt when the period ends, in the operator's zone
   * @param status the standing in words (blocked, near limit, bypassed, overridden, open)
   * @param limitSource where the limit comes from: the tier, or the tenant's own limit (by whom, why, until when)
   * @param credit the unspent units of active one-time credits, or empty for none
   */
  public record UsageRow(String tenant, String link, String meter, String tier, String tierSource, String used,
      String reserved, String limitAndGranted, String remaining, double percent, String percentText,
      String resetsAt, String status, String limitSource, String credit) {}

  /**
   * One day of usage, as a row of the history table.
   *
   * @param day the day, in the history's zone
   * @param used the units used that day
   * @param percent the day's usage in percent of the busiest day's, for the bar (0 to 100)
   */
  public record HistoryRow(String day, String used, double percent) {}

  /**
   * A one-time credit, as a row.
   *
   * @param meter the meter
   * @param amount the units it gives in total
   * @param drawn the units drawn so far
   * @param remaining the units not drawn yet
   * @param until when it expires
   * @param by who gave it
   * @param reason why
   * @param state active, pending, ended or revoked (by whom, why)
   */
  public record CreditRow(String meter, String amount, String drawn, String remaining, String until, String by,
      String reason, String state) {}

  /**
   * The tenants page.
   *
   * @param chrome the shared parts
   * @param meter the meter listed
   * @param meters the meters to choose from
   * @param prefix the tenant id prefix searched for
   * @param statuses the status filters
   * @param rows the tenants of this page
   * @param range which rows these are, in words
   * @param previous the previous page's link, if any
   * @param next the next page's link, if any
   */
  public record TenantsPage(Chrome chrome, String meter, List<Option> meters, String prefix, List<Option> statuses,
      List<UsageRow> rows, String range, @Nullable String previous, @Nullable String next) {}

  /**
   * An entitlement, as a row.
   *
   * @param id its id
   * @param kind grant, reset, override or bypass
   * @param detail what it gives
   * @param from from when
   * @param until until when
   * @param by who made it
   * @param reason why
   * @param state active, ended or revoked (by whom, why)
   * @param active whether it can still be revoked
   */
  public record EntitlementRow(String id, String kind, String detail, String from, String until, String by,
      String reason, String state, boolean active) {}

  /**
   * An audit entry, as a row.
   *
   * @param at when
   * @param tenant the tenant
   * @param link the tenant's page
   * @param actor who
   * @param operation what
   * @param reason why
   * @param details what exactly changed
   */
  public record AuditRow(String at, String tenant, String link, String actor, String operation, String reason,
      String details) {}

  /**
   * A ledger entry, as a row.
   *
   * @param at when it was recorded
   * @param meter the meter
   * @param amount the units
   * @param key the usage key
   */
  public record LedgerRow(String at, String meter, String amount, String key) {}

  /**
   * One level of a tenant's path, as a link of the trail from the root.
   *
   * @param tenant the level's tenant id
   * @param link its page
   * @param current {@code page} for the tenant whose page this is (its {@code aria-current}), else null
   */
  public record PathLevel(String tenant, String link, @Nullable String current) {}

  /**
   * A tenant's standing at one level of its path and in one window, as a row: where a decision on the tenant is made.
   *
   * @param meter the meter
   * @param level the level's tenant id
   * @param link the level's page
   * @param distance where the level is: this tenant, its parent, or how many levels up
   * @param window the window: period, day, hour or minute
   * @param used units used in the window (at the level: its own and its descendants')
   * @param reserved units held
   * @param limit the level's limit in the window (plus what is granted, for the period)
   * @param remaining units left
   * @param percent the usage in percent, for the meter element (0 to 100)
   * @param percentText the usage in percent, as text
   * @param resetsAt when the window ends, in the operator's zone
   * @param status the standing in words; {@code blocked} where this level and window refuse writes
   */
  public record WindowRow(String meter, String level, String link, String distance, String window, String used,
      String reserved, String limit, String remaining, double percent, String percentText, String resetsAt,
      String status) {}

  /**
   * A tenant's place in the tree of tenants.
   *
   * @param parent the parent's id; null for a root
   * @param parentLink the parent's page; null for a root
   * @param path the levels from the root down to the tenant
   * @param childrenCaption what the children table shows (meter, which rows)
   * @param children the direct children of this page, each with its period's usage on the default meter
   * @param childrenPrevious the previous children's link, if any
   * @param childrenNext the next children's link, if any
   * @param windows the standing at every level of the path and in every window of every meter, the tenant first
   */
  public record Tree(@Nullable String parent, @Nullable String parentLink, List<PathLevel> path,
      String childrenCaption, List<UsageRow> children, @Nullable String childrenPrevious,
      @Nullable String childrenNext, List<WindowRow> windows) {}

  /**
   * A tenant's page.
   *
   * @param chrome the shared parts
   * @param tenant the tenant id
   * @param tree its parent, path, children and standing at every level and window
   * @param usage the standing on every meter
   * @param entitlements grants, credits, overrides and bypasses, newest first
   * @param credits the one-time credits, newest first
   * @param historyCaption what the history table shows (meter, days, zone)
   * @param history the default meter's usage per day, oldest first
   * @param audit the tenant's audit entries, newest first
   * @param ledger the tenant's latest ledger entries, newest first
   * @param auditLink the audit log filtered to this tenant
   * @param meters the meters, for the forms
   * @param tiers the tiers, for the forms
   * @param defaultUntil the forms' default expiry, as a {@code datetime-local} value
   * @param zone the operator's zone, in which the forms' times are read
   */
  public record TenantPage(Chrome chrome, String tenant, Tree tree, List<UsageRow> usage,
      List<EntitlementRow> entitlements, List<CreditRow> credits, String historyCaption, List<HistoryRow> history,
      List<AuditRow> audit, List<LedgerRow> ledger, String auditLink, List<Option> meters, List<Option> tiers,
      String defaultUntil, String zone) {}

  /**
   * The confirmation of a change.
   *
   * @param chrome the shared parts
   * @param tenant the tenant id
   * @param tenantLink the tenant's page
   * @param summary exactly what will change
   * @param action the action's name
   * @param fields the change's parameters, sent again
   * @param reason the reason, sent again
   * @param idempotencyKey the key that makes a second click harmless
   */
  public record ConfirmPage(Chrome chrome, String tenant, String tenantLink, String summary, String action,
      List<Field> fields, String reason, String idempotencyKey) {}

  /**
   * The audit log.
   *
   * @param chrome the shared parts
   * @param operations the operation filter
   * @param actor the actor filter
   * @param tenant the tenant filter
   * @param from the lower time bound, as typed
   * @param until the upper time bound, as typed
   * @param rows the entries of this page
   * @param range which entries these are, in words
   * @param previous the previous page's link, if any
   * @param next the next page's link, if any
   * @param zone the operator's zone
   */
  public record AuditPage(Chrome chrome, List<Option> operations, String actor, String tenant, String from,
      String until, List<AuditRow> rows, String range, @Nullable String previous, @Nullable String next,
      String zone) {}

  /**
   * An error page.
   *
   * @param chrome the shared parts
   * @param status the HTTP status
   * @param detail what went wrong
   */
  public record ErrorPage(Chrome chrome, int status, String detail) {}

  static String status(UsageReport report, int nearLimitPercent) {
    List<String> words = new ArrayList<>();
    for (TenantStatus status : TenantStatus.values()) {
      if (status.holdsFor(report, nearLimitPercent)) {
        words.add(status.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
      }
    }
    return words.isEmpty() ? "open" : String.join(", ", words);
  }

  static UsageRow usageRow(UsageReport report, String link, Formats formats) {
    double percent = report.percentUsed();
    return new UsageRow(report.tenant().value(), link, report.meter().name(),
        report.effectiveTier().map(t -> t.name()).orElse("none"), Formats.tierSource(report.tierSource()),
        Formats.amount(report.used()), Formats.amount(report.reserved()), Formats.limitAndGranted(report),
        Formats.amount(report.remaining()), Math.max(0, Math.min(100, percent)), Formats.percent(percent),
        formats.instant(report.resetsAt()), status(report, dev.quota.admin.UsageQuery.DEFAULT_NEAR_LIMIT_PERCENT),
        report.limitOverride().map(o -> "own limit by " + o.createdBy().id() + ", "
            + (o.openEnded() ? "until revoked" : "until " + formats.instant(o.validUntil())) + ": " + o.reason())
            .orElse(report.effectiveTier().isPresent() ? "tier" : "none"),
        report.creditAvailable() == 0 ? "" : Formats.amount(report.creditAvailable()) + " one-time credit left");
  }

  static WindowRow windowRow(LevelUsage level, String link, Formats formats) {
    UsageReport report = level.report();
    double percent = report.percentUsed();
    return new WindowRow(report.meter().name(), level.level().value(), link, distance(level.levelsUp()),
        windowName(level.window()), Formats.amount(report.used()), Formats.amount(report.reserved()),
        Formats.limitAndGranted(report), Formats.amount(report.remaining()), Math.max(0, Math.min(100, percent)),
        Formats.percent(percent), formats.instant(report.resetsAt()),
        status(report, dev.quota.admin.UsageQuery.DEFAULT_NEAR_LIMIT_PERCENT));
  }

  private static String distance(int levelsUp) {
    return switch (levelsUp) {
      case 0 -> "this tenant";
      case 1 -> "parent";
      default -> levelsUp + " levels up";
    };
  }

  private static String windowName(Window window) {
    return window.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** A level's standing in one window, for JSON: the report's numbers with the level and the window. */
  static Map<String, Object> levelJson(LevelUsage level) {
    UsageReport report = level.report();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("meter", report.meter().name());
    json.put("level", level.level().value());
    json.put("levelsUp", level.levelsUp());
    json.put("window", windowName(level.window()));
    json.put("used", report.used());
    json.put("reserved", report.reserved());
    json.put("limit", report.limit());
    json.put("ceiling", report.ceiling());
    json.put("remaining", report.remaining());
    json.put("percentUsed", report.percentUsed());
    json.put("start", report.period().start().toString());
    json.put("resetsAt", report.resetsAt().toString());
    json.put("blocked", report.blocked());
    return json;
  }

  static CreditRow creditRow(OneTimeCredit c, Instant now, Formats formats) {
    return new CreditRow(c.meter().name(), Formats.amount(c.amount()), Formats.amount(c.drawn()),
        Formats.amount(c.unspent()), formats.instant(c.validUntil()), c.createdBy().id(), c.reason(), state(c, now,
        formats));
  }

  private static String state(Entitlement e, Instant now, Formats formats) {
    return e.revocation().map(r -> "revoked " + formats.instant(r.at()) + " by " + r.by().id() + ": "
        + r.reason()).orElse(e.isActiveAt(now) ? "active" : now.isBefore(e.validFrom()) ? "pending" : "ended");
  }

  static EntitlementRow entitlementRow(Entitlement e, Instant now, Formats formats) {
    String kind;
    String detail;
    switch (e) {
      case Grant g -> {
        kind = g.kind() == Grant.Kind.RESET ? "reset" : g.kind() == Grant.Kind.ROLLOVER ? "rollover" : "grant";
        detail = Formats.amount(g.amount()) + " " + g.meter().name();
      }
      case TierOverride o -> {
        kind = "override";
        detail = "tier " + o.tier().name();
      }
      case OneTimeCredit c -> {
        kind = "one-time credit";
        detail = Formats.amount(c.unspent()) + " of " + Formats.amount(c.amount()) + " " + c.meter().name() + " left";
      }
      case LimitOverride l -> {
        kind = "limit";
        detail = (l.limit() == dev.quota.TierCatalogue.UNLIMITED ? "unlimited" : Formats.amount(l.limit())) + " "
            + l.meter().name();
      }
      case Bypass b -> {
        kind = "bypass";
        detail = "no blocking";
      }
    }
    String state = state(e, now, formats);
    String until = e instanceof LimitOverride l && l.openEnded() ? "until revoked" : formats.instant(e.validUntil());
    return new EntitlementRow(e.id().toString(), kind, detail, formats.instant(e.validFrom()), until, e.createdBy().id(), e.reason(), state,
        e.revocation().isEmpty() && now.isBefore(e.validUntil()));
  }

  static AuditRow auditRow(AuditEntry entry, String link, Formats formats) {
    StringBuilder details = new StringBuilder();
    entry.details().forEach((k, v) -> details.append(details.isEmpty() ? "" : ", ").append(k).append('=').append(v));
    return new AuditRow(formats.instant(entry.at()), entry.tenant().value(), link, entry.actor().id(),
        entry.operation().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '), entry.reason(),
        details.toString());
  }

  /**
   * A usage report in the one JSON shape the command line and the actuator endpoint also use
   * ({@link UsageReportView}), with the listing's statuses added.
   */
  static Map<String, @Nullable Object> usageJson(UsageReport report) {
    Map<String, @Nullable Object> json = new LinkedHashMap<>(UsageReportView.of(report).toMap());
    List<Object> statuses = new ArrayList<>();
    for (TenantStatus status : TenantStatus.values()) {
      if (status.holdsFor(report, dev.quota.admin.UsageQuery.DEFAULT_NEAR_LIMIT_PERCENT)) {
        statuses.add(status.name());
      }
    }
    json.put("statuses", statuses);
    return json;
  }

  static Map<String, Object> entitlementJson(Entitlement e) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", e.id().toString());
    switch (e) {
      case Grant g -> {
        json.put("kind",
            g.kind() == Grant.Kind.RESET ? "reset" : g.kind() == Grant.Kind.ROLLOVER ? "rollover" : "grant");
        json.put("meter", g.meter().name());
        json.put("amount", g.amount());
      }
      case TierOverride o -> {
        json.put("kind", "override");
        json.put("tier", o.tier().name());
      }
      case OneTimeCredit c -> {
        json.put("kind", "one-time-credit");
        json.put("meter", c.meter().name());
        json.put("amount", c.amount());
        json.put("drawn", c.drawn());
        json.put("unspent", c.unspent());
      }
      case LimitOverride l -> {
        json.put("kind", "limit-override");
        json.put("meter", l.meter().name());
        json.put("limit", l.limit());
      }
      case Bypass b -> json.put("kind", "bypass");
    }
    json.put("validFrom", e.validFrom().toString());
    json.put("validUntil", e.validUntil().toString());
    json.put("createdBy", e.createdBy().id());
    json.put("reason", e.reason());
    e.revocation().ifPresent(r -> {
      json.put("revokedAt", r.at().toString());
      json.put("revokedBy", r.by().id());
    });
    return json;
  }

  static LedgerRow ledgerRow(UsageEntry entry, Formats formats) {
    return new LedgerRow(formats.instant(entry.occurredAt()), entry.meter().name(), Formats.amount(entry.amount()),
        entry.key().value());
  }

  static Map<String, Object> ledgerJson(UsageEntry entry) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("occurredAt", entry.occurredAt().toString());
    json.put("meter", entry.meter().name());
    json.put("amount", entry.amount());
    json.put("key", entry.key().value());
    json.put("periodStart", entry.period().start().toString());
    json.put("periodEnd", entry.period().end().toString());
    return json;
  }

  static Map<String, Object> auditJson(AuditEntry entry) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", entry.id().toString());
    json.put("at", entry.at().toString());
    json.put("tenant", entry.tenant().value());
    json.put("actor", entry.actor().id());
    json.put("operation", entry.operation().name());
    json.put("reason", entry.reason());
    json.put("details", new LinkedHashMap<String, Object>(entry.details()));
    return json;
  }
}

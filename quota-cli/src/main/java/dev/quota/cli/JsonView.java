package dev.quota.cli;

import dev.quota.LevelUsage;
import dev.quota.Period;
import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Bypass;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.Entitlement;
import dev.quota.admin.Grant;
import dev.quota.admin.LimitOverride;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.PurgeSummary;
import dev.quota.admin.TierOverride;
import dev.quota.admin.UsageReportView;
import dev.quota.alert.Delivery;
import dev.quota.alert.Notification;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code --json} form of every result. Instants are ISO-8601 UTC strings; counts are whole numbers in the
 * meter's unit, and {@code null} where the library says {@link TierCatalogue#UNLIMITED} (a number that large
 * does not survive a double in most JSON readers).
 */
final class JsonView {
  private JsonView() {}

  /**
   * A usage report, in the one shape every tool shows it in ({@link UsageReportView}): the actuator endpoint's too.
   *
   * @param r the report
   * @return its fields
   */
  static Map<String, Object> usage(UsageReport r) {
    return UsageReportView.of(r).toMap();
  }

  /**
   * One level and window of a tenant's path, as {@code quota usage --json} lists them under {@code levels}.
   *
   * @param level the level's standing in the window
   * @return {@code level}, {@code levelsUp}, {@code window} ({@code minute}, {@code hour}, {@code day} or
   *     {@code period}), then the usage fields of the report that count for a limit
   */
  static Map<String, Object> level(LevelUsage level) {
    UsageReport r = level.report();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("level", level.level().value());
    m.put("levelsUp", level.levelsUp());
    m.put("window", level.window().name().toLowerCase(java.util.Locale.ROOT));
    m.put("effectiveTier", r.effectiveTier().map(Object::toString));
    m.put("used", r.used());
    m.put("reserved", r.reserved());
    m.put("ceiling", r.ceiling() == TierCatalogue.UNLIMITED ? null : r.ceiling());
    m.put("remaining", r.remaining() == TierCatalogue.UNLIMITED ? null : r.remaining());
    m.put("percentUsed", Math.round(r.percentUsed() * 100.0) / 100.0);
    m.put("blocked", r.blocked());
    m.put("period", period(r.period()));
    return m;
  }

  /**
   * A grant, tier override or bypass.
   *
   * @param e the entitlement
   * @return its fields; {@code kind} is {@code credit}, {@code reset}, {@code tier-override} or {@code bypass}
   */
  static Map<String, Object> entitlement(Entitlement e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", e.id().toString());
    m.put("tenant", e.tenant().value());
    switch (e) {
      case Grant g -> {
        m.put("kind", switch (g.kind()) {
          case RESET -> "reset";
          case ROLLOVER -> "rollover";
          case CREDIT -> "credit";
        });
        m.put("meter", g.meter().name());
        m.put("amount", g.amount());
      }
      case TierOverride o -> {
        m.put("kind", "tier-override");
        m.put("tier", o.tier().name());
      }
      case OneTimeCredit c -> {
        m.put("kind", "one-time-credit");
        m.put("meter", c.meter().name());
        m.put("amount", c.amount());
        m.put("drawn", c.drawn());
        m.put("remaining", c.unspent());
      }
      case LimitOverride l -> {
        m.put("kind", "limit-override");
        m.put("meter", l.meter().name());
        m.put("limit", l.limit() == TierCatalogue.UNLIMITED ? null : l.limit());
      }
      case Bypass b -> m.put("kind", "bypass");
    }
    m.put("validFrom", e.validFrom());
    m.put("validUntil", e.validUntil());
    m.put("createdBy", e.createdBy().id());
    m.put("reason", e.reason());
    m.put("revocation", e.revocation().map(r -> {
      Map<String, Object> rm = new LinkedHashMap<>();
      rm.put("at", r.at());
      rm.put("by", r.by().id());
      rm.put("reason", r.reason());
      return rm;
    }));
    return m;
  }

  /**
   * An audit entry.
   *
   * @param e the entry
   * @return its fields, details as an object in their order
   */
  static Map<String, Object> audit(AuditEntry e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", e.id().toString());
    m.put("at", e.at());
    m.put("tenant", e.tenant().value());
    m.put("actor", e.actor().id());
    m.put("operation", e.operation().name());
    m.put("reason", e.reason());
    m.put("details", new LinkedHashMap<>(e.details()));
    return m;
  }

  /**
   * One delivery of the notification outbox.
   *
   * @param d the delivery
   * @return its fields
   */
  static Map<String, Object> delivery(Delivery d) {
    Notification n = d.notification();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("notificationId", n.id().toString());
    m.put("kind", n.kind().name());
    m.put("tenant", n.tenant().value());
    m.put("meter", n.meter().name());
    m.put("thresholdPercent", n.thresholdPercent());
    m.put("used", n.used());
    m.put("ceiling", n.ceiling());
    m.put("occurredAt", n.occurredAt());
    m.put("cause", n.cause());
    m.put("channel", d.channel());
    m.put("state", d.state().name());
    m.put("attempts", d.attempts());
    m.put("queuedAt", d.queuedAt());
    m.put("nextAttemptAt", d.nextAttemptAt());
    m.put("lastAttemptAt", d.lastAttemptAt());
    m.put("lastError", d.lastError());
    return m;
  }

  /**
   * One counter compared with its ledger.
   *
   * @param tenant the tenant
   * @param c the check
   * @return its fields
   */
  static Map<String, Object> check(String tenant, CounterCheck c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tenant", tenant);
    m.put("meter", c.meter().name());
    m.put("period", period(c.period()));
    m.put("counterUsed", c.counterUsed());
    m.put("ledgerUsed", c.ledgerUsed());
    m.put("consistent", c.consistent());
    m.put("drift", c.drift());
    return m;
  }

  /**
   * What a purge deletes or would delete.
   *
   * @param s the summary
   * @return its fields, amounts by meter name
   */
  static Map<String, Object> purge(PurgeSummary s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tenant", s.tenant().value());
    m.put("since", s.since());
    m.put("entries", s.entries());
    Map<String, Object> amounts = new TreeMap<>();
    s.amountByMeter().forEach((meter, amount) -> amounts.put(meter.name(), amount));
    m.put("amountByMeter", amounts);
    return m;
  }

  /**
   * A period.
   *
   * @param p the period
   * @return {@code start} and {@code end}
   */
  static Map<String, Object> period(Period p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("start", p.start());
    m.put("end", p.end());
    return m;
  }
}

package dev.quota.cli;

import dev.quota.LevelUsage;
import dev.quota.Meter;
import dev.quota.Period;
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
import dev.quota.alert.Delivery;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationKind;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The human form of every result: label-value blocks and aligned tables, times in the operator's zone. */
final class TextView {
  private TextView() {}

  /**
   * The usage report, as {@code quota usage} prints it.
   *
   * @param report the report
   * @param now the current instant
   * @param zone the operator's zone
   * @return the lines
   */
  static String usage(UsageReport report, Instant now, ZoneId zone) {
    String[] amounts = {Text.units(report.used()), Text.units(report.limit()), Text.units(report.granted()),
        Text.units(report.reserved()), Text.units(report.remaining())};
    int width = 0;
    for (String amount : amounts) {
      width = Math.max(width, amount.length());
    }
    String amount = "%" + width + "s";
    StringJoiner lines = new StringJoiner("\n");
    lines.add(row("tenant", report.tenant().value()));
    lines.add(row("meter", report.meter().name()));
    lines.add(row("tier", tier(report)));
    lines.add(row("usage", Text.bar(report.percentUsed()) + " " + Text.percent(report.percentUsed())
        + " of limit + granted"));
    lines.add(row("used", String.format(Locale.ROOT, amount, amounts[0])));
    lines.add(row("limit", String.format(Locale.ROOT, amount, amounts[1]) + report.limitOverride()
        .map(o -> "  (the tenant's own, override " + o.id() + ")").orElse("")));
    lines.add(row("granted", String.format(Locale.ROOT, amount, amounts[2])));
    if (report.creditDrawn() > 0 || !report.credits().isEmpty()) {
      lines.add(row("credits", Text.units(report.creditDrawn()) + " drawn this period, "
          + Text.units(report.creditAvailable()) + " left"));
    }
    report.rollover().ifPresent(rollover -> lines.add(row("rollover", Text.units(rollover.amount())
        + " of the previous period's unused allowance, in granted (" + rollover.createdBy() + ")")));
    lines.add(row("reserved", String.format(Locale.ROOT, amount, amounts[3])));
    lines.add(row("remaining", String.format(Locale.ROOT, amount, amounts[4])));
    lines.add(row("status", status(report, zone)));
    lines.add(row("period", period(report.period(), zone)));
    lines.add(row("resets at", Text.timeFromNow(report.resetsAt(), now, zone)));
    if (report.activeEntitlements().isEmpty()) {
      lines.add(row("in force", "no grants, overrides or bypasses"));
    } else {
      lines.add("in force:");
      lines.add(indent(entitlements(report.activeEntitlements(), now, zone)));
    }
    return lines.toString();
  }

  /**
   * The limits a decision on a tenant rests on besides its own period: its short windows and its ancestors'
   * counters, as {@code quota usage} lists them.
   *
   * @param levels the levels of {@link dev.quota.QuotaGuard#usagePath}, the tenant's own period left out
   * @param now the current instant
   * @param zone the operator's zone
   * @return a heading and an indented table
   */
  static String levels(List<LevelUsage> levels, Instant now, ZoneId zone) {
    Table table = new Table("LEVEL", "WINDOW", "USAGE", ">USED", ">LIMIT", ">REMAINING", "STATUS", "RESETS AT");
    for (LevelUsage level : levels) {
      UsageReport r = level.report();
      String name = level.levelsUp() == 0 ? r.tenant().value() : r.tenant().value() + " (" + (level.levelsUp() == 1
          ? "parent" : level.levelsUp() + " up") + ")";
      table.row(name, level.window().name().toLowerCase(Locale.ROOT),
          Text.bar(r.percentUsed()) + String.format(Locale.ROOT, " %6s", Text.percent(r.percentUsed())),
          Text.units(r.used()), Text.units(r.ceiling()), Text.units(r.remaining()), shortStatus(r),
          Text.timeFromNow(r.resetsAt(), now, zone));
    }
    return "limits on the path (a write must fit each):\n" + indent(table.render());
  }

  /**
   * One line for a tenant's standing after a change.
   *
   * @param report the report
   * @param zone the operator's zone
   * @return e.g. {@code now: acme ai-tokens used 100,000 of 200,000 (limit 100,000 + granted 100,000), remaining
   *     100,000: open}
   */
  static String standing(UsageReport report, ZoneId zone) {
    String ceiling = report.granted() == 0 ? Text.units(report.ceiling())
        : Text.units(report.ceiling()) + " (limit " + Text.units(report.limit()) + " + granted "
            + Text.units(report.granted()) + ")";
    return "now: " + report.tenant() + " " + report.meter() + " on " + report.effectiveTier().map(Object::toString)
        .orElse("no tier") + ", used " + Text.units(report.used()) + " of " + ceiling + ", remaining "
        + Text.units(report.remaining()) + ": " + status(report, zone);
  }

  /**
   * The admin dashboard's list.
   *
   * @param reports the reports, most utilized first
   * @param now the current instant
   * @param zone the operator's zone
   * @return the table
   */
  static String top(List<UsageReport> reports, Instant now, ZoneId zone) {
    Table table = new Table(">#", "TENANT", "TIER", "USAGE", ">USED", ">LIMIT+GRANTED", ">REMAINING", "STATUS",
        "RESETS AT");
    for (int i = 0; i < reports.size(); i++) {
      UsageReport r = reports.get(i);
      table.row(Integer.toString(i + 1), r.tenant().value(), r.effectiveTier().map(Object::toString).orElse("-"),
          Text.bar(r.percentUsed()) + String.format(Locale.ROOT, " %6s", Text.percent(r.percentUsed())),
          Text.units(r.used()), Text.units(r.ceiling()), Text.units(r.remaining()), shortStatus(r),
          Text.timeFromNow(r.resetsAt(), now, zone));
    }
    return table.render();
  }

  /**
   * Entitlements as a table.
   *
   * @param entitlements the grants, overrides and bypasses
   * @param now the current instant
   * @param zone the operator's zone
   * @return the table
   */
  static String entitlements(List<Entitlement> entitlements, Instant now, ZoneId zone) {
    Table table = new Table("KIND", "WHAT", "UNTIL", "BY", "REASON", "ID");
    for (Entitlement e : entitlements) {
      table.row(kind(e), what(e), Text.timeFromNow(e.effectiveEnd(), now, zone), e.createdBy().id(), e.reason(),
          e.id().toString());
    }
    return table.render();
  }

  /**
   * Audit entries as a table, newest first.
   *
   * @param entries the entries
   * @param zone the operator's zone
   * @return the table
   */
  static String audit(List<AuditEntry> entries, ZoneId zone) {
    Table table = new Table("AT", "TENANT", "OPERATION", "ACTOR", "REASON", "DETAILS");
    for (AuditEntry e : entries) {
      String details = e.details().entrySet().stream().map(d -> d.getKey() + "=" + d.getValue())
          .collect(Collectors.joining(", "));
      table.row(Text.time(e.at(), zone), e.tenant().value(), e.operation().name(), e.actor().id(), e.reason(),
          details);
    }
    return table.render();
  }

  /**
   * Notification deliveries as a table.
   *
   * @param deliveries the deliveries
   * @param now the time of the run, for the next attempt
   * @param zone the operator's zone
   * @return the table
   */
  static String deliveries(List<Delivery> deliveries, Instant now, ZoneId zone) {
    Table table = new Table("STATE", "KIND", "TENANT", "METER", "CHANNEL", ">ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR",
        "NOTIFICATION");
    for (Delivery d : deliveries) {
      Notification n = d.notification();
      String kind = n.kind() == NotificationKind.THRESHOLD_CROSSED ? n.thresholdPercent() + "%"
          : n.kind().name().toLowerCase(Locale.ROOT) + (n.cause().isEmpty() ? "" : " by " + n.cause());
      table.row(d.state().name().toLowerCase(Locale.ROOT), kind, n.tenant().value(), n.meter().name(), d.channel(),
          Integer.toString(d.attempts()), d.nextAttemptAt() == null ? "-" : Text.timeFromNow(d.nextAttemptAt(), now,
              zone), d.lastError().isEmpty() ? "-" : d.lastError(), n.id().toString());
    }
    return table.render();
  }

  /**
   * Counter checks as a table.
   *
   * @param checks the checks, each with its tenant
   * @param zone the operator's zone
   * @return the table
   */
  static String verification(List<Map.Entry<String, CounterCheck>> checks, ZoneId zone) {
    Table table = new Table("TENANT", "METER", "PERIOD", ">COUNTER", ">LEDGER", "RESULT");
    for (Map.Entry<String, CounterCheck> entry : checks) {
      CounterCheck c = entry.getValue();
      table.row(entry.getKey(), c.meter().name(), period(c.period(), zone), Text.units(c.counterUsed()),
          Text.units(c.ledgerUsed()), c.consistent() ? "consistent"
              : String.format(Locale.ROOT, "DRIFT %+,d", c.drift()));
    }
    return table.render();
  }

  /**
   * What a purge deletes or would delete.
   *
   * @param summary the summary
   * @param zone the operator's zone
   * @return the lines
   */
  static String purge(PurgeSummary summary, ZoneId zone) {
    StringJoiner lines = new StringJoiner("\n");
    lines.add(row("tenant", summary.tenant().value()));
    lines.add(row("since", Text.time(summary.since(), zone)));
    lines.add(row("entries", Text.count(summary.entries(), "ledger entry", "ledger entries")));
    Map<String, Long> byMeter = new TreeMap<>();
    summary.amountByMeter().forEach((meter, amount) -> byMeter.put(meter.name(), amount));
    if (byMeter.isEmpty()) {
      lines.add(row("units", "none"));
    } else {
      boolean first = true;
      for (Map.Entry<String, Long> e : byMeter.entrySet()) {
        lines.add(row(first ? "units" : "", Text.units(e.getValue()) + " " + e.getKey()));
        first = false;
      }
    }
    return lines.toString();
  }

  /**
   * A grant, override or bypass in a sentence.
   *
   * @param e the entitlement
   * @return e.g. {@code credit of 50,000 ai-tokens}
   */
  static String what(Entitlement e) {
    return switch (e) {
      case Grant g -> Text.units(g.amount()) + " " + g.meter();
      case TierOverride o -> "tier " + o.tier();
      case LimitOverride l -> "limit of " + Text.units(l.limit()) + " " + l.meter();
      case OneTimeCredit c -> Text.units(c.amount()) + " " + c.meter() + " once (" + Text.units(c.drawn())
          + " drawn, " + Text.units(c.unspent()) + " left)";
      case Bypass b -> "no blocking";
    };
  }

  /**
   * The kind of an entitlement.
   *
   * @param e the entitlement
   * @return {@code credit}, {@code reset grant}, {@code rollover}, {@code tier override}, {@code limit override} or {@code bypass}
   */
  static String kind(Entitlement e) {
    return switch (e) {
      case Grant g when g.kind() == Grant.Kind.RESET -> "reset grant";
      case Grant g when g.kind() == Grant.Kind.ROLLOVER -> "rollover";
      case Grant g -> "credit";
      case TierOverride o -> "tier override";
      case LimitOverride l -> "limit override";
      case OneTimeCredit c -> "one-time credit";
      case Bypass b -> "bypass";
    };
  }

  /**
   * A period in the operator's zone.
   *
   * @param period the period
   * @param zone the zone
   * @return e.g. {@code 2026-11-01 00:00:00 UTC .. 2026-12-01 00:00:00 UTC}
   */
  static String period(Period period, ZoneId zone) {
    return Text.time(period.start(), zone) + " .. " + Text.time(period.end(), zone);
  }

  /**
   * A sentence on whether the tenant is blocked.
   *
   * @param report the report
   * @param zone the operator's zone
   * @return e.g. {@code BLOCKED: nothing remains until the reset or an operator's unblock}
   */
  static String status(UsageReport report, ZoneId zone) {
    if (report.bypassed()) {
      return "open: bypassed until " + Text.time(report.bypassedUntil().orElseThrow(), zone)
          + " (usage still recorded)";
    }
    if (report.blocked()) {
      return "BLOCKED: nothing remains until the reset or an operator's unblock";
    }
    return "open";
  }

  private static String shortStatus(UsageReport report) {
    return report.bypassed() ? "bypassed" : report.blocked() ? "BLOCKED" : "open";
  }

  private static String tier(UsageReport report) {
    String effective = report.effectiveTier().map(Object::toString).orElse("none");
    String planned = report.plannedTier().map(Object::toString).orElse("(no plan)");
    return switch (report.tierSource()) {
      case PLAN -> effective + " (the plan's tier)";
      case OVERRIDE -> effective + " (temporary override; the plan is " + planned + ")";
      case DEFAULT_WITHOUT_PLAN -> effective + " (default tier: the tenant has no plan)";
      case DEFAULT_FOR_UNKNOWN_TIER -> effective + " (default tier: the plan's tier " + planned + " is unknown)";
      case REJECTED_WITHOUT_PLAN -> "none: the tenant has no plan and is rejected";
      case REJECTED_UNKNOWN_TIER -> "none: the plan's tier " + planned + " is unknown and the tenant is rejected";
    };
  }

  /**
   * A label and its value, aligned with the other rows of a block.
   *
   * @param label the label
   * @param value the value
   * @return the line
   */
  static String row(String label, String value) {
    return String.format(Locale.ROOT, "%-10s %s", label, value).stripTrailing();
  }

  private static String indent(String block) {
    return block.lines().map(line -> "  " + line).collect(Collectors.joining("\n"));
  }

  /**
   * A meter list for messages.
   *
   * @param meters the meters
   * @return e.g. {@code ai-tokens, ai-calls}
   */
  static String meters(List<Meter> meters) {
    return meters.stream().map(Meter::name).collect(Collectors.joining(", "));
  }
}

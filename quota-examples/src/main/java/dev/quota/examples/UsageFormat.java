package dev.quota.examples;

import dev.quota.Decision;
import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Bypass;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.Entitlement;
import dev.quota.admin.Grant;
import dev.quota.admin.LimitOverride;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.TierOverride;
import dev.quota.alert.ThresholdAlert;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Turns quota's values into aligned console text for the demo. Numbers use {@link Locale#ROOT} so the
 * output is the same on every machine.
 */
final class UsageFormat {
  /** The width of a usage bar, in characters, brackets excluded. */
  static final int BAR_WIDTH = 30;
  private static final int LINE_WIDTH = 100;

  private UsageFormat() {}

  /**
   * A section title, padded with a rule.
   *
   * @param number the section's number
   * @param title what happens in it
   * @return the title line, preceded by a blank line
   */
  static String section(int number, String title) {
    String head = "== " + number + ". " + title + " ";
    return "\n" + head + "=".repeat(Math.max(3, LINE_WIDTH - head.length()));
  }

  /**
   * A count of units with thousands separators, or {@code unlimited}.
   *
   * @param units the count
   * @return e.g. {@code 1,000,000}
   */
  static String units(long units) {
    return units == TierCatalogue.UNLIMITED ? "unlimited" : String.format(Locale.ROOT, "%,d", units);
  }

  /**
   * A percentage with one decimal, right-aligned in 6 characters.
   *
   * @param percent the percentage
   * @return e.g. {@code " 85.3%"}
   */
  static String percent(double percent) {
    return String.format(Locale.ROOT, "%5.1f%%", percent);
  }

  /**
   * A bar filled in proportion to a percentage, full at 100% and above. Rounded down, so a bar looks full
   * only when the quota really is used up.
   *
   * @param percent the percentage
   * @return e.g. {@code [#########.....]}
   */
  static String bar(double percent) {
    int filled = (int) Math.min(BAR_WIDTH, Math.max(0, Math.floor(percent * BAR_WIDTH / 100.0)));
    return "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "]";
  }

  /**
   * The usage report block: what a {@code /subscriptions/usage} endpoint would show.
   *
   * @param report the report
   * @return indented lines
   */
  static String report(UsageReport report) {
    StringJoiner lines = new StringJoiner("\n");
    lines.add("    usage report: " + report.tenant() + ", " + report.meter() + ", simulated time " + report.asOf());
    lines.add(row("tier", tier(report)));
    lines.add(row("usage", bar(report.percentUsed()) + " " + percent(report.percentUsed()) + " of limit + granted"));
    lines.add(row("used", amount(report.used())));
    lines.add(row("limit", amount(report.limit())));
    lines.add(row("granted", amount(report.granted())));
    if (!report.credits().isEmpty() || report.creditDrawn() > 0) {
      lines.add(row("one-time", amount(report.creditDrawn()) + " drawn this period, "
          + amount(report.creditAvailable()) + " left"));
    }
    lines.add(row("reserved", amount(report.reserved())));
    lines.add(row("remaining", amount(report.remaining())));
    lines.add(row("status", report.blocked() ? "BLOCKED: nothing remains until the reset or an operator's unblock"
        : report.bypassed() ? "bypassed until " + report.bypassedUntil().orElseThrow() : "open"));
    lines.add(row("resets at", report.resetsAt().toString()));
    List<Entitlement> active = report.activeEntitlements();
    if (active.isEmpty()) {
      lines.add(row("in force", "no grants, overrides or bypasses"));
    } else {
      for (int i = 0; i < active.size(); i++) {
        lines.add(row(i == 0 ? "in force" : "", entitlement(active.get(i))));
      }
    }
    return lines.toString();
  }

  /**
   * One line of progress while the planner works.
   *
   * @param call the planner call's number
   * @param report the standing after it
   * @return an indented line
   */
  static String progress(int call, UsageReport report) {
    return String.format(Locale.ROOT, "    call %3d  %s %s  used %9s of %s  remaining %9s", call,
        bar(report.percentUsed()), percent(report.percentUsed()), units(report.used()), units(report.ceiling()),
        units(report.remaining()));
  }

  /**
   * A threshold alert, as the demo's alert listener prints it.
   *
   * @param alert the alert
   * @return an indented line
   */
  static String alert(ThresholdAlert alert) {
    return String.format(Locale.ROOT, "    ALERT %3d%%  tenant %s has used %s of %s %s (simulated time %s)",
        alert.thresholdPercent(), alert.tenant(), units(alert.used()), units(alert.ceiling()), alert.meter(),
        alert.at());
  }

  /**
   * A guard decision.
   *
   * @param decision the decision
   * @return indented lines
   */
  static String decision(Decision decision) {
    StringJoiner lines = new StringJoiner("\n");
    lines.add(row("decision", (decision.allowed() ? "ALLOWED" : "DENIED") + ", reason " + decision.reason()));
    lines.add(row("requested", amount(decision.requested())));
    lines.add(row("remaining", amount(decision.remaining())));
    return lines.toString();
  }

  /**
   * One row of the admin dashboard's usage list.
   *
   * @param report a tenant's report
   * @return an indented line
   */
  static String dashboardRow(UsageReport report) {
    return String.format(Locale.ROOT, "    %-10s %-11s %s %s  used %11s of %11s", report.tenant(),
        report.effectiveTier().map(Object::toString).orElse("(none)"), bar(report.percentUsed()),
        percent(report.percentUsed()), units(report.used()), units(report.ceiling()));
  }

  /**
   * An audit entry. Entitlement ids are left out: they are random, and the demo prints the same text on
   * every run.
   *
   * @param entry the entry
   * @return indented lines
   */
  static String audit(AuditEntry entry) {
    String details = entry.details().entrySet().stream()
        .filter(d -> !isUuid(d.getValue()))
        .map(d -> d.getKey() + "=" + d.getValue())
        .collect(Collectors.joining(", "));
    StringJoiner lines = new StringJoiner("\n");
    lines.add(String.format(Locale.ROOT, "    %s  %-13s by %s", entry.at(), entry.operation(), entry.actor()));
    lines.add(row("reason", entry.reason()));
    lines.add(row("details", details.isEmpty() ? "-" : details));
    return lines.toString();
  }

  /**
   * One counter compared with its ledger.
   *
   * @param check the check
   * @return an indented line
   */
  static String check(CounterCheck check) {
    return String.format(Locale.ROOT, "    %s %s  counter %11s  ledger %11s  %s", check.meter(), check.period(),
        units(check.counterUsed()), units(check.ledgerUsed()),
        check.consistent() ? "consistent" : "DRIFT " + check.drift());
  }

  private static String tier(UsageReport report) {
    String effective = report.effectiveTier().map(Object::toString).orElse("(none)");
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

  private static String entitlement(Entitlement entitlement) {
    String what = switch (entitlement) {
      case Grant g when g.kind() == Grant.Kind.RESET -> "reset grant of " + units(g.amount()) + " " + g.meter();
      case Grant g -> "credit of " + units(g.amount()) + " " + g.meter();
      case TierOverride o -> "tier override to " + o.tier();
      case LimitOverride l -> "limit of " + units(l.limit()) + " " + l.meter();
      case OneTimeCredit c -> "one-time credit of " + units(c.amount()) + " " + c.meter() + " (" + units(c.unspent())
          + " left)";
      case Bypass b -> "bypass";
    };
    return what + " until " + entitlement.validUntil() + ", by " + entitlement.createdBy();
  }

  private static String row(String label, String value) {
    return String.format(Locale.ROOT, "      %-10s %s", label, value);
  }

  private static String amount(long units) {
    return String.format(Locale.ROOT, "%11s", units(units));
  }

  private static boolean isUuid(String value) {
    try {
      return UUID.fromString(value).toString().equalsIgnoreCase(value);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}

package dev.quota.cli;

import dev.quota.LevelUsage;
import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.UsageReport;
import dev.quota.Window;
import dev.quota.admin.TenantLookup;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota usage TENANT}: the usage report, as the service's usage endpoint shows it. */
@Command(name = "usage",
    description = {"Show a tenant's usage report: tier, limit, grants, used, reserved, remaining, status, reset "
        + "time, and the grants, overrides and bypasses in force (with the ids revoke takes).",
        "For a tenant with a parent or a tier with short windows (per minute, hour or day), also its parent and "
            + "every limit a decision on it rests on: each window, at the tenant and at each ancestor.",
        "Exits 0 if the tenant may proceed, 1 if it is blocked (here, in a window or at an ancestor). A tenant quota does not know (no plan, usage, "
            + "entitlements or audit history) is said to be unknown, with the known tenants it resembles."})
final class UsageCommand extends QuotaCommand {
  @Parameters(paramLabel = "TENANT", description = "The tenant id, or a user's e-mail address (see find).")
  String tenant;

  @Option(names = "--meter", paramLabel = "METER", description = "The meter (default: the catalogue's first).")
  String meter;

  @Override
  int run(Session session) {
    TenantId id = session.tenant(tenant);
    Meter m = session.meter(meter);
    UsageReport report = session.guard().usage(id, m);
    TenantLookup lookup = session.admin().lookUp(id);
    Optional<TenantId> parent = session.admin().parentOf(id);
    // the tenant's own period is the report above; the rest are its windows and its ancestors' counters
    List<LevelUsage> path = session.guard().usagePath(id, m);
    List<LevelUsage> levels = path.stream().filter(level -> level.levelsUp() > 0 || level.window() != Window.PERIOD)
        .toList();
    session.out().result(() -> {
      String text = TextView.usage(report, report.asOf(), session.zone())
          + parent.map(p -> "\n" + TextView.row("parent", p.value())).orElse("")
          + (levels.isEmpty() ? "" : "\n" + TextView.levels(levels, report.asOf(), session.zone())) + "\n"
          + TextView.row("tiers", session.tiers().source());
      // the report of an id quota does not know shows what would apply to it: say so first, it may be a typo
      return lookup.known() ? text : UnknownTenant.note(lookup) + "\nWhat would apply to it:\n" + text;
    }, () -> {
      Map<String, Object> document = new LinkedHashMap<>(JsonView.usage(report));
      document.putAll(UnknownTenant.json(lookup));
      document.put("parent", parent.map(TenantId::value));
      document.put("levels", levels.stream().map(JsonView::level).toList());
      return document;
    });
    return blockedOnPath(path) ? ExitCode.REFUSED : ExitCode.OK;
  }

  /**
   * Tells whether a level or window of the path blocks the tenant: a bypass lifts the limits of its level and of the
   * levels below it, so a full counter blocks unless its level or one above it is bypassed.
   *
   * @param path every level and window of the tenant's path, its own period included
   * @return whether the tenant may not proceed
   */
  static boolean blockedOnPath(List<LevelUsage> levels) {
    int highestBypassed = levels.stream().filter(level -> level.report().bypassed())
        .mapToInt(LevelUsage::levelsUp).max().orElse(-1);
    return levels.stream().anyMatch(level -> level.report().remaining() == 0 && level.levelsUp() > highestBypassed);
  }
}

package dev.quota.cli;

import dev.quota.TenantId;
import dev.quota.UsageReport;
import dev.quota.admin.TenantLookup;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota usage TENANT}: the usage report, as the service's usage endpoint shows it. */
@Command(name = "usage",
    description = {"Show a tenant's usage report: tier, limit, grants, used, reserved, remaining, status, reset "
        + "time, and the grants, overrides and bypasses in force (with the ids revoke takes).",
        "Exits 0 if the tenant may proceed, 1 if it is blocked. A tenant quota does not know (no plan, usage, "
            + "entitlements or audit history) is said to be unknown, with the known tenants it resembles."})
final class UsageCommand extends QuotaCommand {
  @Parameters(paramLabel = "TENANT", description = "The tenant id, or a user's e-mail address (see find).")
  String tenant;

  @Option(names = "--meter", paramLabel = "METER", description = "The meter (default: the catalogue's first).")
  String meter;

  @Override
  int run(Session session) {
    TenantId id = session.tenant(tenant);
    UsageReport report = session.guard().usage(id, session.meter(meter));
    TenantLookup lookup = session.admin().lookUp(id);
    session.out().result(() -> {
      String text = TextView.usage(report, report.asOf(), session.zone()) + "\n"
          + TextView.row("tiers", session.tiers().source());
      // the report of an id quota does not know shows what would apply to it: say so first, it may be a typo
      return lookup.known() ? text : UnknownTenant.note(lookup) + "\nWhat would apply to it:\n" + text;
    }, () -> {
      Map<String, Object> document = new LinkedHashMap<>(JsonView.usage(report));
      document.putAll(UnknownTenant.json(lookup));
      return document;
    });
    return report.blocked() ? ExitCode.REFUSED : ExitCode.OK;
  }
}

package dev.quota.cli;

import dev.quota.TenantId;
import dev.quota.UsageReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota usage TENANT}: the usage report, as the service's usage endpoint shows it. */
@Command(name = "usage",
    description = {"Show a tenant's usage report: tier, limit, grants, used, reserved, remaining, status, reset "
        + "time, and the grants, overrides and bypasses in force (with the ids revoke takes).",
        "Exits 0 if the tenant may proceed, 1 if it is blocked."})
final class UsageCommand extends QuotaCommand {
  @Parameters(paramLabel = "TENANT", description = "The tenant id.")
  String tenant;

  @Option(names = "--meter", paramLabel = "METER", description = "The meter (default: the catalogue's first).")
  String meter;

  @Override
  int run(Session session) {
    UsageReport report = session.guard().usage(TenantId.of(tenant), session.meter(meter));
    session.out().result(() -> TextView.usage(report, report.asOf(), session.zone()), () -> JsonView.usage(report));
    return report.blocked() ? ExitCode.REFUSED : ExitCode.OK;
  }
}

package dev.quota.cli;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.admin.Bypass;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota bypass TENANT --until WHEN}: no blocking for one tenant for a while. */
@Command(name = "bypass",
    description = "Stop blocking one tenant until an expiry: the per-tenant, expiring replacement for a global "
        + "\"disable quota\" switch. Usage is still recorded and alerts still fire.")
final class BypassCommand extends TenantChangeCommand {
  @Parameters(paramLabel = "TENANT", description = "The tenant id, or a user's e-mail address (see find).")
  String tenant;

  @Option(names = "--until", paramLabel = "WHEN", required = true, converter = Converters.WhenValue.class,
      description = "When blocking resumes: 2026-12-01T00:00:00Z, 2026-12-01 (midnight in --zone), +2d, +12h, "
          + "end-of-period.")
  When until;

  @Override
  int run(Session session) {
    TenantId id = session.tenant(tenant);
    Meter meter = session.catalogue().defaultMeter();
    Instant expiry = session.resolve("--until", until, id, meter);
    Bypass bypass = change(session, id, admin -> admin.bypass(id, expiry, session.actor(), reason));
    String done = id + " is not blocked until " + Text.timeFromNow(bypass.validUntil(), session.now(), session.zone())
        + "; usage is still recorded (bypass " + bypass.id() + ").";
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("bypass", JsonView.entitlement(bypass));
    return changed(session, id, meter, done, document);
  }
}

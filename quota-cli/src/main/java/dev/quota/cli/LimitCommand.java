package dev.quota.cli;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.admin.LimitOverride;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota limit TENANT LIMIT [--until WHEN]}: one tenant's own limit on a meter, in place of its tier's. */
@Command(name = "limit",
    description = "Give a tenant its own limit on a meter in place of its tier's: higher (a negotiated contract) or "
        + "lower (a throttle, which blocks at once). Open-ended unless --until is given; `quota revoke` ends it.")
final class LimitCommand extends TenantChangeCommand {
  @Parameters(index = "0", paramLabel = "TENANT", description = "The tenant id.")
  String tenant;

  @Parameters(index = "1", paramLabel = "LIMIT", converter = Converters.LimitAmount.class,
      description = "The tenant's limit per period, in the meter's unit: 0, 50000, 50_000, 50k, 1.5M, unlimited.")
  long limit;

  @Option(names = "--until", paramLabel = "WHEN", converter = Converters.WhenValue.class,
      description = "When the tier's limit applies again: 2026-12-01T00:00:00Z, 2026-12-01 (midnight in --zone), "
          + "+2d, +12h, end-of-period. Without it the limit holds until revoked.")
  When until;

  @Option(names = "--meter", paramLabel = "METER", description = "The meter (default: the catalogue's first).")
  String meter;

  @Override
  int run(Session session) {
    TenantId id = TenantId.of(tenant);
    Meter m = session.meter(meter);
    LimitOverride override;
    if (until == null) {
      override = change(session, id, admin -> admin.overrideLimit(id, m, limit, session.actor(), reason));
    } else {
      Instant expiry = session.resolve("--until", until, id, m);
      override = change(session, id, admin -> admin.overrideLimit(id, m, limit, expiry, session.actor(), reason));
    }
    String end = override.openEnded() ? "until revoked"
        : "until " + Text.timeFromNow(override.validUntil(), session.now(), session.zone());
    String done = id + " has its own limit of " + Text.units(override.limit()) + " " + m + " per period " + end
        + " (override " + override.id() + ").";
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("override", JsonView.entitlement(override));
    return changed(session, id, m, done, document);
  }
}

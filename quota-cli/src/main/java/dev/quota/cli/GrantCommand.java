package dev.quota.cli;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.admin.Grant;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota grant TENANT AMOUNT --until WHEN}: extra units until an expiry. */
@Command(name = "grant",
    description = "Give a tenant extra units per period until an expiry: partial relief that ends by itself.")
final class GrantCommand extends TenantChangeCommand {
  @Parameters(index = "0", paramLabel = "TENANT", description = "The tenant id, or a user's e-mail address (see find).")
  String tenant;

  @Parameters(index = "1", paramLabel = "AMOUNT", converter = Converters.PositiveAmount.class,
      description = "The extra units per period, in the meter's unit: 50000, 50_000, 50k, 1.5M.")
  long amount;

  @Option(names = "--until", paramLabel = "WHEN", required = true, converter = Converters.WhenValue.class,
      description = "When the grant ends: 2026-12-01T00:00:00Z, 2026-12-01 (midnight in --zone), +2d, +12h, "
          + "end-of-period.")
  When until;

  @Option(names = "--meter", paramLabel = "METER", description = "The meter (default: the catalogue's first).")
  String meter;

  @Override
  int run(Session session) {
    TenantId id = session.tenant(tenant);
    Meter m = session.meter(meter);
    Instant expiry = session.resolve("--until", until, id, m);
    Grant grant = change(session, id, admin -> admin.raisePeriodCeiling(id, m, amount, expiry, session.actor(), reason));
    String done = "Granted " + id + " " + Text.units(grant.amount()) + " extra " + m + " per period until "
        + Text.timeFromNow(grant.validUntil(), session.now(), session.zone()) + " (grant " + grant.id() + ").";
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("grant", JsonView.entitlement(grant));
    return changed(session, id, m, done, document);
  }
}

package dev.quota.cli;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.admin.TierOverride;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota override-tier TENANT TIER --until WHEN}: another tier for a while, reverting by itself. */
@Command(name = "override-tier",
    description = "Put a tenant on another tier until an expiry, after which its plan's tier applies again by "
        + "itself: the temporary upgrade nobody has to remember to revert.")
final class OverrideTierCommand extends TenantChangeCommand {
  @Parameters(index = "0", paramLabel = "TENANT", description = "The tenant id, or a user's e-mail address (see find).")
  String tenant;

  @Parameters(index = "1", paramLabel = "TIER", description = "A tier of the catalogue, e.g. enterprise.")
  String tier;

  @Option(names = "--until", paramLabel = "WHEN", required = true, converter = Converters.WhenValue.class,
      description = "When the override ends: 2026-12-01T00:00:00Z, 2026-12-01 (midnight in --zone), +2d, +12h, "
          + "end-of-period.")
  When until;

  @Override
  int run(Session session) {
    TenantId id = session.tenant(tenant);
    Meter meter = session.catalogue().defaultMeter();
    Instant expiry = session.resolve("--until", until, id, meter);
    TierOverride override = change(session, id,
        admin -> admin.overrideTier(id, Tier.of(tier), expiry, session.actor(), reason));
    String done = id + " is on tier " + override.tier() + " until "
        + Text.timeFromNow(override.validUntil(), session.now(), session.zone())
        + ", then back to its plan's tier by itself (override " + override.id() + ").";
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("override", JsonView.entitlement(override));
    return changed(session, id, meter, done, document);
  }
}

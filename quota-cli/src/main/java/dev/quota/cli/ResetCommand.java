package dev.quota.cli;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.admin.Grant;
import dev.quota.admin.ResetResult;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota reset TENANT}: unblock by granting the period's usage back; nothing is deleted. */
@Command(name = "reset",
    description = {"Unblock a tenant now: grant its current period's usage back until the period ends. Nothing is "
        + "deleted; the report keeps showing the real usage, with the grant beside it.",
        "Without --meter, every meter with usage is reset."})
final class ResetCommand extends TenantChangeCommand {
  @Parameters(paramLabel = "TENANT", description = "The tenant id, or a user's e-mail address (see find).")
  String tenant;

  @Option(names = "--meter", paramLabel = "METER", description = "Reset only this meter (default: all meters).")
  String meter;

  @Override
  int run(Session session) {
    TenantId id = session.tenant(tenant);
    ResetResult result;
    Meter shown;
    if (meter == null) {
      result = change(session, id, admin -> admin.resetUsage(id, session.actor(), reason));
      shown = session.catalogue().defaultMeter();
    } else {
      Meter one = session.meter(meter);
      shown = one;
      result = change(session, id, admin -> admin.resetUsage(id, one, session.actor(), reason));
    }
    StringJoiner done = new StringJoiner("\n");
    if (result.grants().isEmpty()) {
      done.add("Nothing to reset: " + id + " has no usage left to cancel in its current period. The reset is "
          + "audited all the same.");
    }
    for (Grant g : result.grants()) {
      done.add("Reset " + id + " on " + g.meter() + ": granted back " + Text.units(g.amount()) + " until the period "
          + "ends, " + Text.time(g.validUntil(), session.zone()) + "; usage history kept (grant " + g.id() + ").");
    }
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("tenant", id.value());
    document.put("grants", result.grants().stream().map(JsonView::entitlement).toList());
    document.put("audit", JsonView.audit(result.audit()));
    return changed(session, id, shown, done.toString(), document);
  }
}

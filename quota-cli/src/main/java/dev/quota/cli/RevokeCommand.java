package dev.quota.cli;

import dev.quota.Meter;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.admin.LimitOverride;
import dev.quota.admin.OneTimeCredit;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code quota revoke ID}: end a grant, override or bypass now. */
@Command(name = "revoke",
    description = {"End a grant, tier override or bypass now. It is kept, marked revoked.",
        "The ids are shown by usage (in force) and by the command that made them."})
final class RevokeCommand extends ChangeCommand {
  @Parameters(paramLabel = "ID", description = "The entitlement's id, a UUID.")
  String id;

  @Override
  void checkArguments() {
    super.checkArguments();
    EntitlementId.parse(id);
  }

  @Override
  int run(Session session) {
    Entitlement revoked = session.admin().revoke(EntitlementId.parse(id), session.actor(), reason);
    Meter meter = revoked instanceof Grant g ? g.meter()
        : revoked instanceof LimitOverride l ? l.meter()
        : revoked instanceof OneTimeCredit c ? c.meter() : session.catalogue().defaultMeter();
    String done = "Revoked the " + TextView.kind(revoked) + " of " + TextView.what(revoked) + " of "
        + revoked.tenant() + " (it would have lasted until " + Text.time(revoked.validUntil(), session.zone())
        + "); it stays in the history as revoked.";
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("revoked", JsonView.entitlement(revoked));
    return changed(session, revoked.tenant(), meter, done, document);
  }
}

package dev.quota.cli;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.admin.OneTimeCredit;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota credit TENANT AMOUNT --until WHEN}: a balance spent once, e.g. a top-up pack. */
@Command(name = "credit",
    description = "Give a tenant a one-time credit: AMOUNT units in total, drawn on only by usage beyond the period's "
        + "allowance, carried into later periods until it expires (a top-up pack). Unlike `quota grant`, it is not "
        + "given again each period.")
final class CreditCommand extends TenantChangeCommand {
  @Parameters(index = "0", paramLabel = "TENANT", description = "The tenant id.")
  String tenant;

  @Parameters(index = "1", paramLabel = "AMOUNT", converter = Converters.PositiveAmount.class,
      description = "The units in total, in the meter's unit: 50000, 50_000, 50k, 1.5M.")
  long amount;

  @Option(names = "--until", paramLabel = "WHEN", required = true, converter = Converters.WhenValue.class,
      description = "When the credit expires: 2027-11-01T00:00:00Z, 2027-11-01 (midnight in --zone), +60d, +12h.")
  When until;

  @Option(names = "--meter", paramLabel = "METER", description = "The meter (default: the catalogue's first).")
  String meter;

  @Override
  int run(Session session) {
    TenantId id = TenantId.of(tenant);
    Meter m = session.meter(meter);
    Instant expiry = session.resolve("--until", until, id, m);
    Instant now = session.now();
    OneTimeCredit credit = change(session, id,
        admin -> admin.grantOneTimeCredit(id, m, amount, now, expiry, session.actor(), reason));
    String done = "Credited " + id + " " + Text.units(credit.amount()) + " " + m + " once, valid until "
        + Text.timeFromNow(credit.validUntil(), session.now(), session.zone()) + " (credit " + credit.id() + ").";
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("credit", JsonView.entitlement(credit));
    return changed(session, id, m, done, document);
  }
}

package dev.quota.cli;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.UsageReport;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.TenantLookup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code quota verify [TENANT]}: compare counters with the ledger. */
@Command(name = "verify",
    description = {"Compare every counter with the ledger entries it sums and report any drift. Reads only.",
        "Without a tenant: every tenant with usage in its current period on any meter.",
        "Exits 1 if a counter drifted: data was changed outside quota."})
final class VerifyCommand extends QuotaCommand {
  @Parameters(paramLabel = "TENANT", arity = "0..1", description = "The tenant id (default: all active tenants).")
  String tenant;

  @Override
  int run(Session session) {
    TenantId given = tenant == null ? null : session.tenant(tenant);
    List<TenantId> tenants = given == null ? activeTenants(session) : List.of(given);
    Optional<TenantLookup> lookup = given == null ? Optional.empty() : Optional.of(session.admin().lookUp(given));
    List<Map.Entry<String, CounterCheck>> checks = new ArrayList<>();
    for (TenantId id : tenants) {
      for (CounterCheck check : session.admin().verify(id).checks()) {
        checks.add(Map.entry(id.value(), check));
      }
    }
    long drifts = checks.stream().filter(c -> !c.getValue().consistent()).count();
    session.out().result(() -> {
      String summary = Text.count(checks.size(), "counter", "counters") + " of "
          + Text.count(tenants.size(), "tenant", "tenants") + " checked: " + (drifts == 0 ? "all consistent"
              : drifts + " drifted: data was changed outside quota");
      String unknown = lookup.filter(l -> !l.known()).map(l -> UnknownTenant.note(l) + "\n").orElse("");
      return unknown + (checks.isEmpty() ? summary : TextView.verification(checks, session.zone()) + "\n" + summary);
    }, () -> {
      Map<String, Object> document = new LinkedHashMap<>();
      document.put("tenants", tenants.stream().map(TenantId::value).toList());
      document.put("checks", checks.stream().map(c -> JsonView.check(c.getKey(), c.getValue())).toList());
      document.put("consistent", drifts == 0);
      lookup.ifPresent(l -> document.putAll(UnknownTenant.json(l)));
      return document;
    });
    return drifts == 0 ? ExitCode.OK : ExitCode.REFUSED;
  }

  /** The tenants of the admin dashboard on every meter, page by page. */
  private static List<TenantId> activeTenants(Session session) {
    Set<TenantId> tenants = new LinkedHashSet<>();
    for (Meter meter : session.catalogue().meters().keySet()) {
      PageRequest request = PageRequest.first(PageRequest.MAX_SIZE);
      while (true) {
        Page<UsageReport> page = session.admin().listUsage(meter, request);
        page.items().forEach(report -> tenants.add(report.tenant()));
        if (!page.hasMore()) {
          break;
        }
        request = request.next();
      }
    }
    return List.copyOf(tenants);
  }
}

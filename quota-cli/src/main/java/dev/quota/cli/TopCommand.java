package dev.quota.cli;

import dev.quota.Meter;
import dev.quota.UsageReport;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quota top}: the admin dashboard's list of tenants, most utilized first. */
@Command(name = "top",
    description = "List the tenants with usage in their current period, most utilized first: who is blocked, "
        + "who is close.")
final class TopCommand extends QuotaCommand {
  @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
      description = "How many tenants, 1 to " + PageRequest.MAX_SIZE + " (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--meter", paramLabel = "METER", description = "The meter (default: the catalogue's first).")
  String meter;

  @Override
  void checkArguments() {
    if (limit < 1 || limit > PageRequest.MAX_SIZE) {
      throw CliException.usage("--limit must be between 1 and " + PageRequest.MAX_SIZE + ", was " + limit);
    }
  }

  @Override
  int run(Session session) {
    Meter m = session.meter(meter);
    Page<UsageReport> page = session.admin().listUsage(m, PageRequest.first(limit));
    session.out().result(() -> {
      String tiers = "tiers " + session.tiers().source();
      if (page.items().isEmpty()) {
        return "no tenant has usage on " + m + " in its current period\n" + tiers;
      }
      String table = TextView.top(page.items(), session.now(), session.zone());
      return (page.hasMore() ? table + "\n(more tenants follow: raise --limit)" : table) + "\n" + tiers;
    }, () -> {
      Map<String, Object> document = new LinkedHashMap<>();
      document.put("meter", m.name());
      document.put("tenants", page.items().stream().map(JsonView::usage).toList());
      document.put("hasMore", page.hasMore());
      return document;
    });
    return ExitCode.OK;
  }
}

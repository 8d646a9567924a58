package dev.quota.cli;

import dev.quota.TenantId;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.TenantLookup;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota audit [TENANT]}: the audit log, newest first. */
@Command(name = "audit", description = "Show the audit log, newest first: who changed what, when and why.")
final class AuditCommand extends QuotaCommand {
  @Parameters(paramLabel = "TENANT", arity = "0..1", description = "Only this tenant's entries (default: all).")
  String tenant;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
      description = "How many entries, 1 to " + PageRequest.MAX_SIZE + " (default: ${DEFAULT-VALUE}).")
  int limit;

  @Override
  void checkArguments() {
    if (limit < 1 || limit > PageRequest.MAX_SIZE) {
      throw CliException.usage("--limit must be between 1 and " + PageRequest.MAX_SIZE + ", was " + limit);
    }
  }

  @Override
  int run(Session session) {
    PageRequest request = PageRequest.first(limit);
    TenantId id = tenant == null ? null : session.tenant(tenant);
    Page<AuditEntry> page = id == null ? session.admin().audit(request) : session.admin().audit(id, request);
    Optional<TenantLookup> lookup = page.items().isEmpty() && id != null
        ? Optional.of(session.admin().lookUp(id)) : Optional.empty();
    session.out().result(() -> {
      if (page.items().isEmpty()) {
        if (tenant == null) {
          return "the audit log is empty";
        }
        return lookup.filter(l -> !l.known()).map(UnknownTenant::note)
            .orElse("no audit entries for tenant " + tenant);
      }
      String table = TextView.audit(page.items(), session.zone());
      return page.hasMore() ? table + "\n(older entries follow: raise --limit)" : table;
    }, () -> {
      Map<String, Object> document = new LinkedHashMap<>();
      document.put("tenant", tenant);
      document.put("entries", page.items().stream().map(JsonView::audit).toList());
      document.put("hasMore", page.hasMore());
      lookup.ifPresent(l -> document.putAll(UnknownTenant.json(l)));
      return document;
    });
    return ExitCode.OK;
  }
}

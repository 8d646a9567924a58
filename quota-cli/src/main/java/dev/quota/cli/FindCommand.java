package dev.quota.cli;

import dev.quota.admin.TenantKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code quota find KEY}: the tenant a ticket means, by the human key the service recorded (such as e-mail). */
@Command(name = "find",
    description = {"Find the tenant id of a user by what the ticket says, e.g. an e-mail address, in the "
        + "application's own table as the service recorded it (quota.tenant-key.*): an exact match, without regard "
        + "to case for e-mail addresses. Prints the matching tenant ids, one a line. Reads only.",
        "Exits 0 if a tenant matched, 1 if none did. Every command that takes a tenant id also takes an e-mail "
            + "address, and says which tenant it resolved to."})
final class FindCommand extends QuotaCommand {
  @Parameters(paramLabel = "KEY", description = "What the ticket says, e.g. alice@example.com.")
  String key;

  @Override
  int run(Session session) {
    Map.Entry<TenantKey, List<String>> found = session.find(key);
    TenantKey tenantKey = found.getKey();
    List<String> ids = found.getValue();
    boolean more = ids.size() > Session.MAX_CANDIDATES;
    List<String> shown = more ? ids.subList(0, Session.MAX_CANDIDATES) : ids;
    session.out().result(() -> {
      if (shown.isEmpty()) {
        return "no tenant: no row of " + tenantKey.describe() + " matches '" + key + "'";
      }
      return String.join("\n", shown) + (more ? "\n(more tenants match: narrow the key)" : "");
    }, () -> {
      Map<String, Object> document = new LinkedHashMap<>();
      document.put("key", key);
      document.put("searched", tenantKey.describe());
      document.put("tenants", shown);
      document.put("hasMore", more);
      return document;
    });
    return shown.isEmpty() ? ExitCode.REFUSED : ExitCode.OK;
  }
}

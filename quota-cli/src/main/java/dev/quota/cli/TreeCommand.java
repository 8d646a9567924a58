package dev.quota.cli;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import dev.quota.admin.QuotaAdmin;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota tree TENANT}: the tenants under a tenant, each with its usage this period. */
@Command(name = "tree",
    description = {"Show the tenants under a tenant, one line each, indented by level, with their usage this period "
        + "(used, limit + granted, remaining, percent, status); above them, the tenant's ancestors up to the root.",
        "A level's usage includes its descendants': their usage counts at it too."})
final class TreeCommand extends QuotaCommand {
  @Parameters(paramLabel = "TENANT", description = "The tenant id, or a user's e-mail address (see find).")
  String tenant;

  @Option(names = "--meter", paramLabel = "METER", description = "The meter (default: the catalogue's first).")
  String meter;

  @Override
  int run(Session session) {
    TenantId id = session.tenant(tenant);
    Meter m = session.meter(meter);
    QuotaAdmin admin = session.admin();
    List<TenantId> ancestors = TenantTree.ancestors(admin, id);
    // the levels left under the tenant within the deepest tree the library writes
    TenantTree tree = TenantTree.read(admin, id, QuotaAdmin.MAX_TREE_DEPTH - ancestors.size());
    Map<TenantId, UsageReport> reports = new LinkedHashMap<>();
    collect(session, tree, m, reports);
    session.out().result(() -> text(session, id, m, ancestors, tree, reports), () -> {
      Map<String, Object> document = new LinkedHashMap<>();
      document.put("tenant", id.value());
      document.put("meter", m.name());
      document.put("ancestors", ancestors.reversed().stream().map(TenantId::value).toList());
      document.put("tree", json(tree, reports));
      document.put("truncated", tree.truncated());
      return document;
    });
    return ExitCode.OK;
  }

  private static void collect(Session session, TenantTree tree, Meter meter, Map<TenantId, UsageReport> reports) {
    reports.put(tree.tenant(), session.guard().usage(tree.tenant(), meter));
    tree.children().forEach(child -> collect(session, child, meter, reports));
  }

  private static String text(Session session, TenantId id, Meter meter, List<TenantId> ancestors, TenantTree tree,
      Map<TenantId, UsageReport> reports) {
    StringJoiner lines = new StringJoiner("\n");
    List<String> path = new ArrayList<>(ancestors.reversed().stream().map(TenantId::value).toList());
    path.add(id.value());
    lines.add(TextView.row("path", String.join(" > ", path) + (ancestors.isEmpty() ? " (a root)" : "")));
    lines.add(TextView.row("meter", meter.name() + "; a level's usage includes its descendants'"));
    Table table = new Table("TENANT", "TIER", "USAGE", ">USED", ">LIMIT+GRANTED", ">REMAINING", "STATUS");
    rows(table, tree, 0, reports);
    lines.add(table.render());
    if (tree.truncated()) {
      lines.add("(levels deeper than " + QuotaAdmin.MAX_TREE_DEPTH + " below the root are not shown)");
    }
    lines.add(Text.count(tree.size() - 1, "tenant", "tenants") + " under " + id);
    return lines.toString();
  }

  private static void rows(Table table, TenantTree tree, int depth, Map<TenantId, UsageReport> reports) {
    UsageReport r = reports.get(tree.tenant());
    table.row("  ".repeat(depth) + tree.tenant().value(), r.effectiveTier().map(Object::toString).orElse("-"),
        Text.bar(r.percentUsed()) + String.format(Locale.ROOT, " %6s", Text.percent(r.percentUsed())),
        Text.units(r.used()), Text.units(r.ceiling()), Text.units(r.remaining()),
        r.bypassed() ? "bypassed" : r.blocked() ? "BLOCKED" : "open");
    tree.children().forEach(child -> rows(table, child, depth + 1, reports));
  }

  private static Map<String, Object> json(TenantTree tree, Map<TenantId, UsageReport> reports) {
    UsageReport r = reports.get(tree.tenant());
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("tenant", tree.tenant().value());
    node.put("effectiveTier", r.effectiveTier().map(Object::toString));
    node.put("used", r.used());
    node.put("limit", count(r.limit()));
    node.put("granted", r.granted());
    node.put("ceiling", count(r.ceiling()));
    node.put("remaining", count(r.remaining()));
    node.put("percentUsed", Math.round(r.percentUsed() * 100.0) / 100.0);
    node.put("blocked", r.blocked());
    node.put("children", tree.children().stream().map(child -> json(child, reports)).toList());
    return node;
  }

  private static Long count(long amount) {
    return amount == TierCatalogue.UNLIMITED ? null : amount;
  }
}

package dev.quota.cli;

import dev.quota.TenantId;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.TenantLookup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota parent TENANT PARENT} and {@code quota parent TENANT --clear}: hang a tenant under another. */
@Command(name = "parent",
    description = {"Make a tenant the child of another (an organisation > workspace > member > API key tree, at most "
        + "5 levels): from now on its usage also counts at the parent and every ancestor, and must fit their limits "
        + "too. Usage recorded before stays where it was counted. --clear makes the tenant a root.",
        "Refused, nothing changed, if the parent is the tenant itself, is below it (a cycle), or the tree would get "
            + "deeper than 5 levels. Tenants quota does not know need --new-tenant: an unknown id is most likely a "
            + "typo."})
final class ParentCommand extends TenantChangeCommand {
  @Parameters(index = "0", paramLabel = "TENANT", description = "The tenant id, or a user's e-mail address (see find).")
  String tenant;

  @Parameters(index = "1", arity = "0..1", paramLabel = "PARENT",
      description = "Its new parent: a tenant id, or a user's e-mail address. Not with --clear.")
  String parent;

  @Option(names = "--clear", description = "Make the tenant a root: its usage counts at itself (and its "
      + "descendants') only.")
  boolean clear;

  @Override
  void checkArguments() {
    if (clear && parent != null) {
      throw CliException.usage("give PARENT or --clear, not both");
    }
    if (!clear && parent == null) {
      throw CliException.usage("PARENT is required (or --clear to make " + tenant + " a root)");
    }
    super.checkArguments();
  }

  @Override
  int run(Session session) {
    TenantId id = session.tenant(tenant);
    Optional<TenantId> newParent = clear ? Optional.empty() : Optional.of(session.tenant(parent));
    if (!newTenant) {
      // the library accepts any id as a parent; an operator typing two ids is likely to mistype one
      requireKnown(session, "", id);
      newParent.ifPresent(p -> requireKnown(session, "PARENT: ", p));
    }
    Optional<TenantId> previous = session.admin().parentOf(id);
    AuditEntry audit;
    try {
      audit = newParent.isPresent()
          ? session.admin().setParent(id, newParent.get(), session.actor(), reason)
          : session.admin().clearParent(id, session.actor(), reason);
    } catch (UnsupportedOperationException e) {
      throw CliException.refused("the store in schema " + session.schema() + " does not keep tenant trees ("
          + e.getMessage() + "); nothing was changed");
    }
    String was = previous.map(p -> "its parent was " + p).orElse("it was a root");
    String done = newParent.map(p -> id + "'s parent is now " + p + " (" + was + ").")
        .orElse(id + " is now a root (" + was + ").");
    List<TenantId> ancestors = TenantTree.ancestors(session.admin(), id);
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("tenant", id.value());
    document.put("parent", newParent.map(TenantId::value));
    document.put("previousParent", previous.map(TenantId::value));
    document.put("path", path(id, ancestors));
    document.put("audit", JsonView.audit(audit));
    return changed(session, id, session.catalogue().defaultMeter(), done + "\n" + TextView.row("path",
        String.join(" > ", path(id, ancestors).reversed())), document);
  }

  /** The tenant and its ancestors, the tenant first. */
  private static List<String> path(TenantId tenant, List<TenantId> ancestors) {
    List<String> path = new ArrayList<>();
    path.add(tenant.value());
    ancestors.forEach(a -> path.add(a.value()));
    return path;
  }

  private static void requireKnown(Session session, String which, TenantId tenant) {
    TenantLookup lookup = session.admin().lookUp(tenant);
    if (!lookup.known()) {
      CliException refusal = UnknownTenant.refusal(lookup, true);
      throw CliException.usage(which + refusal.getMessage());
    }
  }
}

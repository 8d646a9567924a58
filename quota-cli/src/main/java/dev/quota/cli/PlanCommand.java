package dev.quota.cli;

import dev.quota.Plan;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.PlanSource;
import dev.quota.admin.TenantLookup;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota plan TENANT TIER}: set the tenant's subscription. */
@Command(name = "plan",
    description = {"Set a tenant's subscription: its tier and, optionally, the day of the month its periods start.",
        "A downgrade takes effect at once: this period's usage is measured against the new limit.",
        "A tenant quota does not know yet (a new customer) needs --new-tenant: an unknown id is most likely a typo."})
final class PlanCommand extends TenantChangeCommand {
  @Parameters(index = "0", paramLabel = "TENANT", description = "The tenant id, or a user's e-mail address (see find).")
  String tenant;

  @Parameters(index = "1", paramLabel = "TIER", description = "A tier of the catalogue, e.g. pro.")
  String tier;

  @Option(names = "--billing-day", paramLabel = "D",
      description = "The day of the month (1 to 31) monthly periods start on; day 31 clamps to short months "
          + "(default: the catalogue's calendar periods).")
  Integer billingDay;

  @Override
  int run(Session session) {
    Tiers tiers = session.tiers();
    if (!(tiers.plans() instanceof PlanSource.QuotaTable)) {
      // a plan in quota's table would be ignored by a service that reads tiers elsewhere
      String where = tiers.planTable().map(table -> "the host's table " + table.describe())
          .orElse(tiers.plans().describe());
      throw CliException.refused("tiers come from " + where + " (" + tiers.plansOrigin() + "): change the tier there; "
          + "nothing was changed");
    }
    TenantId id = session.tenant(tenant);
    Plan plan = billingDay == null ? Plan.of(Tier.of(tier)) : Plan.of(Tier.of(tier), billingDay);
    if (!newTenant) {
      // The library lets a plan create a tenant (billing systems subscribe new customers that way); an operator
      // typing a tenant id is more likely to mistype it, so here a new tenant is said so explicitly.
      TenantLookup lookup = session.admin().lookUp(id);
      if (!lookup.known()) {
        throw UnknownTenant.refusal(lookup, true);
      }
    }
    AuditEntry audit = session.admin().setPlan(id, plan, session.actor(), reason);
    String previous = audit.details().get("previousTier");
    String was = previous == null ? "it had no plan" : "was " + previous;
    String done = id + "'s plan is now " + plan.tier() + (billingDay == null ? "" : ", periods starting on day "
        + billingDay) + " (" + was + ").";
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("tenant", id.value());
    document.put("tier", plan.tier().name());
    document.put("billingDay", billingDay);
    document.put("audit", JsonView.audit(audit));
    return changed(session, id, session.catalogue().defaultMeter(), done, document);
  }
}

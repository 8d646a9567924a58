package dev.quota.cli;

import dev.quota.TenantId;
import dev.quota.admin.QuotaAdmin;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * A change of one tenant named on the command line. A tenant quota does not know (no plan, usage, entitlements or
 * audit history) is most likely a typo: the change is refused with the known ids it may be a misspelling of,
 * unless {@value UnknownTenant#NEW_TENANT} says the tenant is meant to be new.
 */
abstract class TenantChangeCommand extends ChangeCommand {
  @Option(names = UnknownTenant.NEW_TENANT,
      description = "Act on a tenant quota does not know yet (no plan, usage, entitlements or audit history). "
          + "Without it such a change is refused as a likely typo, with the known tenants it resembles.")
  boolean newTenant;

  /**
   * Makes a change through the library, refused for an unknown tenant unless {@value UnknownTenant#NEW_TENANT} was
   * given.
   *
   * @param session the session
   * @param tenant the tenant changed
   * @param change the change, on the admin it is given
   * @param <T> what the change returns
   * @return what it returned
   */
  final <T> T change(Session session, TenantId tenant, Function<QuotaAdmin, T> change) {
    if (newTenant) {
      return change.apply(session.admin().acceptingNewTenants());
    }
    QuotaAdmin admin = session.admin();
    return UnknownTenant.refusedIfUnknown(admin, tenant, () -> change.apply(admin));
  }
}

package dev.quota.cli;

import dev.quota.InvalidRequestException;
import dev.quota.TenantId;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.TenantLookup;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the command line says about a tenant id quota does not know (no plan, usage, entitlements or audit history):
 * changes are refused with the known ids it may be a misspelling of, unless {@code --new-tenant} says the tenant is
 * meant to be new; reads say so above their result.
 */
final class UnknownTenant {
  /** The flag that makes a change act on a tenant quota does not know yet. */
  static final String NEW_TENANT = "--new-tenant";

  private UnknownTenant() {}

  /**
   * The line a read prints above its result for an unknown tenant.
   *
   * @param lookup what quota knows of the id
   * @return e.g. {@code tenant 'acmee' is unknown: it has no plan, usage, entitlements or audit history; did you
   *     mean 'acme'?}
   */
  static String note(TenantLookup lookup) {
    return "tenant " + lookup.describe();
  }

  /**
   * The refusal of a change to an unknown tenant: bad usage, nothing changed.
   *
   * @param lookup what quota knows of the id
   * @param newTenantOffered whether the command takes {@value #NEW_TENANT}
   * @return the failure to throw
   */
  static CliException refusal(TenantLookup lookup, boolean newTenantOffered) {
    return CliException.usage(note(lookup) + (lookup.didYouMean().isPresent() ? " " : ". ") + "Nothing was changed"
        + (newTenantOffered ? "; to act on a new tenant anyway, add " + NEW_TENANT : ""));
  }

  /**
   * Makes a change the library refuses for an unknown tenant, and says so in the command line's words.
   *
   * @param admin the refusing admin
   * @param tenant the tenant changed
   * @param change the change
   * @param <T> what the change returns
   * @return what the change returned
   * @throws CliException (bad usage) if the tenant is unknown
   */
  static <T> T refusedIfUnknown(QuotaAdmin admin, TenantId tenant, Supplier<T> change) {
    try {
      return change.get();
    } catch (InvalidRequestException e) {
      if ("tenant".equals(e.field())) {
        TenantLookup lookup = admin.lookUp(tenant);
        if (!lookup.known()) {
          throw refusal(lookup, true);
        }
      }
      throw e;
    }
  }

  /**
   * The JSON fields a read adds about the tenant.
   *
   * @param lookup what quota knows of the id
   * @return {@code tenantKnown} and {@code didYouMean} (the similar known ids, empty for a known tenant)
   */
  static Map<String, Object> json(TenantLookup lookup) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("tenantKnown", lookup.known());
    fields.put("didYouMean", lookup.similar().stream().map(TenantId::value).toList());
    return fields;
  }
}

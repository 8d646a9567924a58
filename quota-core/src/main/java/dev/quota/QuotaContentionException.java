package dev.quota;

import dev.quota.internal.Checks;

/**
 * A write gave up because the tenant kept changing under it.
 *
 * <p>Writes that depend on a tenant's plan and entitlements ({@link QuotaGuard#tryConsume},
 * {@link QuotaGuard#reserve}, {@link QuotaGuard#commit}, {@link QuotaGuard#record},
 * {@link QuotaGuard#recordAll} and {@link dev.quota.admin.QuotaAdmin#resetUsage}) are computed from the state
 * they read and refused by the store if an admin change (a grant, override, bypass, revoke, plan change or
 * reset, on this instance or another) came in between. The call then reads again and tries once more, up to
 * {@link #attempts()} times; this exception means every attempt was overtaken, which takes a burst of admin
 * changes to one tenant.
 *
 * <p>Nothing was written by the refused attempts: no usage, no hold, no grant, no audit entry. The call may be
 * retried as it was; usage keys make a retried record count once. {@link QuotaGuard#recordAll} writes the
 * batch tenant by tenant: events it wrote before giving up stay written, and retrying the whole batch with
 * the same usage keys records the rest while counting those once.
 */
public final class QuotaContentionException extends QuotaException {
  private static final long serialVersionUID = 1L;

  private final TenantId tenant;
  private final int attempts;

  /**
   * Creates the exception.
   *
   * @param tenant the tenant whose state kept changing
   * @param attempts how many attempts were refused as stale; positive
   */
  public QuotaContentionException(TenantId tenant, int attempts) {
    super("tenant '" + Checks.notNull("tenant", tenant).value() + "' changed during each of " + attempts
        + " attempts to write; gave up, nothing was written, and the call may be retried");
    this.tenant = tenant;
    this.attempts = attempts;
  }

  /** @return the tenant whose state kept changing */
  public TenantId tenant() {
    return tenant;
  }

  /** @return how many attempts were refused as stale */
  public int attempts() {
    return attempts;
  }
}

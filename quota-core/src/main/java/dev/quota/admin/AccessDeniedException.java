package dev.quota.admin;

import dev.quota.QuotaException;
import dev.quota.TenantId;

/** The {@link AdminAuthorizer} refused an admin call; nothing was changed. */
public final class AccessDeniedException extends QuotaException {
  private static final long serialVersionUID = 1L;

  private final Actor actor;
  private final AdminOperation operation;
  private final TenantId tenant;

  /**
   * Creates the exception.
   *
   * @param actor who asked
   * @param operation what was asked
   * @param tenant of which tenant
   */
  public AccessDeniedException(Actor actor, AdminOperation operation, TenantId tenant) {
    super("actor '" + actor.id() + "' may not " + operation + " for tenant '" + tenant.value() + "'");
    this.actor = actor;
    this.operation = operation;
    this.tenant = tenant;
  }

  /** @return who asked */
  public Actor actor() {
    return actor;
  }

  /** @return what was asked */
  public AdminOperation operation() {
    return operation;
  }

  /** @return of which tenant */
  public TenantId tenant() {
    return tenant;
  }
}

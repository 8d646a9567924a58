package dev.quota.admin;

import dev.quota.TenantId;

/**
 * Decides whether an actor may make an admin change to a tenant. Consulted after the input is validated
 * and before anything is written (a revoke first looks the entitlement up, to learn its tenant); a
 * refusal throws {@link AccessDeniedException} and is logged.
 *
 * <p>Implementations must be thread-safe and fast; they typically look the actor up in the host's own
 * roles.
 */
@FunctionalInterface
public interface AdminAuthorizer {

  /**
   * Tells whether the change is permitted.
   *
   * @param actor who asks
   * @param operation what they ask for
   * @param tenant the tenant the change applies to
   * @return {@code true} to permit it
   */
  boolean permits(Actor actor, AdminOperation operation, TenantId tenant);

  /**
   * Permits everything: the default, for hosts that authorize admin calls before they reach quota.
   *
   * @return an authorizer that always says yes
   */
  static AdminAuthorizer allowAll() {
    return (actor, operation, tenant) -> true;
  }
}

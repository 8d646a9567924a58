package dev.quota.admin;

import dev.quota.InvalidRequestException;
import dev.quota.TenantId;
import dev.quota.internal.Checks;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which audit entries {@link QuotaAdmin#audit(AuditQuery, PageRequest)} returns, newest first. The store filters
 * and pages in one query.
 *
 * {@snippet :
 * // every reset of the last week, whoever made it
 * AuditQuery resets = AuditQuery.all()
 *     .operations(AdminOperation.RESET_USAGE)
 *     .from(clock.instant().minus(Duration.ofDays(7)));
 * }
 *
 * @param tenant only this tenant's entries; {@code null} for every tenant
 * @param operations only entries of these operations; empty for every operation
 * @param actor only entries made by this actor; {@code null} for every actor
 * @param from only entries at or after this instant; {@code null} for no lower bound
 * @param until only entries before this instant; {@code null} for no upper bound
 */
public record AuditQuery(@Nullable TenantId tenant, Set<AdminOperation> operations, @Nullable Actor actor,
    @Nullable Instant from, @Nullable Instant until) {
  private static final AuditQuery ALL = new AuditQuery(null, Set.of(), null, null, null);

  /** Validates the query and freezes the operations. */
  public AuditQuery {
    Checks.notNull("operations", operations);
    for (AdminOperation operation : operations) {
      Checks.notNull("operations", operation);
    }
    operations = operations.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(operations));
    if (from != null && until != null && !until.isAfter(from)) {
      throw new InvalidRequestException("until", "must be after from (" + from + "), was " + until);
    }
  }

  /** @return every entry of every tenant */
  public static AuditQuery all() {
    return ALL;
  }

  /**
   * @param tenant the tenant
   * @return every entry of one tenant
   */
  public static AuditQuery of(TenantId tenant) {
    Checks.notNull("tenant", tenant);
    return new AuditQuery(tenant, Set.of(), null, null, null);
  }

  /**
   * @param tenant the tenant
   * @return this query, narrowed to one tenant
   */
  public AuditQuery tenant(TenantId tenant) {
    Checks.notNull("tenant", tenant);
    return new AuditQuery(tenant, operations, actor, from, until);
  }

  /**
   * @param first an operation
   * @param more further operations
   * @return this query, narrowed to entries of these operations
   */
  public AuditQuery operations(AdminOperation first, AdminOperation... more) {
    Checks.notNull("operations", first);
    Checks.notNull("operations", more);
    return new AuditQuery(tenant, EnumSet.of(first, more), actor, from, until);
  }

  /**
   * @param operations the operations, possibly none (every operation)
   * @return this query with those operations
   */
  public AuditQuery operations(Set<AdminOperation> operations) {
    return new AuditQuery(tenant, operations, actor, from, until);
  }

  /**
   * @param actor who made the changes
   * @return this query, narrowed to that actor's entries
   */
  public AuditQuery actor(Actor actor) {
    Checks.notNull("actor", actor);
    return new AuditQuery(tenant, operations, actor, from, until);
  }

  /**
   * @param from the earliest instant included
   * @return this query, narrowed to entries at or after it
   */
  public AuditQuery from(Instant from) {
    Checks.notNull("from", from);
    return new AuditQuery(tenant, operations, actor, from, until);
  }

  /**
   * @param until the first instant excluded
   * @return this query, narrowed to entries before it
   */
  public AuditQuery until(Instant until) {
    Checks.notNull("until", until);
    return new AuditQuery(tenant, operations, actor, from, until);
  }

  /** @return the tenant, if the query names one */
  public Optional<TenantId> tenantIfSet() {
    return Optional.ofNullable(tenant);
  }

  /** @return the actor, if the query names one */
  public Optional<Actor> actorIfSet() {
    return Optional.ofNullable(actor);
  }

  /**
   * Tells whether an entry passes the query's filters: the definition every store's audit listing agrees with.
   *
   * @param entry an audit entry
   * @return whether the query includes it
   */
  public boolean matches(AuditEntry entry) {
    return (tenant == null || tenant.equals(entry.tenant()))
        && (operations.isEmpty() || operations.contains(entry.operation()))
        && (actor == null || actor.equals(entry.actor()))
        && (from == null || !entry.at().isBefore(from))
        && (until == null || entry.at().isBefore(until));
  }
}

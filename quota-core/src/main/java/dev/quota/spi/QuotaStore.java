package dev.quota.spi;

/**
 * The storage a backend implements: quota's data, and each primitive made atomic. The policy (effective tiers,
 * ceilings, decisions, alerts, audit contents, validation) lives once in quota-core; a store keeps data.
 *
 * <p>The methods come in four groups, one interface each, so that a new backend sees what it must implement:
 * <ul>
 *   <li>{@link UsageStore}, the usage path the guard calls on every request: reads, conditional and
 *       unconditional usage writes, reservations;</li>
 *   <li>{@link NotificationStore}, alert marks and the notification outbox: each mark written with its
 *       notification, and the deliveries the dispatchers claim;</li>
 *   <li>{@link AdminStore}, the admin path: entitlements, plans, the audit log and the dashboard's listing;</li>
 *   <li>{@link MaintenanceStore}: verification against the ledger, and the purge.</li>
 * </ul>
 * Every method that a guarantee depends on is abstract; the two defaults ({@link #appendAll} one by one and
 * {@link #lastKnown} remembering nothing) keep every guarantee and only leave out an optimisation.
 *
 * <p>The rules every store follows, checked by quota-testkit's contract suite ({@code QuotaStoreContract}):
 * <ul>
 *   <li>Every operation is scoped by tenant; nothing reads or writes across tenants except the two
 *       listings ({@link #listUsage}, {@link #audit}) and the outbox's deliveries, which the dispatchers claim
 *       and operators list for all tenants.</li>
 *   <li>Each method is atomic: on failure it writes nothing and throws {@link StoreUnavailableException}
 *       (infrastructure) or another unchecked exception (a bug). Each admin change and its audit entry are
 *       written together or not at all.</li>
 *   <li>The ledger only grows, except through {@link #purge}. A counter's {@code used} always equals the sum
 *       of its period's ledger entries.</li>
 *   <li>Usage keys are unique per tenant and meter; a write whose key exists is a {@code Duplicate} and
 *       writes nothing.</li>
 *   <li>Writes that depend on the tenant's plan and entitlements carry the {@link TenantState#version()}
 *       they were computed from, and are refused as {@code Stale} if it changed, so that a write never uses
 *       a ceiling or period that an admin change has replaced.</li>
 *   <li>Time comes from the caller ({@code now}); a store never reads its own clock for decisions.</li>
 * </ul>
 * The package documentation shows how to write a backend.
 */
public interface QuotaStore extends UsageStore, AdminStore, MaintenanceStore, NotificationStore {

  /**
   * A state remembered from an earlier read, for {@link #lastKnown}.
   *
   * @param state the state
   * @param readAt when it was read
   */
  record KnownState(TenantState state, java.time.Instant readAt) {}
}

/**
 * The storage SPI: what a backend implements so that quota runs on it.
 *
 * <h2>Writing a backend, in a page</h2>
 *
 * <p>A backend is one class implementing {@link dev.quota.spi.QuotaStore}, which groups its methods in three
 * interfaces: {@link dev.quota.spi.UsageStore} (the guard's hot path), {@link dev.quota.spi.AdminStore} (the
 * operator's changes and listings) and {@link dev.quota.spi.MaintenanceStore} (verification and purge). The store
 * keeps data; it decides nothing. quota-core computes every ceiling, period and audit entry and hands the store
 * plain values: a {@link dev.quota.spi.LedgerEntry} with its period already computed, a ceiling as a number, an
 * {@link dev.quota.admin.AuditEntry} ready to write, the instant {@code now}.
 *
 * <p>What the store owes in return:
 * <ol>
 *   <li><b>Per-tenant atomicity.</b> Each method is one atomic step for its tenant. The simplest correct design
 *       serializes each tenant's writes (a row lock on a tenant row, a lock per tenant in memory) and lets different
 *       tenants run in parallel.</li>
 *   <li><b>Conditional writes.</b> {@code consume} and {@code reserve} write only if
 *       {@code used + reserved + amount <= ceiling}, with {@code reserved} counting the holds unexpired at
 *       {@code now}; checked and written in the same step, so no two callers both fit into the last unit.</li>
 *   <li><b>Versions.</b> Every tenant has a version that every admin change (entitlement, plan, revoke) moves on.
 *       Usage writes pass the version they were computed from; when it moved on, the write is refused as
 *       {@code Stale} and writes nothing. Likewise {@code addEntitlements(..., expectedVersion)} returns
 *       {@code false}.</li>
 *   <li><b>Idempotency.</b> A usage key is unique per tenant and meter; a second write with the key writes nothing
 *       and reports the first amount ({@code Duplicate}).</li>
 *   <li><b>Counters equal the ledger.</b> A counter holds {@code used} (the sum of its period's ledger entries)
 *       and {@code reserved} (its open holds); {@code verify} recomputes the sums. The ledger only grows, except
 *       through {@code purge}.</li>
 *   <li><b>Audit with the change.</b> An admin change and its audit entry are written together or not at all.</li>
 *   <li><b>Failures.</b> An unreachable or failing infrastructure becomes
 *       {@link dev.quota.spi.StoreUnavailableException}, after which nothing is half-written, so the guard's
 *       failure policy can decide.</li>
 *   <li><b>Listings in the store.</b> {@code listUsage} and {@code audit} filter, sort and page where the data is
 *       (a query, an index), never by handing every tenant to the caller; {@link dev.quota.spi.UsageListing}
 *       defines the numbers to sort by.</li>
 * </ol>
 *
 * <p>A cache is allowed on {@code read} (the guard's {@code canProceed} tolerates a documented staleness), never on
 * {@code readLatest}, which the guard uses after a stale write.
 *
 * <h2>Testing it</h2>
 *
 * <p>quota-testkit's contract suite is the test: extend {@code dev.quota.testkit.contract.QuotaStoreContract},
 * return a fresh store (or one on a fresh schema) from {@code createStore()}, and run it. It drives the store
 * through the public API and through this SPI directly, including deterministic checks of each guarantee above
 * and concurrent ones that would catch a missing lock. The in-memory store of quota-testkit,
 * {@code InMemoryQuotaStore}, is the reference model: short, and a good place to see each rule in plain Java.
 *
 * {@snippet :
 * class MyStoreContractTest extends QuotaStoreContract {
 *   @Override
 *   protected QuotaStore createStore() {
 *     return new MyStore(freshDatabase());
 *   }
 * }
 * }
 */
@NullMarked
package dev.quota.spi;

import org.jspecify.annotations.NullMarked;

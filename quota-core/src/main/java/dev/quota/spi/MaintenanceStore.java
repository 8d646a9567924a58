package dev.quota.spi;

import dev.quota.TenantId;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.CreditCheck;
import dev.quota.admin.PurgeSummary;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * The maintenance path of a {@link QuotaStore}: checking counters against the ledger, and the one destructive
 * operation. Neither is on a request's path.
 */
public interface MaintenanceStore {

  /**
   * Counts a tenant's ledger entries at or after an instant, per meter, without deleting.
   *
   * @param tenant the tenant
   * @param since the first instant counted
   * @return the summary
   */
  PurgeSummary previewPurge(TenantId tenant, Instant since);

  /**
   * Deletes a tenant's ledger entries at or after an instant, subtracts them from their counters, and writes
   * the audit entry made from the summary, atomically.
   *
   * @param tenant the tenant
   * @param since the first instant deleted
   * @param audit makes the audit entry from what was deleted
   * @return what was deleted
   */
  PurgeSummary purge(TenantId tenant, Instant since, Function<PurgeSummary, AuditEntry> audit);

  /**
   * Compares each of a tenant's counters with the sum of the ledger entries of its period (including entries a store
   * has archived).
   *
   * @param tenant the tenant
   * @return one check per counter, oldest period first
   */
  List<CounterCheck> verify(TenantId tenant);

  /**
   * Compares, per meter, the one-time credit draws a tenant's counters record ({@link Counter#creditDrawn}) with what
   * its credits record as drawn ({@link dev.quota.admin.OneTimeCredit#drawn}, revoked and expired credits included),
   * and finds credits drawn beyond their amounts.
   *
   * @param tenant the tenant
   * @return one check per meter with a credit or a counter with credit drawn, by meter name
   */
  List<CreditCheck> verifyCredits(TenantId tenant);

  /**
   * Deletes counters of short windows ({@link dev.quota.Window#MINUTE}, {@link dev.quota.Window#HOUR},
   * {@link dev.quota.Window#DAY}) that ended before an instant, at most {@code max} of them: once a window has ended
   * it can no longer change a decision. Period counters are never deleted here, so {@link #verify} keeps its meaning
   * for every period; it checks the short windows still stored. The default deletes nothing (a store without short
   * windows has none).
   *
   * @param endedBefore counters whose window ended before this instant may go
   * @param max the most counters deleted in one call, positive
   * @return how many were deleted; fewer than {@code max} means none is left
   */
  default int compactWindows(java.time.Instant endedBefore, int max) {
    return 0;
  }
}

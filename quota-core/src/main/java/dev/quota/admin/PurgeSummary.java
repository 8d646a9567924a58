package dev.quota.admin;

import dev.quota.Meter;
import dev.quota.TenantId;
import java.time.Instant;
import java.util.Map;

/**
 * What a purge deletes (or, from {@link QuotaAdmin#previewPurge}, would delete).
 *
 * @param tenant the tenant
 * @param since the first instant purged
 * @param entries how many ledger entries
 * @param amountByMeter how many units per meter
 */
public record PurgeSummary(TenantId tenant, Instant since, long entries, Map<Meter, Long> amountByMeter) {
  /** Freezes the amounts. */
  public PurgeSummary {
    amountByMeter = Map.copyOf(amountByMeter);
  }
}

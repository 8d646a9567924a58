package dev.quota;

import dev.quota.internal.Checks;

/**
 * What {@link QuotaGuard#record}, a commit or a consume wrote to the ledger.
 *
 * @param tenant the tenant
 * @param meter the meter
 * @param key the usage key
 * @param amount the units, in the meter's unit
 * @param duplicate {@code true} if the key had already been recorded with this amount and nothing was added
 * @param period the period the usage counts in
 * @param usedInPeriod the period's usage after the call, in the meter's unit
 */
public record RecordResult(TenantId tenant, Meter meter, UsageKey key, long amount, boolean duplicate, Period period,
    long usedInPeriod) {
  /** Validates the result. */
  public RecordResult {
    Checks.notNull("tenant", tenant);
    Checks.notNull("meter", meter);
    Checks.notNull("key", key);
    Checks.notNull("period", period);
  }
}

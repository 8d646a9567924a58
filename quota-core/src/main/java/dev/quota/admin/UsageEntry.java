package dev.quota.admin;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.internal.Checks;
import java.time.Instant;

/**
 * One recorded use, as {@link QuotaAdmin#ledger(TenantId, PageRequest)} shows it to an operator: read only.
 *
 * @param tenant whose usage it is
 * @param meter what was used
 * @param amount how much, in the meter's unit; positive
 * @param key the use's identity, unique per tenant and meter
 * @param occurredAt when it was recorded, by the guard's clock
 * @param period the period it counts in
 */
public record UsageEntry(TenantId tenant, Meter meter, long amount, UsageKey key, Instant occurredAt, Period period) {
  /** Validates the entry. */
  public UsageEntry {
    Checks.notNull("tenant", tenant);
    Checks.notNull("meter", meter);
    Checks.positive("amount", amount);
    Checks.notNull("key", key);
    Checks.notNull("occurred at", occurredAt);
    Checks.notNull("period", period);
  }
}

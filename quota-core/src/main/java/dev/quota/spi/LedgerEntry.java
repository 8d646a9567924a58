package dev.quota.spi;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import java.time.Instant;
import java.util.Map;

/**
 * One row of the usage ledger, which only grows (but for an explicit, audited purge).
 *
 * @param tenant the tenant
 * @param meter the meter
 * @param amount the units, positive
 * @param key unique per tenant and meter
 * @param occurredAt when it was recorded, by the guard's clock
 * @param period the period whose counter it adds to
 * @param attributes free-form details, already validated
 */
public record LedgerEntry(TenantId tenant, Meter meter, long amount, UsageKey key, Instant occurredAt, Period period,
    Map<String, String> attributes) {
  /** Freezes the attributes. */
  public LedgerEntry {
    attributes = Map.copyOf(attributes);
  }
}

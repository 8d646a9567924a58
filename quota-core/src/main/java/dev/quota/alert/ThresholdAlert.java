package dev.quota.alert;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import java.time.Instant;

/**
 * A tenant's usage crossed a threshold of its ceiling: reported once per tenant, meter, period and
 * threshold, however many threads cross it at once; re-armed when a reset or grant brings usage back below.
 *
 * @param tenant the tenant
 * @param meter the meter
 * @param period the period the usage counts in
 * @param thresholdPercent the threshold crossed, in percent of {@code limit + granted}
 * @param used the usage when it was crossed, in the meter's unit
 * @param ceiling {@code limit + granted} when it was crossed, in the meter's unit
 * @param at when it was crossed
 */
public record ThresholdAlert(TenantId tenant, Meter meter, Period period, int thresholdPercent, long used, long ceiling,
    Instant at) {}

package dev.quota.admin;

import dev.quota.Meter;
import dev.quota.TenantId;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/**
 * A tenant's usage on a meter per day or hour, from {@link QuotaAdmin#usageHistory}: every bucket of the range, in
 * order, those without usage with 0.
 *
 * @param tenant the tenant
 * @param meter the meter
 * @param zone the zone the buckets are aligned in
 * @param granularity days or hours
 * @param buckets the buckets, oldest first, each starting where the one before it ends
 */
public record UsageHistory(TenantId tenant, Meter meter, ZoneId zone, HistoryGranularity granularity,
    List<Bucket> buckets) {
  /** Freezes the buckets. */
  public UsageHistory {
    buckets = List.copyOf(buckets);
  }

  /**
   * The usage of one bucket.
   *
   * @param start the first instant of the bucket
   * @param end the first instant after it
   * @param used the sum of the amounts of the ledger entries (archived ones included) that occurred in
   *     {@code [start, end)}, in the meter's unit; saturating at {@link Long#MAX_VALUE}
   */
  public record Bucket(Instant start, Instant end, long used) {}

  /** @return the usage of all buckets, saturating at {@link Long#MAX_VALUE} */
  public long total() {
    long total = 0;
    for (Bucket b : buckets) {
      total = saturatedAdd(total, b.used());
    }
    return total;
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}

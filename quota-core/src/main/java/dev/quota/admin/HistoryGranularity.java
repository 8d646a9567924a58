package dev.quota.admin;

/**
 * How {@link QuotaAdmin#usageHistory} cuts a range into buckets: local days or hours of the catalogue's zone
 * ({@link dev.quota.TierCatalogue#zone()}). A day starts at local midnight (or at the first valid time after it, when
 * midnight falls in a summer-time gap), so a day on which clocks change is 23 or 25 hours long; an hour is always 60
 * minutes and starts at a whole local hour, so the hour that repeats when clocks go back is two buckets.
 */
public enum HistoryGranularity {
  /** Local days: at most {@value #MAX_DAYS} buckets (a leap year) per history. */
  DAY(HistoryGranularity.MAX_DAYS),
  /** Hours: at most {@value #MAX_HOURS} buckets (a week) per history. */
  HOUR(HistoryGranularity.MAX_HOURS);

  /** The most day buckets one history may have. */
  public static final int MAX_DAYS = 366;
  /** The most hour buckets one history may have. */
  public static final int MAX_HOURS = 168;

  private final int maxBuckets;

  HistoryGranularity(int maxBuckets) {
    this.maxBuckets = maxBuckets;
  }

  /** @return the most buckets one history of this granularity may have */
  public int maxBuckets() {
    return maxBuckets;
  }
}

package dev.quota.admin;

import dev.quota.UsageReport;
import java.util.Comparator;

/** The order of {@link QuotaAdmin#listUsage(UsageQuery, PageRequest)}. */
public enum UsageOrder {
  /**
   * Most utilized first: by {@link UsageReport#percentUsed()} descending, then by {@code used} descending, then by
   * tenant id as {@link #TENANT_ID} orders it (the dashboard's order: who is blocked or about to be).
   */
  MOST_UTILIZED(Comparator.comparingDouble(UsageReport::percentUsed).reversed()
      .thenComparing(Comparator.comparingLong(UsageReport::used).reversed())
      .thenComparing(UsageOrder::byTenantId)),
  /**
   * By tenant id, in Unicode code point order: the order of the ids' UTF-8 bytes, which a database can follow
   * without depending on its collation (PostgreSQL's {@code COLLATE "C"}).
   */
  TENANT_ID(UsageOrder::byTenantId);

  private final Comparator<UsageReport> comparator;

  UsageOrder(Comparator<UsageReport> comparator) {
    this.comparator = comparator;
  }

  private static int byTenantId(UsageReport a, UsageReport b) {
    String x = a.tenant().value();
    String y = b.tenant().value();
    int i = 0;
    int j = 0;
    while (i < x.length() && j < y.length()) {
      int cx = x.codePointAt(i);
      int cy = y.codePointAt(j);
      if (cx != cy) {
        return Integer.compare(cx, cy);
      }
      i += Character.charCount(cx);
      j += Character.charCount(cy);
    }
    return Boolean.compare(i < x.length(), j < y.length());
  }

  /** @return the order as a comparator of reports: what every store's listing must agree with */
  public Comparator<UsageReport> comparator() {
    return comparator;
  }
}

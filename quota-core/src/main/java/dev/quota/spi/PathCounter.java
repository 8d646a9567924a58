package dev.quota.spi;

import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.Window;
import dev.quota.internal.Checks;

/**
 * One counter a {@link PathWrite} changes: one level of the writing tenant's path (the tenant itself or an ancestor),
 * in one window of the meter.
 *
 * @param tenant the level: the tenant or one of its ancestors
 * @param window which of the level's windows this is; {@link Window#PERIOD} is the counter a flat write uses
 * @param period the window's bounds containing the write's instant (for {@link Window#PERIOD}, the level's period,
 *     which its own billing day may move)
 * @param ceiling the most {@code used + reserved} of this counter may reach for a conditional write, in the meter's
 *     unit; {@link dev.quota.TierCatalogue#UNLIMITED} for no limit. Unconditional writes ignore it
 * @param expectedVersion the level's entitlement version the ceiling was computed from ({@link TenantState#version})
 */
public record PathCounter(TenantId tenant, Window window, Period period, long ceiling, long expectedVersion) {
  /** Validates the parts. */
  public PathCounter {
    Checks.notNull("tenant", tenant);
    Checks.notNull("window", window);
    Checks.notNull("period", period);
    if (ceiling < 0) {
      throw new dev.quota.InvalidRequestException("ceiling", "must be 0 or more, was " + ceiling);
    }
  }

  /**
   * The global order in which every store locks counters: by tenant id, then the period's start, then its end (the
   * meter is the write's own). Two writes on crossing or overlapping paths, or a write racing a move, take their
   * common counters in the same order and so cannot deadlock.
   *
   * @param other another counter of the same meter
   * @return negative, zero or positive as this counter is locked before, with, or after {@code other}
   */
  public int compareLockOrder(PathCounter other) {
    int byTenant = tenant.value().compareTo(other.tenant.value());
    if (byTenant != 0) {
      return byTenant;
    }
    int byStart = period.start().compareTo(other.period.start());
    return byStart != 0 ? byStart : period.end().compareTo(other.period.end());
  }
}

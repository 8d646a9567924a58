package dev.quota;

import dev.quota.internal.Checks;

/**
 * A tenant's standing at one level of its path and in one window: what {@link QuotaGuard#usagePath} returns per
 * counter.
 *
 * @param level the level: the tenant itself or one of its ancestors
 * @param levelsUp how far above the tenant the level is: 0 for the tenant itself, 1 for its parent, and so on
 * @param window the window; for a short window the report's limit is the level's tier's limit in that window, its
 *     period the window's bounds, and it has no grants or credits (those raise only the period's ceiling)
 * @param report the level's standing in that window; its tenant is the level. A level's usage includes its
 *     descendants', since their writes count at it
 */
public record LevelUsage(TenantId level, int levelsUp, Window window, UsageReport report) {
  /** Validates the parts. */
  public LevelUsage {
    Checks.notNull("level", level);
    Checks.notNull("window", window);
    Checks.notNull("report", report);
    if (levelsUp < 0) {
      throw new InvalidRequestException("levelsUp", "must be 0 or more, was " + levelsUp);
    }
    if (!report.tenant().equals(level)) {
      throw new InvalidRequestException("report", "must be the level's own, was '" + report.tenant() + "'s");
    }
  }
}

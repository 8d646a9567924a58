package dev.quota.internal;

import dev.quota.UsageReport;
import dev.quota.admin.AdminOperation;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationKind;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.StoreUnavailableException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires alerts once per crossing and re-arms them when usage falls back below: each fired alert is a
 * {@link Notification} the store writes with its mark, in one transaction, and the dispatchers deliver.
 *
 * <p>The store's atomic mark is what makes "once" hold across threads and instances; the outbox written with it is
 * what makes "at least once" hold when a channel fails or the process dies.
 */
final class Alerts {
  private static final Logger LOG = LoggerFactory.getLogger(Alerts.class);
  /** The threshold a {@link NotificationKind#BLOCKED} notification carries. */
  private static final int BLOCKED_PERCENT = 100;

  private final QuotaStore store;
  private final List<Integer> thresholds;
  private final List<String> channels;

  /**
   * @param store the store that keeps marks and the outbox
   * @param thresholds ascending percentages; none disables alerts, blocks and unblocks included
   * @param channels the names of the channels each notification is queued for
   */
  Alerts(QuotaStore store, List<Integer> thresholds, List<String> channels) {
    this.store = store;
    this.thresholds = thresholds;
    this.channels = channels;
  }

  /**
   * After usage grew: fires every threshold the report has reached that was not fired yet. Never throws for
   * a store failure: the usage is already written, and the caller must learn that, not that marking an
   * alert failed.
   */
  void afterUsage(UsageReport report, Instant now) {
    if (thresholds.isEmpty() || report.used() == 0) {
      return;
    }
    double percent = report.percentUsed();
    try {
      for (int threshold : thresholds) {
        if (percent < threshold) {
          break;
        }
        if (store.markAlertFired(notification(NotificationKind.THRESHOLD_CROSSED, report, threshold, now, ""),
            channels)) {
          LOG.info("tenant '{}' crossed {}% of its {} quota: {} of {} used in {}", report.tenant(), threshold,
              report.meter(), report.used(), report.ceiling(), report.period());
        }
      }
    } catch (StoreUnavailableException e) {
      // The threshold stays unmarked, so the next usage that reaches it fires it.
      LOG.warn("could not mark threshold alerts of tenant '{}' on {} as fired; they fire with the next usage: {}",
          report.tenant(), report.meter(), e.toString());
    }
  }

  /**
   * After the store refused a consume or reservation because it did not fit under the ceiling: tells, once per
   * tenant, meter and period (until an admin change unblocks the tenant), that the tenant is blocked. Never throws
   * for a store failure, for the same reason as {@link #afterUsage}.
   */
  void afterRefusal(UsageReport report, Instant now) {
    if (thresholds.isEmpty()) {
      return;
    }
    try {
      if (store.markAlertFired(notification(NotificationKind.BLOCKED, report, BLOCKED_PERCENT, now, ""), channels)) {
        LOG.info("tenant '{}' is blocked on its {} quota: {} of {} used in {}", report.tenant(), report.meter(),
            report.used(), report.ceiling(), report.period());
      }
    } catch (StoreUnavailableException e) {
      LOG.warn("could not mark tenant '{}' as blocked on {}; the next refusal does: {}", report.tenant(),
          report.meter(), e.toString());
    }
  }

  /**
   * After an admin change: re-arms the thresholds the tenant is now below, and, when the tenant is no longer blocked,
   * clears its block mark with an {@link NotificationKind#UNBLOCKED} notification (written only if it was marked
   * blocked). It fires no threshold, even where the change (a revoke, a downgrade) put the tenant over one: the change
   * may be made by another process than the services that tell tenants (an operator's command line), and the mark of
   * an alert fired there would keep the services from ever sending it. The next usage the services record fires it
   * instead.
   */
  void afterAdminChange(UsageReport report, AdminOperation cause, Instant now) {
    if (thresholds.isEmpty()) {
      return;
    }
    double percent = report.percentUsed();
    List<Integer> rearm = new ArrayList<>();
    for (int threshold : thresholds) {
      if (percent < threshold || report.used() == 0) {
        rearm.add(threshold);
      }
    }
    Notification unblocked = report.blocked() ? null
        : notification(NotificationKind.UNBLOCKED, report, 0, now, cause.name());
    if (rearm.isEmpty() && unblocked == null) {
      return;
    }
    if (store.rearmAlerts(report.tenant(), report.meter(), report.period(), rearm, unblocked, channels)) {
      LOG.info("tenant '{}' is unblocked on its {} quota by {}: {} of {} used in {}", report.tenant(), report.meter(),
          cause, report.used(), report.ceiling(), report.period());
    }
  }

  private static Notification notification(NotificationKind kind, UsageReport report, int threshold, Instant now,
      String cause) {
    return new Notification(UUID.randomUUID(), kind, report.tenant(), report.meter(), report.period(), threshold,
        report.used(), report.ceiling(), now, cause);
  }
}

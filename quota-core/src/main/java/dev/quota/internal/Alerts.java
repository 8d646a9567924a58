package dev.quota.internal;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.UsageReport;
import dev.quota.alert.QuotaAlertListener;
import dev.quota.alert.ThresholdAlert;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.StoreUnavailableException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires threshold alerts once per crossing and re-arms them when usage falls back below.
 *
 * <p>The store's atomic mark is what makes "once" hold across threads and instances.
 */
final class Alerts {
  private static final Logger LOG = LoggerFactory.getLogger(Alerts.class);

  private final QuotaStore store;
  private final List<Integer> thresholds;
  private final List<QuotaAlertListener> listeners;

  Alerts(QuotaStore store, List<Integer> thresholds, List<QuotaAlertListener> listeners) {
    this.store = store;
    this.thresholds = thresholds;
    this.listeners = listeners;
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
        fireOnce(report, threshold, now);
      }
    } catch (StoreUnavailableException e) {
      // The threshold stays unmarked, so the next usage that reaches it fires it.
      LOG.warn("could not mark threshold alerts of tenant '{}' on {} as fired; they fire with the next usage: {}",
          report.tenant(), report.meter(), e.toString());
    }
  }

  /**
   * After an admin change: re-arms the thresholds the tenant is now below. It fires nothing, even where the
   * change (a revoke, a downgrade) put the tenant over a threshold: the change may be made by another process
   * than the services that tell tenants (an operator's command line), and the mark of an alert fired there
   * would keep the services from ever sending it. The next usage the services record fires it instead.
   */
  void afterAdminChange(UsageReport report) {
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
    if (!rearm.isEmpty()) {
      store.rearmAlerts(report.tenant(), report.meter(), report.period(), rearm);
    }
  }

  private void fireOnce(UsageReport report, int threshold, Instant now) {
    TenantId tenant = report.tenant();
    Meter meter = report.meter();
    Period period = report.period();
    if (!store.markAlertFired(tenant, meter, period, threshold)) {
      return;
    }
    ThresholdAlert alert = new ThresholdAlert(tenant, meter, period, threshold, report.used(), report.ceiling(), now);
    LOG.info("tenant '{}' crossed {}% of its {} quota: {} of {} used in {}", tenant, threshold, meter,
        report.used(), report.ceiling(), period);
    for (QuotaAlertListener listener : listeners) {
      try {
        listener.onThresholdCrossed(alert);
      } catch (RuntimeException e) {
        LOG.error("alert listener {} failed on {}", listener, alert, e);
      }
    }
  }
}

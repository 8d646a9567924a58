package dev.quota.examples.spring;

import dev.quota.alert.ThresholdAlert;
import dev.quota.spring.boot.QuotaThresholdCrossedEvent;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Hears quota's threshold alerts as Spring events, where a real service would e-mail the tenant; keeps the most
 * recent ones for the example's test.
 */
@Component
public class ThresholdAlerts {
  private static final Logger LOG = LoggerFactory.getLogger(ThresholdAlerts.class);
  private static final int KEPT = 100;

  private final List<ThresholdAlert> recent = new ArrayList<>();

  /**
   * Notes an alert.
   *
   * @param event the alert
   */
  @EventListener
  public void onThresholdCrossed(QuotaThresholdCrossedEvent event) {
    ThresholdAlert alert = event.getAlert();
    LOG.info("tenant '{}' has used {} % of its {} ({} of {})", alert.tenant(), alert.thresholdPercent(), alert.meter(),
        alert.used(), alert.ceiling());
    synchronized (recent) {
      if (recent.size() == KEPT) {
        recent.remove(0);
      }
      recent.add(alert);
    }
  }

  /** @return the most recent alerts, oldest first */
  public List<ThresholdAlert> recent() {
    synchronized (recent) {
      return List.copyOf(recent);
    }
  }
}

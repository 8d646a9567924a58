package dev.quota.spring.boot;

import dev.quota.alert.ThresholdAlert;
import org.springframework.context.ApplicationEvent;

/**
 * Published when a tenant's usage crosses an alert threshold: once per tenant, meter, period and threshold, as
 * {@link dev.quota.alert.QuotaAlertListener}s hear it.
 *
 * <p>Published synchronously on the thread that recorded the usage, after the usage is stored. Listeners that
 * send e-mails or call other services should be {@code @Async} or hand the event to an executor; an exception
 * a listener throws is logged by quota and does not reach the caller that recorded the usage.
 *
 * {@snippet :
 * @EventListener
 * void onThreshold(QuotaThresholdCrossedEvent event) {
 *   ThresholdAlert alert = event.getAlert();
 *   notifier.tell(alert.tenant(), alert.thresholdPercent() + " % of this month's AI tokens used");
 * }
 * }
 */
public class QuotaThresholdCrossedEvent extends ApplicationEvent {
  private static final long serialVersionUID = 1L;

  /** The alert; records are not serializable, so it is not sent along with a serialized event. */
  private final transient ThresholdAlert alert;

  /**
   * Creates the event.
   *
   * @param alert the crossing; also the event's source
   */
  public QuotaThresholdCrossedEvent(ThresholdAlert alert) {
    super(alert);
    this.alert = alert;
  }

  /** @return what was crossed: tenant, meter, period, threshold in percent, usage and ceiling in the meter's unit */
  public ThresholdAlert getAlert() {
    return alert;
  }
}

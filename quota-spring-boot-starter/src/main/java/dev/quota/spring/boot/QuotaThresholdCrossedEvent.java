package dev.quota.spring.boot;

import dev.quota.alert.ThresholdAlert;
import org.springframework.context.ApplicationEvent;

/**
 * Published when a tenant's usage crosses an alert threshold: once per tenant, meter, period and threshold, as
 * {@link dev.quota.alert.QuotaAlertListener}s hear it.
 *
 * <p>Published from quota's outbox, on the notification dispatcher's thread, shortly after the usage is stored: the
 * alert is written with the mark that makes it fire once, and published until it succeeds, so a listener hears it at
 * least once. A listener that throws makes the publication fail; every listener hears the alert again on the retry
 * (with backoff), so listeners should drop repeats ({@code ThresholdAlert} is a value: tenant, meter, period and
 * threshold identify the crossing). Listeners run on that one thread: slow ones delay other notifications.
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

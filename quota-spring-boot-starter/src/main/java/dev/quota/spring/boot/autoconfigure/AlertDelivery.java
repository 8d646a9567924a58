package dev.quota.spring.boot.autoconfigure;

import dev.quota.Quota;
import dev.quota.alert.NotificationDispatcher;
import java.time.Duration;

/**
 * Applies {@code quota.alerts.dispatcher.*} to the {@link Quota} builder. Each value is first tried on a builder of
 * its own, so that a refusal names the property; the quota's builder applies them when it builds its dispatcher.
 */
final class AlertDelivery {
  private static final String PREFIX = "quota.alerts.dispatcher.";

  private AlertDelivery() {}

  /**
   * @param builder the quota's builder
   * @param dispatcher the dispatcher's properties
   * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException naming the
   *     first property that is invalid
   */
  static void configure(Quota.Builder builder, QuotaAlertProperties.Dispatcher dispatcher) {
    Duration pollInterval = dispatcher.getPollInterval();
    Duration giveUpAfter = dispatcher.getGiveUpAfter();
    Duration lease = dispatcher.getLease();
    Duration retention = dispatcher.getRetention();
    PropertyChecks.check(PREFIX + "poll-interval", pollInterval,
        () -> NotificationDispatcher.builder().pollInterval(pollInterval));
    PropertyChecks.check(PREFIX + "give-up-after", giveUpAfter,
        () -> NotificationDispatcher.builder().giveUpAfter(giveUpAfter));
    PropertyChecks.check(PREFIX + "lease", lease, () -> NotificationDispatcher.builder().lease(lease));
    PropertyChecks.check(PREFIX + "retention", retention, () -> NotificationDispatcher.builder().retention(retention));
    builder.dispatcher(d -> d.pollInterval(pollInterval).giveUpAfter(giveUpAfter).lease(lease).retention(retention));
  }
}

package dev.quota.cli;

import dev.quota.alert.Delivery;
import dev.quota.alert.DeliveryState;
import dev.quota.alert.NotificationOutbox;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quota notifications}: the outbox's deliveries (pending and failed by default), and the requeueing of a
 * failed one.
 */
@Command(name = "notifications", description = {
    "Show the alerts' deliveries: pending and failed ones by default, with their channel, attempts, next attempt "
        + "and last error.",
    "A failed delivery is tried again with --requeue ID --channel NAME --reason TEXT."})
final class NotificationsCommand extends QuotaCommand {
  @Option(names = "--failed", description = "Only failed deliveries: given up, until requeued.")
  boolean failed;

  @Option(names = "--pending", description = "Only pending deliveries: waiting for their first or next attempt.")
  boolean pending;

  @Option(names = "--delivered", description = "Only delivered ones, newest first.")
  boolean delivered;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
      description = "How many of each state, 1 to " + NotificationOutbox.MAX_LISTING + " (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--requeue", paramLabel = "ID", description = "Requeue the failed delivery of this notification "
      + "(its id as listed); needs --channel and --reason.")
  String requeue;

  @Option(names = "--channel", paramLabel = "NAME", description = "The channel of the delivery to requeue.")
  String channel;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why it is requeued; logged and kept with it.")
  String reason;

  @Override
  void checkArguments() {
    if (limit < 1 || limit > NotificationOutbox.MAX_LISTING) {
      throw CliException.usage("--limit must be between 1 and " + NotificationOutbox.MAX_LISTING + ", was " + limit);
    }
    if ((failed ? 1 : 0) + (pending ? 1 : 0) + (delivered ? 1 : 0) > 1) {
      throw CliException.usage("give at most one of --failed, --pending and --delivered");
    }
    if (requeue == null) {
      if (channel != null || reason != null) {
        throw CliException.usage("--channel and --reason go with --requeue ID");
      }
      return;
    }
    if (failed || pending || delivered) {
      throw CliException.usage("--requeue does not list: leave out --failed, --pending and --delivered");
    }
    notificationId();
    if (channel == null) {
      throw CliException.usage("--requeue needs --channel: the channel of the failed delivery, as listed");
    }
    if (reason == null) {
      throw CliException.usage("--requeue needs --reason: why the delivery is tried again");
    }
  }

  private UUID notificationId() {
    try {
      return UUID.fromString(requeue);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("--requeue takes a notification id as listed (a UUID), was '" + requeue + "'");
    }
  }

  @Override
  int run(Session session) {
    NotificationOutbox outbox = session.quota().outbox();
    if (requeue != null) {
      Delivery requeued = outbox.requeue(notificationId(), channel, session.actor(), reason);
      session.out().result(() -> "requeued the delivery of notification " + requeued.notification().id() + " to "
          + requeued.channel() + "; it is tried at the next poll of a running dispatcher",
          () -> JsonView.delivery(requeued));
      return ExitCode.OK;
    }
    List<DeliveryState> states = failed ? List.of(DeliveryState.FAILED)
        : pending ? List.of(DeliveryState.PENDING)
        : delivered ? List.of(DeliveryState.DELIVERED)
        : List.of(DeliveryState.FAILED, DeliveryState.PENDING);
    List<Delivery> deliveries = new ArrayList<>();
    Map<DeliveryState, Long> counts = new LinkedHashMap<>();
    for (DeliveryState state : states) {
      deliveries.addAll(outbox.deliveries(state, limit));
      counts.put(state, outbox.count(state));
    }
    session.out().result(() -> {
      String summary = String.join(", ", counts.entrySet().stream()
          .map(c -> c.getValue() + " " + c.getKey().name().toLowerCase(java.util.Locale.ROOT)).toList());
      if (deliveries.isEmpty()) {
        return "no deliveries to show (" + summary + ")";
      }
      return TextView.deliveries(deliveries, session.now(), session.zone()) + "\n" + summary
          + (deliveries.size() < counts.values().stream().mapToLong(Long::longValue).sum() ? " (raise --limit)" : "");
    }, () -> {
      Map<String, Object> document = new LinkedHashMap<>();
      Map<String, Object> totals = new LinkedHashMap<>();
      counts.forEach((state, count) -> totals.put(state.name().toLowerCase(java.util.Locale.ROOT), count));
      document.put("counts", totals);
      document.put("deliveries", deliveries.stream().map(JsonView::delivery).toList());
      return document;
    });
    return ExitCode.OK;
  }
}

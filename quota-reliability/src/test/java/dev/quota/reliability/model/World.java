package dev.quota.reliability.model;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.Reservation;
import dev.quota.ReservationStateException;
import dev.quota.TenantId;
import dev.quota.UsageConflictException;
import dev.quota.admin.AccessDeniedException;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.EntitlementStateException;
import dev.quota.alert.NotificationDispatcher;
import dev.quota.alert.ThresholdAlert;
import dev.quota.spi.QuotaStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One side of a comparison: a {@link Quota} over one store, with what the sequence created in it (reservations,
 * entitlements) so that steps can name them by position, and a way to describe results without the random ids
 * that differ between sides.
 */
final class World {
  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  final String name;
  final Quota quota;
  final QuotaStore store;
  final List<TenantId> tenants;
  final List<Meter> meters;
  final List<Reservation> reservations = new ArrayList<>();
  final List<EntitlementId> entitlements = new ArrayList<>();
  private final List<ThresholdAlert> alerts = new ArrayList<>();
  private final Map<String, String> ids = new HashMap<>();

  World(String name, QuotaStore store, java.util.function.Function<QuotaStore, Quota.Builder> builder,
      List<TenantId> tenants, List<Meter> meters) {
    this.name = name;
    this.store = store;
    // alerts reach the listener through the outbox: delivered before they are taken, on this thread
    this.quota = builder.apply(store).alertListener(this::alerted).dispatchManually().build();
    this.tenants = tenants;
    this.meters = meters;
  }

  private synchronized void alerted(ThresholdAlert alert) {
    // a database shared with earlier runs may hold their undelivered alerts, which this world's dispatcher delivers
    if (tenants.contains(alert.tenant())) {
      alerts.add(alert);
    }
  }

  /** @return the alerts fired since the last call, described */
  synchronized String takeAlerts() {
    NotificationDispatcher dispatcher = quota.dispatcher().orElseThrow();
    for (int round = 0; round < 1_000 && dispatcher.runOnce() > 0; round++) {
      // each round delivers one batch
    }
    String described = alerts.isEmpty() ? "" : " alerts=" + describe(alerts);
    alerts.clear();
    return described;
  }

  /**
   * Runs a call and describes what it returned or threw, ids replaced by their order of first appearance.
   *
   * @param call the call
   * @return the description
   */
  String observe(Supplier<Object> call) {
    try {
      return describe(call.get());
    } catch (InvalidRequestException e) {
      return "throws InvalidRequestException(field=" + e.field() + ")";
    } catch (UsageConflictException e) {
      return "throws UsageConflictException(key=" + e.key() + ", recorded=" + e.recordedAmount() + ", attempted="
          + e.attemptedAmount() + ")";
    } catch (AccessDeniedException e) {
      return "throws AccessDeniedException(" + e.operation() + ", actor=" + e.actor() + ")";
    } catch (ReservationStateException | EntitlementStateException e) {
      return "throws " + e.getClass().getSimpleName() + "(" + describe(e.getMessage()) + ")";
    } catch (RuntimeException e) {
      // anything else is unexpected on either side: described in full, so that it never compares equal by accident
      return "throws " + e + " on " + name;
    }
  }

  /** Replaces every UUID (ids of reservations, entitlements, audit entries) by its order of first appearance. */
  String describe(Object value) {
    String text = String.valueOf(value);
    Matcher m = UUID_TEXT.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String id = ids.computeIfAbsent(m.group(), k -> "#" + (ids.size() + 1));
      m.appendReplacement(out, id);
    }
    m.appendTail(out);
    return out.toString();
  }
}

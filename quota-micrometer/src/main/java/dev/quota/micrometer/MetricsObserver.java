package dev.quota.micrometer;

import dev.quota.Decision;
import dev.quota.Meter;
import dev.quota.QuotaObserver;
import dev.quota.Window;
import dev.quota.admin.QuotaAdmin;
import dev.quota.alert.NotificationKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Counts decisions, denials by level and window, usage and reservations. Counters are registered on first use and then kept in arrays
 * indexed by enum ordinals, so that a hot-path call is a map lookup by meter and an array read.
 */
// Counters and timers sit in arrays indexed by enum ordinals: built and read in one
// process, never stored, so the index cannot go stale; the hot path reads them without a map lookup.
@SuppressWarnings("EnumOrdinal")
final class MetricsObserver implements QuotaObserver {

  /** The {@code outcome} tag of a decision. */
  enum Outcome {
    ALLOWED, DENIED, SHADOW_ALLOWED, BYPASSED;

    final String tag = name().toLowerCase(Locale.ROOT);

    static Outcome of(boolean allowed, Decision.Reason reason, boolean shadowed) {
      if (shadowed) {
        return SHADOW_ALLOWED;
      }
      if (!allowed) {
        return DENIED;
      }
      return reason == Decision.Reason.BYPASSED ? BYPASSED : ALLOWED;
    }
  }

  private static final Operation[] OPERATIONS = Operation.values();
  private static final Outcome[] OUTCOMES = Outcome.values();
  private static final Decision.Reason[] REASONS = Decision.Reason.values();
  private static final Window[] WINDOWS = Window.values();
  /** A path has at most this many levels, so a denial's {@code levelsUp} is below it. */
  private static final int LEVELS = QuotaAdmin.MAX_TREE_DEPTH;

  private final MeterRegistry registry;
  private final Tags tags;
  private final Map<Meter, PerMeter> perMeter = new ConcurrentHashMap<>();
  private final Counter[] reservations;

  MetricsObserver(MeterRegistry registry, Tags tags) {
    this.registry = registry;
    this.tags = tags;
    ReservationEvent[] events = ReservationEvent.values();
    this.reservations = new Counter[events.length];
    for (ReservationEvent event : events) {
      reservations[event.ordinal()] = Counter.builder(QuotaMetrics.RESERVATIONS)
          .description("Reservations opened, committed or released through the guard")
          .tags(tags)
          .tag("event", lower(event))
          .register(registry);
    }
  }

  @Override
  public void onDecision(Operation operation, Meter meter, boolean allowed, Decision.Reason reason, boolean shadowed) {
    PerMeter counters = counters(meter);
    counters.decision(operation, Outcome.of(allowed, reason, shadowed), reason).increment();
    if (reason == Decision.Reason.STORE_UNAVAILABLE) {
      // The policy's own verdict: a denial that shadow mode let through was still a denial of the policy.
      counters.failurePolicy(operation, allowed && !shadowed).increment();
    }
  }

  @Override
  public void onDenied(Operation operation, Meter meter, Decision.Reason reason, int levelsUp, Window window) {
    counters(meter).denial(reason, levelsUp, window).increment();
  }

  @Override
  public void onDeliveryAttempt(String channel, NotificationKind kind, DeliveryOutcome outcome) {
    // Not on the hot path: the dispatcher's thread, once per attempt. The registry returns the counter it has.
    boolean delivered = outcome == DeliveryOutcome.DELIVERED;
    Counter.Builder counter = Counter.builder(delivered ? QuotaMetrics.NOTIFICATIONS_DELIVERED
            : QuotaMetrics.NOTIFICATIONS_FAILED)
        .description(delivered ? "Notifications delivered to a channel"
            : "Failed delivery attempts of notifications: retrying, or given up")
        .tags(tags)
        .tag("channel", channel)
        .tag("kind", lower(kind));
    if (!delivered) {
      counter.tag("outcome", lower(outcome));
    }
    counter.register(registry).increment();
  }

  @Override
  public void onUsageRecorded(Meter meter, long amount, boolean duplicate) {
    PerMeter counters = counters(meter);
    if (duplicate) {
      counters.duplicates.increment();
    } else {
      counters.records.increment();
      counters.units.increment((double) amount); // exact up to 2^53 units
    }
  }

  @Override
  public void onReservation(ReservationEvent event) {
    reservations[event.ordinal()].increment();
  }

  private PerMeter counters(Meter meter) {
    PerMeter counters = perMeter.get(meter);
    return counters != null ? counters : perMeter.computeIfAbsent(meter, PerMeter::new);
  }

  static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  /** The counters of one meter. */
  private final class PerMeter {
    private final Tags meterTags;
    private final AtomicReferenceArray<Counter> decisions =
        new AtomicReferenceArray<>(OPERATIONS.length * OUTCOMES.length * REASONS.length);
    private final AtomicReferenceArray<Counter> failures = new AtomicReferenceArray<>(OPERATIONS.length * 2);
    private final AtomicReferenceArray<Counter> denials =
        new AtomicReferenceArray<>(REASONS.length * LEVELS * WINDOWS.length);
    final Counter records;
    final Counter duplicates;
    final Counter units;

    PerMeter(Meter meter) {
      this.meterTags = tags.and("meter", meter.name());
      this.records = usageRecords("recorded");
      this.duplicates = usageRecords("duplicate");
      this.units = Counter.builder(QuotaMetrics.USAGE_RECORDED)
          .description("Units of usage recorded, in the meter's unit; duplicates are not added")
          .tags(meterTags)
          .register(registry);
    }

    private Counter usageRecords(String result) {
      return Counter.builder(QuotaMetrics.USAGE_RECORDS)
          .description("Usage writes: recorded, or found already recorded under the same usage key")
          .tags(meterTags)
          .tag("result", result)
          .register(registry);
    }

    Counter decision(Operation operation, Outcome outcome, Decision.Reason reason) {
      int index = (operation.ordinal() * OUTCOMES.length + outcome.ordinal()) * REASONS.length + reason.ordinal();
      Counter counter = decisions.get(index);
      if (counter == null) {
        // Registering twice returns the same counter, so a race here only costs a lookup.
        counter = Counter.builder(QuotaMetrics.DECISIONS)
            .description("Decisions of the quota guard")
            .tags(meterTags)
            .tag("operation", lower(operation))
            .tag("outcome", outcome.tag)
            .tag("reason", lower(reason))
            .register(registry);
        decisions.set(index, counter);
      }
      return counter;
    }

    Counter denial(Decision.Reason reason, int levelsUp, Window window) {
      if (levelsUp < 0 || levelsUp >= LEVELS) {
        // Not expected from a path of at most MAX_TREE_DEPTH levels; counted all the same, through the registry.
        return denialCounter(reason, levelsUp, window);
      }
      int index = (reason.ordinal() * LEVELS + levelsUp) * WINDOWS.length + window.ordinal();
      Counter counter = denials.get(index);
      if (counter == null) {
        counter = denialCounter(reason, levelsUp, window);
        denials.set(index, counter);
      }
      return counter;
    }

    private Counter denialCounter(Decision.Reason reason, int levelsUp, Window window) {
      return Counter.builder(QuotaMetrics.DENIALS)
          .description("Denials by the level and window that refused them (level 0 is the tenant itself, 1 its "
              + "parent), including those shadow mode let through")
          .tags(meterTags)
          .tag("reason", lower(reason))
          .tag("level", Integer.toString(levelsUp))
          .tag("window", lower(window))
          .register(registry);
    }

    Counter failurePolicy(Operation operation, boolean allowed) {
      int index = operation.ordinal() * 2 + (allowed ? 1 : 0);
      Counter counter = failures.get(index);
      if (counter == null) {
        counter = Counter.builder(QuotaMetrics.FAILURE_POLICY_DECISIONS)
            .description("Decisions taken by the failure policy while the store was unavailable")
            .tags(meterTags)
            .tag("operation", lower(operation))
            .tag("outcome", allowed ? "allowed" : "denied")
            .register(registry);
        failures.set(index, counter);
      }
      return counter;
    }
  }
}

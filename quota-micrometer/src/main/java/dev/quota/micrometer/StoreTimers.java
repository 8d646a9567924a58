package dev.quota.micrometer;

import dev.quota.spi.StoreUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/** The timers of store calls, registered on first use per operation and outcome. */
// Counters and timers sit in arrays indexed by enum ordinals: built and read in one
// process, never stored, so the index cannot go stale; the hot path reads them without a map lookup.
@SuppressWarnings("EnumOrdinal")
final class StoreTimers {

  /** The {@code operation} tag: one per method of the store SPI. */
  enum StoreOperation {
    READ, READ_LATEST, LIST_USAGE, CONSUME, APPEND, APPEND_ALL, RESERVE, COMMIT, RELEASE, ADD_ENTITLEMENTS, FIND_ENTITLEMENT,
    REVOKE, ENTITLEMENTS, SET_PLAN, AUDIT, LEDGER, PREVIEW_PURGE, PURGE, MARK_ALERT_FIRED, REARM_ALERTS, VERIFY,
    USAGE_HISTORY, KNOWS_TENANT, KNOWN_TENANTS_LIKE, CLAIM_DELIVERIES, RECORD_DELIVERY, LIST_DELIVERIES, REQUEUE,
    PURGE_DELIVERED, READ_PATH, READ_LATEST_PATH, CONSUME_PATH, RESERVE_PATH, COMMIT_PATH, SET_PARENT, CHILDREN,
    COMPACT_WINDOWS
  }

  /** The {@code outcome} tag. */
  enum CallOutcome {
    /** The call returned, whatever it returned (a denial is a success of the store). */
    SUCCESS,
    /** The store could not be reached: {@link StoreUnavailableException}. */
    UNAVAILABLE,
    /** Any other exception. */
    ERROR
  }

  private static final CallOutcome[] OUTCOMES = CallOutcome.values();

  private final MeterRegistry registry;
  private final Tags tags;
  private final AtomicReferenceArray<Timer> timers =
      new AtomicReferenceArray<>(StoreOperation.values().length * OUTCOMES.length);

  StoreTimers(MeterRegistry registry, Tags tags) {
    this.registry = registry;
    this.tags = tags;
  }

  <T> T time(StoreOperation operation, Supplier<T> call) {
    long start = registry.config().clock().monotonicTime();
    CallOutcome outcome = CallOutcome.ERROR;
    try {
      T result = call.get();
      outcome = CallOutcome.SUCCESS;
      return result;
    } catch (StoreUnavailableException e) {
      outcome = CallOutcome.UNAVAILABLE;
      throw e;
    } finally {
      timer(operation, outcome).record(registry.config().clock().monotonicTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  void time(StoreOperation operation, Runnable call) {
    time(operation, () -> {
      call.run();
      return null;
    });
  }

  private Timer timer(StoreOperation operation, CallOutcome outcome) {
    int index = operation.ordinal() * OUTCOMES.length + outcome.ordinal();
    Timer timer = timers.get(index);
    if (timer == null) {
      timer = Timer.builder(QuotaMetrics.STORE_CALLS)
          .description("Calls into the quota store, by store operation and outcome")
          .tags(tags)
          .tag("operation", MetricsObserver.lower(operation))
          .tag("outcome", MetricsObserver.lower(outcome))
          .register(registry);
      timers.set(index, timer);
    }
    return timer;
  }
}

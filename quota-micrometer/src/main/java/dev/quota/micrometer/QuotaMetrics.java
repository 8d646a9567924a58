package dev.quota.micrometer;

import dev.quota.InvalidRequestException;
import dev.quota.QuotaObserver;
import dev.quota.alert.DeliveryState;
import dev.quota.alert.NotificationOutbox;
import dev.quota.spi.QuotaStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.util.List;

/**
 * Micrometer metrics for one or more quota instances: an {@link #observer() observer} that counts the
 * guard's decisions, its denials by level and window, recorded usage, reservations and notification deliveries, gauges of the
 * {@link #bindOutbox outbox}, and a {@link #timed(QuotaStore) store decorator} that
 * times every store call, gauges the reservations still open and counts one-time credits and limit overrides.
 *
 * {@snippet :
 * QuotaMetrics metrics = QuotaMetrics.builder(meterRegistry).clock(clock).build();
 * Quota quota = Quota.builder()
 *     .store(metrics.timed(store))        // timers around the database calls, the open-reservations gauge
 *     .observer(metrics.observer())       // decision, usage and reservation counters
 *     .clock(clock)
 *     .build();
 * }
 *
 * <p>Tag values are bounded: meter names come from the {@link dev.quota.TierCatalogue}, the other tags from
 * fixed sets. Tenant ids are never tags; per-tenant standing is what {@link dev.quota.QuotaGuard#usage} is
 * for.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what it counts</th></tr>
 *   <tr><td>{@value #DECISIONS}</td><td>counter</td><td>{@code meter}, {@code operation}, {@code outcome},
 *       {@code reason}</td><td>decisions of {@code canProceed}, {@code check}, {@code tryConsume} and
 *       {@code reserve}</td></tr>
 *   <tr><td>{@value #DENIALS}</td><td>counter</td><td>{@code meter}, {@code reason}, {@code level},
 *       {@code window}</td><td>every denial by the level and window that refused it, those shadow mode let through
 *       included: the breakdown of the denials in {@value #DECISIONS}</td></tr>
 *   <tr><td>{@value #FAILURE_POLICY_DECISIONS}</td><td>counter</td><td>{@code meter}, {@code operation},
 *       {@code outcome}</td><td>decisions taken by the failure policy because the store was unavailable</td></tr>
 *   <tr><td>{@value #USAGE_RECORDED}</td><td>counter</td><td>{@code meter}</td><td>units recorded, in the
 *       meter's unit (duplicates not added)</td></tr>
 *   <tr><td>{@value #USAGE_RECORDS}</td><td>counter</td><td>{@code meter}, {@code result}</td><td>usage
 *       writes: {@code recorded} or {@code duplicate}</td></tr>
 *   <tr><td>{@value #RESERVATIONS}</td><td>counter</td><td>{@code event}</td><td>reservations
 *       {@code opened}, {@code committed}, {@code released}</td></tr>
 *   <tr><td>{@value #RESERVATIONS_OPEN}</td><td>gauge</td><td>{@code meter}</td><td>holds taken through
 *       this process's timed stores that are neither ended nor expired</td></tr>
 *   <tr><td>{@value #STORE_CALLS}</td><td>timer</td><td>{@code operation}, {@code outcome}</td><td>every
 *       call into the store: {@code success}, {@code unavailable} or {@code error}</td></tr>
 *   <tr><td>{@value #NOTIFICATIONS_DELIVERED}</td><td>counter</td><td>{@code channel}, {@code kind}</td>
 *       <td>notifications this process's dispatcher delivered</td></tr>
 *   <tr><td>{@value #NOTIFICATIONS_FAILED}</td><td>counter</td><td>{@code channel}, {@code kind},
 *       {@code outcome}</td><td>failed delivery attempts: {@code retrying}, or {@code gave_up} (the delivery is
 *       failed until an operator requeues it)</td></tr>
 *   <tr><td>{@value #NOTIFICATIONS_OUTBOX}</td><td>gauge</td><td>{@code state}</td><td>deliveries in the
 *       outbox, of every instance: {@code pending} and {@code failed}; registered by {@link #bindOutbox}</td></tr>
 *   <tr><td>{@value #CREDITS}</td><td>counter</td><td>{@code meter}, {@code event}</td><td>one-time credits
 *       written through this process's timed stores: {@code granted} or {@code revoked}</td></tr>
 *   <tr><td>{@value #CREDIT_UNITS}</td><td>counter</td><td>{@code meter}, {@code event}</td><td>their units, in
 *       the meter's unit: {@code granted}, or {@code voided} (left unspent when revoked; what was drawn stays
 *       drawn)</td></tr>
 *   <tr><td>{@value #LIMIT_OVERRIDES}</td><td>counter</td><td>{@code meter}, {@code event}</td><td>per-tenant
 *       limit overrides written through this process's timed stores: {@code set} or {@code revoked}</td></tr>
 * </table>
 *
 * <p>Tag values: {@code operation} of a decision is {@code can_proceed}, {@code check}, {@code try_consume}
 * or {@code reserve}; {@code outcome} of a decision is {@code allowed}, {@code denied},
 * {@code shadow_allowed} (shadow mode let through what enforcement would deny) or {@code bypassed};
 * {@code reason} is the lower-case {@link dev.quota.Decision.Reason}. A denial's {@code level} is how far above the
 * asking tenant the refusing level is, as a string: {@code 0} for the tenant itself (and every denial of a tenant
 * without a parent), {@code 1} for its parent, and so on ({@link dev.quota.Decision#levelsUp()}); its
 * {@code window} is {@code minute}, {@code hour}, {@code day} or {@code period} ({@link dev.quota.Decision#window()}:
 * {@code period} for meters without short windows and for denials without a counter, such as {@code no_plan}). A
 * failure-policy decision's
 * {@code outcome} is {@code allowed} or {@code denied}.
 *
 * <p>Thread-safe. One instance may serve several quota instances and stores; their meters then add up,
 * unless each gets its own instance with distinguishing {@link Builder#tags common tags}.
 */
public final class QuotaMetrics {
  /** Counter of the guard's decisions. */
  public static final String DECISIONS = "quota.decisions";
  /**
   * Counter of denials by the level and window that refused them: the breakdown of {@link #DECISIONS}' denials
   * (shadowed ones included) by where in the tenant's path they happened.
   */
  public static final String DENIALS = "quota.denials";
  /** Counter of decisions the failure policy took while the store was unavailable. */
  public static final String FAILURE_POLICY_DECISIONS = "quota.failure.policy.decisions";
  /** Counter of units recorded, in the meter's unit. */
  public static final String USAGE_RECORDED = "quota.usage.recorded";
  /** Counter of usage writes by result. */
  public static final String USAGE_RECORDS = "quota.usage.records";
  /** Counter of reservation events. */
  public static final String RESERVATIONS = "quota.reservations";
  /** Gauge of open reservations. */
  public static final String RESERVATIONS_OPEN = "quota.reservations.open";
  /** Timer of store calls. */
  public static final String STORE_CALLS = "quota.store.calls";
  /** Counter of notifications delivered. */
  public static final String NOTIFICATIONS_DELIVERED = "quota.notifications.delivered";
  /** Counter of failed delivery attempts. */
  public static final String NOTIFICATIONS_FAILED = "quota.notifications.failed";
  /** Gauge of deliveries in the outbox by state. */
  public static final String NOTIFICATIONS_OUTBOX = "quota.notifications.outbox";
  /** Counter of one-time credits given or revoked. */
  public static final String CREDITS = "quota.credits";
  /** Counter of one-time credit units given, or voided by a revocation. */
  public static final String CREDIT_UNITS = "quota.credits.units";
  /** Counter of per-tenant limit overrides set or revoked. */
  public static final String LIMIT_OVERRIDES = "quota.limit.overrides";

  private final MeterRegistry registry;
  private final Tags tags;
  private final MetricsObserver observer;
  private final StoreTimers timers;
  private final OpenHolds holds;
  private final EntitlementCounters entitlementCounters;

  private QuotaMetrics(Builder builder) {
    this.registry = builder.registry;
    this.tags = builder.tags;
    this.observer = new MetricsObserver(registry, tags);
    this.timers = new StoreTimers(registry, tags);
    this.holds = new OpenHolds(registry, tags, builder.clock);
    this.entitlementCounters = new EntitlementCounters(registry, tags);
  }

  /**
   * Returns metrics with the defaults: no common tags, the system clock.
   *
   * @param registry where the meters are registered
   * @return the metrics
   * @throws InvalidRequestException if {@code registry} is null
   */
  public static QuotaMetrics of(MeterRegistry registry) {
    return builder(registry).build();
  }

  /**
   * Starts a builder.
   *
   * @param registry where the meters are registered
   * @return the builder
   * @throws InvalidRequestException if {@code registry} is null
   */
  public static Builder builder(MeterRegistry registry) {
    return new Builder(registry);
  }

  /**
   * Returns the observer to pass to {@link dev.quota.Quota.Builder#observer(QuotaObserver)}. It counts
   * without allocating once a meter has been seen, and never throws.
   *
   * @return the observer; the same instance on every call
   */
  public QuotaObserver observer() {
    return observer;
  }

  /**
   * Wraps a store so that every call is timed ({@value #STORE_CALLS}), the reservations it opens are
   * gauged ({@value #RESERVATIONS_OPEN}), and the one-time credits and limit overrides it adds or revokes are counted
   * ({@value #CREDITS}, {@value #CREDIT_UNITS}, {@value #LIMIT_OVERRIDES}). The wrapper changes nothing else: every method, including the
   * ones with a default, is passed on to {@code store}, and every exception is rethrown as it is. The wrapper is
   * {@link AutoCloseable}: closing it (as {@link dev.quota.Quota#close()} does) closes {@code store} if that is
   * closeable.
   *
   * @param store the store to time, such as quota-jooq's PostgreSQL store
   * @return the timed store, to pass to {@link dev.quota.Quota.Builder#store(QuotaStore)}
   * @throws InvalidRequestException if {@code store} is null
   */
  public QuotaStore timed(QuotaStore store) {
    if (store == null) {
      throw new InvalidRequestException("store", "must not be null");
    }
    return new TimedQuotaStore(store, timers, holds, entitlementCounters);
  }

  /**
   * Gauges the outbox's pending and failed deliveries ({@value #NOTIFICATIONS_OUTBOX}, tagged {@code state}). Each
   * reading counts them in the store (one query per state, as often as the registry is scraped); a failed count
   * reads as NaN.
   *
   * @param outbox the outbox, from {@link dev.quota.Quota#outbox()}
   * @return this
   * @throws InvalidRequestException if {@code outbox} is null
   */
  public QuotaMetrics bindOutbox(NotificationOutbox outbox) {
    if (outbox == null) {
      throw new InvalidRequestException("outbox", "must not be null");
    }
    for (DeliveryState state : List.of(DeliveryState.PENDING, DeliveryState.FAILED)) {
      Gauge.builder(NOTIFICATIONS_OUTBOX, outbox, o -> count(o, state))
          .description("Deliveries in the notification outbox, of every instance, by state")
          .tags(tags)
          .tag("state", MetricsObserver.lower(state))
          .register(registry);
    }
    return this;
  }

  private static double count(NotificationOutbox outbox, DeliveryState state) {
    try {
      return outbox.count(state);
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  /** @return the registry the meters are registered in */
  public MeterRegistry registry() {
    return registry;
  }

  /** @return the tags added to every meter */
  public Tags tags() {
    return tags;
  }

  /** Builds {@link QuotaMetrics}; every setter validates its argument at once. */
  public static final class Builder {
    private final MeterRegistry registry;
    private Tags tags = Tags.empty();
    private Clock clock = Clock.systemUTC();

    private Builder(MeterRegistry registry) {
      if (registry == null) {
        throw new InvalidRequestException("meter registry", "must not be null");
      }
      this.registry = registry;
    }

    /**
     * Adds tags to every meter, for example the name of the quota instance when a process has several.
     * Keep their values bounded; never a tenant id.
     *
     * @param extra the tags
     * @return this builder
     * @throws InvalidRequestException if {@code extra} is null
     */
    public Builder tags(Iterable<Tag> extra) {
      if (extra == null) {
        throw new InvalidRequestException("tags", "must not be null");
      }
      this.tags = tags.and(extra);
      return this;
    }

    /**
     * Adds one tag to every meter.
     *
     * @param key the tag's key
     * @param value the tag's value; bounded, never a tenant id
     * @return this builder
     * @throws InvalidRequestException if {@code key} or {@code value} is null or blank
     */
    public Builder tag(String key, String value) {
      if (key == null || key.isBlank()) {
        throw new InvalidRequestException("tag key", "must not be blank");
      }
      if (value == null || value.isBlank()) {
        throw new InvalidRequestException("value of tag '" + key + "'", "must not be blank");
      }
      this.tags = tags.and(key, value);
      return this;
    }

    /**
     * Sets the clock that tells which reservations have expired; default {@link Clock#systemUTC()}. Pass the
     * clock the quota instance uses.
     *
     * @param clock the clock
     * @return this builder
     * @throws InvalidRequestException if {@code clock} is null
     */
    public Builder clock(Clock clock) {
      if (clock == null) {
        throw new InvalidRequestException("clock", "must not be null");
      }
      this.clock = clock;
      return this;
    }

    /** @return the metrics */
    public QuotaMetrics build() {
      return new QuotaMetrics(this);
    }
  }
}

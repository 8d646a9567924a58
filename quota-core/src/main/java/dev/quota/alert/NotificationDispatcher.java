package dev.quota.alert;

import dev.quota.InvalidRequestException;
import dev.quota.QuotaObserver;
import dev.quota.internal.Checks;
import dev.quota.internal.DefaultDispatcher;
import dev.quota.internal.DispatchSettings;
import dev.quota.spi.NotificationStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Delivers the outbox's pending notifications to the configured {@link NotificationChannel}s, in every instance of a
 * service: it claims due deliveries with a lease, so that no two instances send the same one to the same channel at
 * once, records each attempt, retries failures with exponential backoff and jitter, and gives up (leaving the
 * delivery {@link DeliveryState#FAILED}, visible in {@code quota notifications}) after the give-up time.
 *
 * <p>Delivery is at least once: an instance that dies after a channel accepted a notification but before the
 * outcome was recorded leaves it to be delivered again when its lease expires. Receivers de-duplicate by
 * {@link Notification#id()}.
 *
 * <p>{@link dev.quota.Quota.Builder} builds and starts one for a host that configures channels; build one yourself
 * for a process that only delivers.
 *
 * {@snippet :
 * try (NotificationDispatcher dispatcher = NotificationDispatcher.builder()
 *     .store(store)
 *     .channel(mailChannel)
 *     .build()) {
 *   dispatcher.start();
 *   // ... until the process shuts down
 * }
 * }
 */
public interface NotificationDispatcher extends AutoCloseable {

  /**
   * Starts the dispatcher's thread, which runs {@link #runOnce()} again and again, waiting the poll interval
   * whenever nothing was due. Idempotent.
   *
   * @throws IllegalStateException if the dispatcher was closed
   */
  void start();

  /**
   * Claims one batch of due deliveries and tries each, then, about once an hour, deletes notifications delivered
   * longer ago than the {@linkplain Builder#retention retention}: for tests, and for hosts that schedule delivery
   * themselves instead of calling {@link #start()}.
   *
   * @return how many deliveries were tried
   * @throws dev.quota.spi.StoreUnavailableException if the store could not be reached to claim
   */
  int runOnce();

  /**
   * Stops the thread: waits up to the shutdown timeout for the delivery in progress, then interrupts it. A delivery
   * cut short keeps its lease until it expires, and is then claimed again. Idempotent.
   */
  @Override
  void close();

  /**
   * @return a builder; {@link Builder#store} and at least one {@link Builder#channel} are required
   */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Builds a {@link NotificationDispatcher}. Every setter validates its argument at once and names what it refuses.
   *
   * <p>Defaults: poll every 1 second, batches of 50, backoff from 10 seconds doubling to at most 1 hour with 20 %
   * jitter, give up after 3 days, leases of 2 minutes, delivered notifications kept 30 days, {@link Clock#systemUTC()},
   * a random instance id, shutdown within 10 seconds.
   */
  final class Builder {
    /** The default wait between polls when nothing was due. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    /** The default most deliveries claimed at once. */
    public static final int DEFAULT_BATCH_SIZE = 50;
    /** The default wait after a first failure. */
    public static final Duration DEFAULT_BACKOFF_BASE = Duration.ofSeconds(10);
    /** The default longest wait between attempts. */
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofHours(1);
    /** The default share of each wait that is random. */
    public static final double DEFAULT_JITTER = 0.2;
    /** The default time after which a delivery that keeps failing is given up. */
    public static final Duration DEFAULT_GIVE_UP_AFTER = Duration.ofDays(3);
    /** The default time a claim holds. */
    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(2);
    /** The default time a notification is kept after all its deliveries arrived. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);
    /** The default bound on {@link NotificationDispatcher#close()}. */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    private static final Pattern CHANNEL_NAME = Pattern.compile("[a-z0-9-]{1,32}");

    private @Nullable NotificationStore store;
    private final List<NotificationChannel> channels = new ArrayList<>();
    private final Set<String> channelNames = new HashSet<>();
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private Duration backoffBase = DEFAULT_BACKOFF_BASE;
    private Duration backoffMax = DEFAULT_BACKOFF_MAX;
    private double jitter = DEFAULT_JITTER;
    private Duration giveUpAfter = DEFAULT_GIVE_UP_AFTER;
    private Duration lease = DEFAULT_LEASE;
    private Duration retention = DEFAULT_RETENTION;
    private Clock clock = Clock.systemUTC();
    private String instanceId = "quota-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString()
        .substring(0, 8);
    private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    private QuotaObserver observer = QuotaObserver.noop();

    private Builder() {}

    /**
     * Sets the store whose outbox is delivered: required.
     *
     * @param store the store, usually the {@link dev.quota.spi.QuotaStore} the guard writes to
     * @return this builder
     */
    public Builder store(NotificationStore store) {
      this.store = Checks.notNull("store", store);
      return this;
    }

    /**
     * Adds a channel; at least one is required.
     *
     * @param channel the channel; its {@link NotificationChannel#name()} must be lower-case letters, digits and
     *     {@code -}, at most 32 characters, and differ from every other channel's
     * @return this builder
     */
    public Builder channel(NotificationChannel channel) {
      Checks.notNull("channel", channel);
      String name = channel.name();
      if (name == null || !CHANNEL_NAME.matcher(name).matches()) {
        throw new InvalidRequestException("channel", "name must be 1 to 32 lower-case letters, digits and '-', was '"
            + name + "'");
      }
      if (!channelNames.add(name)) {
        throw new InvalidRequestException("channel", "name '" + name + "' is already taken by another channel");
      }
      channels.add(channel);
      return this;
    }

    /**
     * Sets how long the thread waits before polling again when nothing was due; default 1 second.
     *
     * @param interval from 10 milliseconds to 1 hour
     * @return this builder
     */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = between("poll interval", interval, Duration.ofMillis(10), Duration.ofHours(1));
      return this;
    }

    /**
     * Sets the most deliveries one claim takes; default 50.
     *
     * @param size from 1 to 1,000
     * @return this builder
     */
    public Builder batchSize(int size) {
      if (size < 1 || size > 1_000) {
        throw new InvalidRequestException("batch size", "must be between 1 and 1000, was " + size);
      }
      this.batchSize = size;
      return this;
    }

    /**
     * Sets the wait after a first failure; each further failure doubles it, up to {@link #backoffMax}. Default 10
     * seconds.
     *
     * @param base from 1 millisecond to 1 day
     * @return this builder
     */
    public Builder backoffBase(Duration base) {
      this.backoffBase = between("backoff base", base, Duration.ofMillis(1), Duration.ofDays(1));
      return this;
    }

    /**
     * Sets the longest wait between attempts; default 1 hour. Must not be below the backoff base when built.
     *
     * @param max from 1 millisecond to 7 days
     * @return this builder
     */
    public Builder backoffMax(Duration max) {
      this.backoffMax = between("backoff max", max, Duration.ofMillis(1), Duration.ofDays(7));
      return this;
    }

    /**
     * Sets the share of each wait that is random, so that instances retrying after one outage do not all come back
     * at once: a wait {@code w} becomes a random time between {@code w * (1 - jitter)} and {@code w}. Default 0.2.
     *
     * @param jitter from 0 (no randomness) to 1
     * @return this builder
     */
    public Builder jitter(double jitter) {
      if (!(jitter >= 0 && jitter <= 1)) {
        throw new InvalidRequestException("jitter", "must be between 0 and 1, was " + jitter);
      }
      this.jitter = jitter;
      return this;
    }

    /**
     * Sets how long after it was queued a delivery that keeps failing is tried; the last attempt is at that time,
     * and a failure then leaves it {@link DeliveryState#FAILED}. Default 3 days.
     *
     * @param giveUpAfter from 1 millisecond to 90 days
     * @return this builder
     */
    public Builder giveUpAfter(Duration giveUpAfter) {
      this.giveUpAfter = between("give up after", giveUpAfter, Duration.ofMillis(1), Duration.ofDays(90));
      return this;
    }

    /**
     * Sets how long a claim holds: another instance may claim a delivery whose lease has expired, so it must be
     * longer than a channel takes to deliver a batch (bound the channels' own timeouts). Default 2 minutes.
     *
     * @param lease from 100 milliseconds to 1 day
     * @return this builder
     */
    public Builder lease(Duration lease) {
      this.lease = between("lease", lease, Duration.ofMillis(100), Duration.ofDays(1));
      return this;
    }

    /**
     * Sets how long a notification is kept once all its deliveries arrived: the dispatcher deletes older ones, with
     * their deliveries, about once an hour (every instance's dispatcher does), so the outbox stays bounded. Failed
     * and pending deliveries are kept whatever their age: a failed one waits for an operator
     * ({@link NotificationOutbox#requeue}). The marks that make each alert fire once per period are kept. Default 30
     * days.
     *
     * @param retention from 1 hour to 10 years
     * @return this builder
     */
    public Builder retention(Duration retention) {
      this.retention = between("retention", retention, Duration.ofHours(1), Duration.ofDays(3653));
      return this;
    }

    /**
     * Sets the clock that dates attempts, backoffs and leases; default {@link Clock#systemUTC()}.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Checks.notNull("clock", clock);
      return this;
    }

    /**
     * Sets the id this instance claims under, kept with its leases; default {@code quota-<pid>-<random>}.
     *
     * @param instanceId up to 100 characters, no control characters
     * @return this builder
     */
    public Builder instanceId(String instanceId) {
      this.instanceId = Checks.identifier("instance id", instanceId, 100);
      return this;
    }

    /**
     * Sets how long {@link NotificationDispatcher#close()} waits for the delivery in progress; default 10 seconds.
     *
     * @param timeout from 0 to 5 minutes
     * @return this builder
     */
    public Builder shutdownTimeout(Duration timeout) {
      Checks.notNull("shutdown timeout", timeout);
      this.shutdownTimeout = timeout.isZero() ? timeout
          : between("shutdown timeout", timeout, Duration.ofMillis(1), Duration.ofMinutes(5));
      return this;
    }

    /**
     * Sets who hears about each delivery attempt, such as quota-micrometer's binding; default none.
     *
     * @param observer the observer; its exceptions are logged and ignored
     * @return this builder
     */
    public Builder observer(QuotaObserver observer) {
      this.observer = Checks.notNull("observer", observer);
      return this;
    }

    /**
     * Builds the dispatcher, not started.
     *
     * @return the dispatcher
     * @throws InvalidRequestException if no store or no channel was set, or the backoff max is below its base
     */
    public NotificationDispatcher build() {
      if (store == null) {
        throw new InvalidRequestException("store", "must be set");
      }
      if (channels.isEmpty()) {
        throw new InvalidRequestException("channel", "at least one must be set");
      }
      if (backoffMax.compareTo(backoffBase) < 0) {
        throw new InvalidRequestException("backoff max", "must not be below the backoff base ("
            + Checks.readable(backoffBase) + "), was " + Checks.readable(backoffMax));
      }
      return new DefaultDispatcher(new DispatchSettings(store, List.copyOf(channels), pollInterval, batchSize,
          backoffBase, backoffMax, jitter, giveUpAfter, lease, retention, clock, instanceId, shutdownTimeout, observer));
    }

    private static Duration between(String field, Duration value, Duration min, Duration max) {
      Checks.notNull(field, value);
      if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new InvalidRequestException(field, "must be between " + Checks.readable(min) + " and "
            + Checks.readable(max) + ", was " + value);
      }
      return value;
    }
  }
}

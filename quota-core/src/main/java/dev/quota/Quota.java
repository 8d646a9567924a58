package dev.quota;

import dev.quota.admin.AdminAuthorizer;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.ServiceConfiguration;
import dev.quota.admin.TenantKey;
import dev.quota.alert.NotificationChannel;
import dev.quota.alert.NotificationDispatcher;
import dev.quota.alert.NotificationOutbox;
import dev.quota.alert.QuotaAlertListener;
import dev.quota.internal.Checks;
import dev.quota.internal.DefaultAdmin;
import dev.quota.internal.DefaultGuard;
import dev.quota.internal.DefaultOutbox;
import dev.quota.internal.Evaluator;
import dev.quota.internal.ListenerChannel;
import dev.quota.internal.Observers;
import dev.quota.internal.Settings;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.StoreUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One quota instance over one store: its {@link #guard()} for the application's hot path and its
 * {@link #admin()} for operators. Both are thread-safe; build one instance per store and share it.
 *
 * {@snippet :
 * Quota quota = Quota.builder()
 *     .store(store)                                  // e.g. quota-jooq's PostgreSQL store
 *     .catalogue(TierCatalogue.defaults())           // free 100k, pro 1M, enterprise 10M tokens a month
 *     .alertListener(alert -> notifier.send(alert))
 *     .build();
 * QuotaGuard guard = quota.guard();
 * QuotaAdmin admin = quota.admin();
 * }
 *
 * <p><b>Alerts that arrive.</b> Each alert (a threshold crossed, a tenant blocked, a tenant unblocked by an admin
 * change) is written to the store's outbox with the mark that makes it fire once, in one transaction. An instance
 * with {@linkplain Builder#notificationChannel channels} or {@linkplain Builder#alertListener listeners} runs a
 * {@link NotificationDispatcher} that delivers them at least once; {@link #outbox()} shows what is pending or failed.
 *
 * <p>An instance owns its store: {@link #close()}, when the application shuts down, closes the store too if it
 * is {@link AutoCloseable} (quota-jooq's PostgreSQL store gives back the connection its change listener holds),
 * so the application need not keep the store around to shut down cleanly. A store shared by several instances,
 * or closed by a container, is left open with {@link Builder#leaveStoreOpen()}.
 */
public final class Quota implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Quota.class);

  private final Settings settings;
  private final DefaultGuard guard;
  private final DefaultAdmin admin;
  private final DefaultOutbox outbox;
  private final @Nullable NotificationDispatcher dispatcher;
  private final boolean closesStore;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Quota(Settings settings, @Nullable NotificationDispatcher dispatcher, boolean closesStore) {
    this.settings = settings;
    this.closesStore = closesStore;
    Evaluator evaluator = new Evaluator(settings.catalogue());
    this.guard = new DefaultGuard(settings, evaluator);
    this.admin = new DefaultAdmin(settings, evaluator, guard);
    this.outbox = new DefaultOutbox(settings.store(), settings.clock());
    this.dispatcher = dispatcher;
  }

  /** @return a builder; only {@link Builder#store(QuotaStore)} is required */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the guard the application calls */
  public QuotaGuard guard() {
    return guard;
  }

  /** @return the admin port operators call */
  public QuotaAdmin admin() {
    return admin;
  }

  /** @return the tiers and meters */
  public TierCatalogue catalogue() {
    return settings.catalogue();
  }

  /** @return the clock every decision reads */
  public Clock clock() {
    return settings.clock();
  }

  /**
   * The operators' view of the notification outbox: pending, delivered and failed deliveries, and requeueing.
   *
   * @return the outbox
   */
  public NotificationOutbox outbox() {
    return outbox;
  }

  /**
   * The dispatcher that delivers this instance's notifications: present when channels or listeners were configured,
   * started by {@link Builder#build()} unless {@link Builder#dispatchManually()} was set, and closed with this
   * instance.
   *
   * @return the dispatcher, or empty when there is nothing to deliver to
   */
  public Optional<NotificationDispatcher> dispatcher() {
    return Optional.ofNullable(dispatcher);
  }

  /** @return the enforcement mode */
  public EnforcementMode mode() {
    return settings.mode();
  }

  /**
   * Shuts this instance down: stops its notification dispatcher (waiting for the delivery in progress, within the
   * dispatcher's shutdown timeout), then closes its store if the store is {@link AutoCloseable}, unless the builder was told
   * to {@link Builder#leaveStoreOpen() leave it open}. Idempotent: only the first call closes anything, later
   * calls return at once, whichever thread makes them.
   *
   * <p>Call it once the application no longer uses the guard and the admin: a closed store may refuse their
   * calls, or (like quota-jooq's) stop hearing other instances' changes.
   *
   * @throws StoreUnavailableException if the store failed to close with a checked exception (a runtime exception
   *     it throws is passed on as it is); the store is not closed again by a later call
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (dispatcher != null) {
      dispatcher.close();
    }
    if (!closesStore) {
      return;
    }
    if (settings.store() instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new StoreUnavailableException("the store " + settings.store() + " failed to close", e);
      }
    }
  }

  /**
   * Builds a {@link Quota}. Every setter validates its argument at once and names what it refuses.
   *
   * <p>Defaults: {@link TierCatalogue#defaults()}, {@link Clock#systemUTC()}, {@link EnforcementMode#ENFORCE},
   * {@link FailurePolicy#deny()}, alert thresholds 80, 90 and 100 percent, {@link AdminAuthorizer#allowAll()},
   * reservations of at most 1 hour, grants, overrides and bypasses of at most 90 days, no notification channels
   * (alerts are still written to the outbox, with no delivery), the dispatcher's own defaults (see
   * {@link NotificationDispatcher.Builder}), and the store closed by {@link Quota#close()}.
   */
  public static final class Builder {
    /** The default longest reservation. */
    public static final Duration DEFAULT_MAX_RESERVATION_TTL = Duration.ofHours(1);
    /** The default longest grant, override or bypass. */
    public static final Duration DEFAULT_MAX_ENTITLEMENT_DURATION = Duration.ofDays(90);

    private @Nullable QuotaStore store;
    private TierCatalogue catalogue = TierCatalogue.defaults();
    private Clock clock = Clock.systemUTC();
    private EnforcementMode mode = EnforcementMode.ENFORCE;
    private FailurePolicy failurePolicy = FailurePolicy.deny();
    private List<Integer> alertThresholds = List.of(80, 90, 100);
    private final List<QuotaAlertListener> alertListeners = new ArrayList<>();
    private final List<NotificationChannel> channels = new ArrayList<>();
    private UnaryOperator<NotificationDispatcher.Builder> dispatcherSettings = UnaryOperator.identity();
    private boolean startDispatcher = true;
    private AdminAuthorizer authorizer = AdminAuthorizer.allowAll();
    private Duration maxReservationTtl = DEFAULT_MAX_RESERVATION_TTL;
    private Duration maxEntitlementDuration = DEFAULT_MAX_ENTITLEMENT_DURATION;
    private final List<QuotaObserver> observers = new ArrayList<>();
    private boolean closesStore = true;
    private @Nullable TenantKey tenantKey;
    private @Nullable String recordedService;
    private @Nullable String recordedServiceVersion;

    private Builder() {}

    /**
     * Sets the store: required. The instance owns it: {@link Quota#close()} closes it if it is
     * {@link AutoCloseable}, unless {@link #leaveStoreOpen()} is set.
     *
     * @param store the backend, such as quota-jooq's PostgreSQL store or quota-testkit's in-memory store
     * @return this builder
     */
    public Builder store(QuotaStore store) {
      this.store = Checks.notNull("store", store);
      return this;
    }

    /**
     * Sets the tiers and meters; default {@link TierCatalogue#defaults()}.
     *
     * @param catalogue the catalogue
     * @return this builder
     */
    public Builder catalogue(TierCatalogue catalogue) {
      this.catalogue = Checks.notNull("catalogue", catalogue);
      return this;
    }

    /**
     * Sets the clock, the only source of time for decisions, periods and expiries; default
     * {@link Clock#systemUTC()}. The clock's zone does not matter: periods are computed in the zone of each
     * meter's {@link dev.quota.period.PeriodPolicy}.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Checks.notNull("clock", clock);
      return this;
    }

    /**
     * Sets whether denials block; default {@link EnforcementMode#ENFORCE}.
     *
     * @param mode the mode
     * @return this builder
     */
    public Builder mode(EnforcementMode mode) {
      this.mode = Checks.notNull("mode", mode);
      return this;
    }

    /**
     * Sets what the guard decides when the store is unreachable; default {@link FailurePolicy#deny()}.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder failurePolicy(FailurePolicy policy) {
      this.failurePolicy = Checks.notNull("failure policy", policy);
      return this;
    }

    /**
     * Sets the alert thresholds, in percent of {@code limit + granted}; default 80, 90, 100. None disables
     * alerts.
     *
     * @param percents distinct values from 1 to 1000
     * @return this builder
     */
    public Builder alertThresholds(int... percents) {
      Checks.notNull("alert thresholds", percents);
      int[] sorted = percents.clone();
      Arrays.sort(sorted);
      List<Integer> list = new ArrayList<>();
      for (int i = 0; i < sorted.length; i++) {
        if (sorted[i] < 1 || sorted[i] > 1000) {
          throw new InvalidRequestException("alert thresholds", "must be between 1 and 1000 percent, was " + sorted[i]);
        }
        if (i > 0 && sorted[i] == sorted[i - 1]) {
          throw new InvalidRequestException("alert thresholds", "must not repeat, " + sorted[i] + " was given twice");
        }
        list.add(sorted[i]);
      }
      this.alertThresholds = List.copyOf(list);
      return this;
    }

    /**
     * Adds a listener for threshold alerts. Listeners are fed from the outbox, through a channel named
     * {@code listener}, on the dispatcher's thread: one that throws hears the alert again later (as do the others,
     * since they share the channel), so an alert is heard at least once.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder alertListener(QuotaAlertListener listener) {
      alertListeners.add(Checks.notNull("alert listener", listener));
      return this;
    }

    /**
     * Adds a channel that notifications are delivered to (e-mail, webhooks): each alert is queued for every channel
     * of the instance that writes it, so give every instance the same channels. With a channel or an
     * {@linkplain #alertListener alert listener}, the instance runs a {@link NotificationDispatcher}.
     *
     * @param channel the channel; its name must not be {@code listener}, which the alert listeners use
     * @return this builder
     */
    public Builder notificationChannel(NotificationChannel channel) {
      Checks.notNull("notification channel", channel);
      if (ListenerChannel.NAME.equals(channel.name())) {
        throw new InvalidRequestException("notification channel", "name '" + ListenerChannel.NAME
            + "' is the alert listeners' own; choose another");
      }
      channels.add(channel);
      return this;
    }

    /**
     * Adjusts the dispatcher's settings (poll interval, batch size, backoff, jitter, give-up time, lease, instance
     * id); its store, clock, channels and observers are this instance's.
     *
     * {@snippet :
     * Quota.builder().store(store).notificationChannel(mail)
     *     .dispatcher(d -> d.giveUpAfter(Duration.ofDays(1)).lease(Duration.ofMinutes(5)))
     *     .build();
     * }
     *
     * @param settings applied to the dispatcher's builder
     * @return this builder
     */
    public Builder dispatcher(UnaryOperator<NotificationDispatcher.Builder> settings) {
      this.dispatcherSettings = Checks.notNull("dispatcher settings", settings);
      return this;
    }

    /**
     * Builds the dispatcher without starting its thread: the host (or a test) calls
     * {@code quota.dispatcher().orElseThrow().runOnce()} when it wants pending notifications delivered.
     *
     * @return this builder
     */
    public Builder dispatchManually() {
      this.startDispatcher = false;
      return this;
    }

    /**
     * Sets who may make admin changes; default {@link AdminAuthorizer#allowAll()}, for hosts that authorize
     * before calling quota.
     *
     * @param authorizer the authorizer
     * @return this builder
     */
    public Builder authorizer(AdminAuthorizer authorizer) {
      this.authorizer = Checks.notNull("authorizer", authorizer);
      return this;
    }

    /**
     * Sets the longest time-to-live a reservation may ask for; default 1 hour.
     *
     * @param max a positive duration of at most 1 day
     * @return this builder
     */
    public Builder maxReservationTtl(Duration max) {
      this.maxReservationTtl = Checks.positiveAtMost("max reservation ttl", max, Duration.ofDays(1));
      return this;
    }

    /**
     * Sets the longest a grant, tier override or bypass may last from its creation; default 90 days. Keeps
     * "temporary" from meaning "forever".
     *
     * @param max a positive duration of at most 3660 days
     * @return this builder
     */
    public Builder maxEntitlementDuration(Duration max) {
      this.maxEntitlementDuration = Checks.positiveAtMost("max entitlement duration", max, Duration.ofDays(3660));
      return this;
    }

    /**
     * Adds an observer of decisions and writes, such as a metrics binding. Observers are called on the
     * hot path; see {@link QuotaObserver}.
     *
     * @param observer the observer
     * @return this builder
     */
    public Builder observer(QuotaObserver observer) {
      observers.add(Checks.notNull("observer", observer));
      return this;
    }

    /**
     * Leaves the store open when the instance is {@linkplain Quota#close() closed}; by default an
     * {@link AutoCloseable} store is closed with it. For a store shared by several instances (closed by whoever
     * made it, after the last of them), or one whose life a container manages, such as a Spring bean.
     *
     * @return this builder
     */
    public Builder leaveStoreOpen() {
      this.closesStore = false;
      return this;
    }

    /**
     * Says how operators find this service's tenants by a human key (an e-mail column of the host's user table),
     * recorded with the service's configuration for tools such as {@code quota find}; default none. quota only
     * reads that table.
     *
     * @param key the table and its key and id columns
     * @return this builder
     */
    public Builder tenantKey(TenantKey key) {
      this.tenantKey = Checks.notNull("tenant key", key);
      return this;
    }

    /**
     * Makes {@link #build()} record the configuration this instance enforces in the store, as this service
     * ({@link QuotaAdmin#recordServiceConfiguration}), so that operator tools show the service's tiers and limits
     * and know where its plans come from; default off (tools and tests build instances that are no service). A
     * store that cannot be reached at build time is no reason to fail: the record is then skipped with a warning,
     * and written at the next start.
     *
     * @param service the service's name, e.g. {@code planner}
     * @param serviceVersion the service's version, e.g. {@code 1.4.2}
     * @return this builder
     */
    public Builder recordServiceConfiguration(String service, String serviceVersion) {
      this.recordedService = Checks.identifier("service", service, ServiceConfiguration.MAX_NAME_LENGTH);
      this.recordedServiceVersion = Checks.identifier("service version", serviceVersion,
          ServiceConfiguration.MAX_NAME_LENGTH);
      return this;
    }

    /**
     * Builds the instance, and records its configuration if {@link #recordServiceConfiguration} was set.
     *
     * @return the quota instance
     * @throws InvalidRequestException if no store was set
     */
    public Quota build() {
      if (store == null) {
        throw new InvalidRequestException("store", "must be set");
      }
      List<NotificationChannel> all = new ArrayList<>(channels);
      if (!alertListeners.isEmpty()) {
        all.add(new ListenerChannel(alertListeners));
      }
      QuotaObserver observer = Observers.of(observers);
      NotificationDispatcher dispatcher = null;
      if (!all.isEmpty()) {
        NotificationDispatcher.Builder builder = NotificationDispatcher.builder();
        all.forEach(builder::channel);
        dispatcher = Checks.notNull("dispatcher settings' result", dispatcherSettings.apply(builder))
            .store(store).clock(clock).observer(observer).build();
      }
      Quota quota = new Quota(new Settings(store, catalogue, clock, mode, failurePolicy, alertThresholds,
          all.stream().map(NotificationChannel::name).toList(), authorizer, maxReservationTtl,
          maxEntitlementDuration, observer, tenantKey), dispatcher, closesStore);
      if (recordedService != null && recordedServiceVersion != null) {
        try {
          quota.admin().recordServiceConfiguration(recordedService, recordedServiceVersion);
        } catch (StoreUnavailableException e) {
          LOG.warn("quota: could not record the configuration of {} {} at start-up; operator tools show the one "
              + "recorded before until the next start: {}", recordedService, recordedServiceVersion, e.getMessage());
        }
      }
      if (dispatcher != null && startDispatcher) {
        dispatcher.start();
      }
      return quota;
    }
  }
}

package dev.quota;

/**
 * Hears about the guard's decisions and writes, for metrics and tracing (quota's Micrometer binding is
 * one). Every method has an empty default, so an observer implements only what it needs.
 *
 * <p>Called synchronously on the caller's thread, on the hot path: keep implementations allocation-free
 * and quick (increment a counter). An exception thrown by an observer is logged and otherwise ignored.
 * Tenant ids are deliberately not passed: metrics tagged by tenant have unbounded cardinality.
 */
public interface QuotaObserver {

  /** The guard call a decision came from. */
  enum Operation {
    /** {@link QuotaGuard#canProceed(TenantId)}. */
    CAN_PROCEED,
    /** {@link QuotaGuard#check}. */
    CHECK,
    /** {@link QuotaGuard#tryConsume}. */
    TRY_CONSUME,
    /** {@link QuotaGuard#reserve}. */
    RESERVE
  }

  /** What happened to a reservation. */
  enum ReservationEvent {
    /** A hold was taken. */
    OPENED,
    /** A hold ended by a commit. */
    COMMITTED,
    /** A hold ended by a release. */
    RELEASED
  }

  /**
   * A decision was made.
   *
   * @param operation the guard call
   * @param meter the meter
   * @param allowed whether the caller may proceed
   * @param reason why (for {@link Decision.Reason#STORE_UNAVAILABLE}, the failure policy decided)
   * @param shadowed whether shadow mode let through what enforcement would deny
   */
  default void onDecision(Operation operation, Meter meter, boolean allowed, Decision.Reason reason, boolean shadowed) {}

  /**
   * A decision was a denial: called for every denial the guard returns, besides {@link #onDecision}, including those
   * that {@link EnforcementMode#SHADOW} let through (which {@link #onDecision} reports as allowed and shadowed), so
   * that metrics can tell at which level and in which window tenants are refused. The level is given as a distance,
   * never as a tenant id.
   *
   * @param operation the guard call
   * @param meter the meter
   * @param reason why
   * @param levelsUp how far above the asking tenant the refusing level is ({@link Decision#levelsUp()}): 0 for the
   *     tenant itself and for every denial of a tenant without a parent
   * @param window the refusing counter's window ({@link Decision#window()}): {@link Window#PERIOD} for a meter
   *     without short windows and for denials made without a counter (no plan, store unavailable)
   */
  default void onDenied(Operation operation, Meter meter, Decision.Reason reason, int levelsUp, Window window) {}

  /**
   * Usage was written to the ledger, or found there already.
   *
   * @param meter the meter
   * @param amount the units, in the meter's unit
   * @param duplicate whether the usage key was already recorded (nothing added)
   */
  default void onUsageRecorded(Meter meter, long amount, boolean duplicate) {}

  /**
   * A reservation was opened or ended by a call. Holds that expire end without a call.
   *
   * @param event what happened
   */
  default void onReservation(ReservationEvent event) {}

  /**
   * A notification dispatcher tried a delivery. Called on the dispatcher's thread.
   *
   * @param channel the channel's name
   * @param kind what the notification told
   * @param outcome how the attempt ended
   */
  default void onDeliveryAttempt(String channel, dev.quota.alert.NotificationKind kind, DeliveryOutcome outcome) {}

  /** How a delivery attempt ended. */
  enum DeliveryOutcome {
    /** The channel accepted it. */
    DELIVERED,
    /** It failed and will be retried. */
    RETRYING,
    /** It failed and the dispatcher gave up: the delivery is failed until an operator requeues it. */
    GAVE_UP
  }

  /** @return an observer that does nothing: the default */
  static QuotaObserver noop() {
    return NoopObserver.INSTANCE;
  }
}

/** The default observer. */
final class NoopObserver implements QuotaObserver {
  static final NoopObserver INSTANCE = new NoopObserver();

  private NoopObserver() {}
}

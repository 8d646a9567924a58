package dev.quota;

import java.time.Duration;
import java.util.List;

/**
 * The port an application calls before and after the work it meters, such as an AI planner before and
 * after each model call.
 *
 * <p>Every method validates its input first (throwing {@link InvalidRequestException}, which names the
 * parameter, and writing nothing),
 * reads the clock the guard was built with (never the database's), and is thread-safe. Denials are
 * {@link Decision}s, not exceptions. When the store is unreachable, the configured
 * {@link FailurePolicy} decides the checks and consumes, while {@link #record} throws
 * {@link dev.quota.spi.StoreUnavailableException} so the caller can retry it under the same key.
 *
 * {@snippet :
 * QuotaGuard guard = quota.guard();
 * if (!guard.canProceed(tenant)) {
 *   return tooManyRequests(guard.usage(tenant));
 * }
 * }
 */
public interface QuotaGuard {

  /**
   * The seed system's check, made right: may the tenant use at least one more unit of the default meter
   * now? True while {@code used + reserved < limit + grants}, or while a bypass is active; in
   * {@link EnforcementMode#SHADOW}, always true.
   *
   * @param tenant the tenant
   * @return whether the tenant may proceed
   */
  boolean canProceed(TenantId tenant);

  /**
   * Decides whether the tenant may use {@code amount} units of a meter now, without using them.
   *
   * @param tenant the tenant
   * @param meter a meter of the catalogue
   * @param amount the units, in the meter's unit; positive
   * @return the decision and the standing it was made on
   */
  Decision check(TenantId tenant, Meter meter, long amount);

  /**
   * Atomically checks and records usage: the units are recorded only if the balance covers them, and
   * concurrent callers (in this process or others sharing the store) never together exceed the balance.
   * Idempotent by key: a retry with the same key and amount reports {@link ConsumeResult.Outcome#ALREADY_CONSUMED}.
   *
   * @param tenant the tenant
   * @param meter a meter of the catalogue
   * @param amount the units, in the meter's unit; positive
   * @param key the usage's identity
   * @return the outcome and decision
   * @throws UsageConflictException if the key was recorded with another amount
   * @throws QuotaContentionException if admin changes to the tenant overtook every attempt; nothing was written
   */
  ConsumeResult tryConsume(TenantId tenant, Meter meter, long amount, UsageKey key);

  /**
   * Holds an estimate against the balance until committed, released, or {@code ttl} passes. Atomic like
   * {@link #tryConsume}.
   *
   * @param tenant the tenant
   * @param meter a meter of the catalogue
   * @param estimate the units to hold, in the meter's unit; positive
   * @param ttl how long the hold counts if nobody ends it; positive, at most the configured maximum
   * @return the decision and, if allowed, the reservation. When the store is unreachable and the
   *     {@link FailurePolicy} allows the call, the reservation holds nothing in the store; committing it
   *     records the usage once the store answers again.
   * @throws QuotaContentionException if admin changes to the tenant overtook every attempt; nothing was written
   */
  ReserveResult reserve(TenantId tenant, Meter meter, long estimate, Duration ttl);

  /**
   * Records the actual usage of a reservation and ends its hold. The usage is recorded even if the
   * reservation expired or the actual amount exceeds the estimate: it already happened.
   *
   * @param tenant the reservation's tenant
   * @param reservationId the reservation
   * @param meter the reservation's meter
   * @param amount the units really used, in the meter's unit; positive
   * @param key the usage's identity
   * @return what was recorded
   * @throws ReservationStateException if the reservation was released, or committed under another key
   * @throws UsageConflictException if the key was recorded with another amount
   * @throws QuotaContentionException if admin changes to the tenant overtook every attempt; nothing was written
   */
  RecordResult commit(TenantId tenant, ReservationId reservationId, Meter meter, long amount, UsageKey key);

  /**
   * Ends a reservation's hold without recording usage.
   *
   * @param tenant the reservation's tenant
   * @param reservationId the reservation
   * @return {@code true} if this call ended an open hold; {@code false} if it had expired or was released
   * @throws ReservationStateException if the reservation was committed
   */
  boolean release(TenantId tenant, ReservationId reservationId);

  /**
   * Records usage that already happened. Never refused, even over the limit; idempotent by key.
   *
   * @param event the usage
   * @return what was recorded
   * @throws UsageConflictException if the key was recorded with another amount
   * @throws QuotaContentionException if admin changes to the tenant overtook every attempt; nothing was written
   */
  RecordResult record(UsageEvent event);

  /**
   * Records several usage events, each as {@link #record} would. A store may write them in one batch; events
   * are validated before any is written.
   *
   * @param events the usage
   * @return one result per event, in order
   * @throws UsageConflictException if a key was recorded with another amount: that event writes nothing, every
   *     other event of the batch is recorded all the same, and the first such conflict is thrown afterwards
   * @throws QuotaContentionException if admin changes to a tenant overtook every attempt to record its events;
   *     those events were not written (events written before stay written, and count once if the batch is
   *     retried with the same keys)
   */
  List<RecordResult> recordAll(List<UsageEvent> events);

  /**
   * The tenant's standing on the default meter.
   *
   * @param tenant the tenant
   * @return the report
   */
  UsageReport usage(TenantId tenant);

  /**
   * The tenant's standing on a meter.
   *
   * @param tenant the tenant
   * @param meter a meter of the catalogue
   * @return the report
   */
  UsageReport usage(TenantId tenant, Meter meter);
}

package dev.quota;

import dev.quota.internal.access.ApiAccess;
import dev.quota.internal.Checks;
import java.time.Instant;
import java.util.Objects;

/**
 * Units held for an operation whose cost is known only afterwards, such as an AI call: reserve an
 * estimate, then {@link #commit} the actual amount or {@link #release()} the hold.
 *
 * <p>While open and unexpired, the reserved units count against the balance, so concurrent callers cannot
 * spend them. A reservation that is never committed (a crash, a lost handle) expires by itself and stops
 * counting. Usage that really happened can be committed even after expiry, and even if it exceeds the
 * estimate: it is recorded like {@link QuotaGuard#record}.
 *
 * {@snippet :
 * ReserveResult result = guard.reserve(tenant, Meter.AI_TOKENS, 4_000, Duration.ofMinutes(2));
 * if (!result.granted()) {
 *   return tooManyRequests(result.decision());
 * }
 * Reservation reservation = result.reservation();
 * try {
 *   AiResponse response = model.call(prompt);
 *   reservation.commit(response.tokensUsed(), UsageKey.of(response.sessionId()));
 * } catch (RuntimeException e) {
 *   reservation.release();   // or commit the tokens spent before the failure
 *   throw e;
 * }
 * }
 */
public final class Reservation {
  static {
    // Guards outside this package make handles through quota's internal access path, not a public constructor.
    ApiAccess.reservations(Reservation::new);
  }

  private final ReservationId id;
  private final TenantId tenant;
  private final Meter meter;
  private final long amount;
  private final Instant createdAt;
  private final Instant expiresAt;
  private final QuotaGuard guard;

  /**
   * Creates a handle; guards make them, through {@link ApiAccess#reservation}.
   *
   * @param id the identity
   * @param tenant the tenant
   * @param meter the meter
   * @param amount the units held, in the meter's unit
   * @param createdAt when the hold started
   * @param expiresAt when it stops counting
   * @param guard the guard that commits and releases it
   */
  private Reservation(ReservationId id, TenantId tenant, Meter meter, long amount, Instant createdAt, Instant expiresAt,
      QuotaGuard guard) {
    this.id = Checks.notNull("reservation id", id);
    this.tenant = Checks.notNull("tenant", tenant);
    this.meter = Checks.notNull("meter", meter);
    this.amount = Checks.positive("amount", amount);
    this.createdAt = Checks.notNull("created at", createdAt);
    this.expiresAt = Checks.notNull("expires at", expiresAt);
    this.guard = Checks.notNull("guard", guard);
  }

  /** @return the identity */
  public ReservationId id() {
    return id;
  }

  /** @return the tenant */
  public TenantId tenant() {
    return tenant;
  }

  /** @return the meter */
  public Meter meter() {
    return meter;
  }

  /** @return the units held, in the meter's unit */
  public long amount() {
    return amount;
  }

  /** @return when the hold started */
  public Instant createdAt() {
    return createdAt;
  }

  /** @return when the hold stops counting */
  public Instant expiresAt() {
    return expiresAt;
  }

  /**
   * Records the actual usage and ends the hold. Same as
   * {@link QuotaGuard#commit(TenantId, ReservationId, Meter, long, UsageKey)}.
   *
   * @param amount the units really used, in the meter's unit; positive (release instead when nothing was used)
   * @param key the usage's identity; a retried commit with the same key and amount counts once
   * @return what was recorded
   * @throws ReservationStateException if the reservation was released, or committed under another key
   * @throws UsageConflictException if the key was recorded with another amount
   * @throws QuotaContentionException if admin changes to the tenant overtook every attempt; nothing was written
   */
  public RecordResult commit(long amount, UsageKey key) {
    return guard.commit(tenant, id, meter, amount, key);
  }

  /**
   * Ends the hold without recording usage. Releasing twice, or after expiry, does nothing.
   *
   * @return {@code true} if this call ended an open hold
   * @throws ReservationStateException if the reservation was already committed
   */
  public boolean release() {
    return guard.release(tenant, id);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Reservation other && other.id.equals(id) && other.tenant.equals(tenant);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, tenant);
  }

  @Override
  public String toString() {
    return "Reservation{" + id + ", tenant=" + tenant + ", meter=" + meter + ", amount=" + amount + ", expiresAt="
        + expiresAt + "}";
  }
}

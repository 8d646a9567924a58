package dev.quota.internal.access;

import dev.quota.Meter;
import dev.quota.QuotaGuard;
import dev.quota.Reservation;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import java.time.Instant;

/**
 * The way in to the API types' non-public constructors, for quota's own guards ({@code DefaultGuard},
 * quota-testkit's fake): a {@link Reservation} is bound to the guard that commits and
 * releases it, which callers must not choose, so its constructor is not public.
 *
 * <p>As with the JDK's own shared secrets, each API type hands its factory over from its static initializer;
 * this class initializes the type before the first use, so the factory is always there. Not an API: it may
 * change in any release. The module exports this package to quota-testkit alone.
 */
public final class ApiAccess {
  private static volatile ReservationFactory reservations;

  private ApiAccess() {}

  /** Makes reservation handles; implemented by {@link Reservation} itself. */
  public interface ReservationFactory {
    /**
     * Makes a handle.
     *
     * @param id the identity
     * @param tenant the tenant
     * @param meter the meter
     * @param amount the units held, in the meter's unit; positive
     * @param createdAt when the hold started
     * @param expiresAt when it stops counting
     * @param guard the guard that commits and releases it
     * @return the handle
     */
    Reservation open(ReservationId id, TenantId tenant, Meter meter, long amount, Instant createdAt,
        Instant expiresAt, QuotaGuard guard);
  }

  /**
   * Hands over {@link Reservation}'s factory; called once, by its static initializer.
   *
   * @param factory the factory
   * @throws IllegalStateException if a factory was handed over already
   */
  public static synchronized void reservations(ReservationFactory factory) {
    if (reservations != null) {
      throw new IllegalStateException("the reservation factory was handed over already");
    }
    reservations = factory;
  }

  /**
   * Makes a reservation handle bound to a guard.
   *
   * @param id the identity
   * @param tenant the tenant
   * @param meter the meter
   * @param amount the units held, in the meter's unit; positive
   * @param createdAt when the hold started
   * @param expiresAt when it stops counting
   * @param guard the guard that commits and releases it
   * @return the handle
   */
  public static Reservation reservation(ReservationId id, TenantId tenant, Meter meter, long amount, Instant createdAt,
      Instant expiresAt, QuotaGuard guard) {
    ReservationFactory factory = reservations;
    if (factory == null) {
      initialize(Reservation.class);
      factory = reservations;
    }
    return factory.open(id, tenant, meter, amount, createdAt, expiresAt, guard);
  }

  private static void initialize(Class<?> type) {
    try {
      Class.forName(type.getName(), true, type.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("cannot initialize " + type.getName(), e);
    }
  }
}

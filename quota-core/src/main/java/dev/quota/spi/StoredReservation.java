package dev.quota.spi;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import java.time.Instant;

/**
 * A reservation as the store keeps it.
 *
 * @param id the identity, unique per tenant
 * @param tenant the tenant
 * @param meter the meter
 * @param amount the units held
 * @param period the period whose counter holds them
 * @param createdAt when the hold started
 * @param expiresAt when it stops counting by itself
 */
public record StoredReservation(ReservationId id, TenantId tenant, Meter meter, long amount, Period period,
    Instant createdAt, Instant expiresAt) {}

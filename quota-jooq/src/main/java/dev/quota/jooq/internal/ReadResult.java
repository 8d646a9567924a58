package dev.quota.jooq.internal;

import dev.quota.spi.TenantState;
import java.time.Instant;

/**
 * A state as read, with the first instant from which it may no longer hold without other writes.
 *
 * @param state the state
 * @param validUntil the earliest of its counters' period ends and hold expiries ({@link Instant#MAX} if none): until
 *     then its counters stay exact unless something is written
 */
public record ReadResult(TenantState state, Instant validUntil) {}

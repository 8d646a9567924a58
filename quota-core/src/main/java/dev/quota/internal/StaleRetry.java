package dev.quota.internal;

import dev.quota.Meter;
import dev.quota.QuotaContentionException;
import dev.quota.TenantId;
import dev.quota.spi.TenantState;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The one retry of writes refused as stale, shared by the guard's usage writes and the admin's reset.
 *
 * <p>A write computed from a tenant's state (its ceiling, its period, the usage a reset cancels) carries the
 * state's version, and the store refuses it as {@code Stale}, writing nothing, when an admin change moved the
 * version on in between. The attempt is then made again on the state as last committed. An attempt that is
 * overtaken {@value #MAX_ATTEMPTS} times in a row gives up with {@link QuotaContentionException}.
 */
final class StaleRetry {
  /** A write refused as stale means an admin change raced it; re-reading settles it within a few tries. */
  static final int MAX_ATTEMPTS = 16;

  /** Reads a tenant's state on a meter. */
  @FunctionalInterface
  interface Reads {
    /**
     * Reads the state.
     *
     * @param tenant the tenant
     * @param meter the meter
     * @param now the time of the read
     * @return the state
     */
    TenantState read(TenantId tenant, Meter meter, Instant now);
  }

  /**
   * One attempt: read, compute, write.
   *
   * @param <T> the result
   */
  @FunctionalInterface
  interface Attempt<T> {
    /**
     * Makes the attempt.
     *
     * @param reads where this attempt reads the tenant's state
     * @return the result, or empty if the write was refused as stale and nothing was written
     */
    Optional<T> run(Reads reads);
  }

  private final Reads firstReads;
  private final Reads retryReads;

  /**
   * Creates the retry.
   *
   * @param firstReads where a first attempt reads, which may be a cache
   * @param retryReads where the attempts after a refusal read: the state as last committed
   */
  StaleRetry(Reads firstReads, Reads retryReads) {
    this.firstReads = firstReads;
    this.retryReads = retryReads;
  }

  /**
   * Tells whether an attempt reads the state as last committed: a retry after a refusal.
   *
   * @param reads the attempt's reads
   * @return whether they bypass any cache
   */
  boolean latest(Reads reads) {
    return reads == retryReads;
  }

  /**
   * Makes attempts until one is not refused as stale.
   *
   * @param tenant the tenant whose state the attempts read and write
   * @param attempt the attempt
   * @param <T> the result
   * @return the first result not refused
   * @throws QuotaContentionException if {@value #MAX_ATTEMPTS} attempts in a row were refused
   */
  <T> T run(TenantId tenant, Attempt<T> attempt) {
    for (int i = 0; i < MAX_ATTEMPTS; i++) {
      Optional<T> result = attempt.run(i == 0 ? firstReads : retryReads);
      if (result.isPresent()) {
        return result.get();
      }
    }
    throw new QuotaContentionException(tenant, MAX_ATTEMPTS);
  }

  /**
   * Reads a tenant's state on several meters for one write: its version must be the same in every read, or an
   * admin change came in between them and the attempt must be made again.
   *
   * @param reads the attempt's reads
   * @param tenant the tenant
   * @param meters the meters, in the order to read them
   * @param now the time of the reads
   * @return the states by meter, in that order; empty if the version moved on between two reads
   */
  static Optional<Map<Meter, TenantState>> readAll(Reads reads, TenantId tenant, Collection<Meter> meters,
      Instant now) {
    Map<Meter, TenantState> states = new LinkedHashMap<>();
    Long version = null;
    for (Meter meter : meters) {
      if (states.containsKey(meter)) {
        continue;
      }
      TenantState state = reads.read(tenant, meter, now);
      if (version != null && version != state.version()) {
        return Optional.empty();
      }
      version = state.version();
      states.put(meter, state);
    }
    return Optional.of(states);
  }
}

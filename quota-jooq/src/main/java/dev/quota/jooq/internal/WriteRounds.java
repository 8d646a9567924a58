package dev.quota.jooq.internal;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import java.time.Instant;
import java.util.function.Function;

/**
 * Runs a single-request usage write in rounds: each round is one transaction, which either decides the write or asks
 * for a preparation first (create the counter row, sweep expired holds) or for another look (a concurrent write
 * changed the row). The preparations run in transactions of their own between the rounds.
 */
final class WriteRounds {
  /** Rounds of counter creation, sweeping and lost races one write may go through; a few suffice. */
  static final int MAX_ROUNDS = 16;

  /** What one round of a write did. */
  sealed interface Step<T> {}

  /**
   * Decided.
   *
   * @param outcome the write's outcome
   * @param counter the counter the round wrote or read under the row's lock, or {@code null} if none to report
   * @param version the version the write was checked against
   */
  record Done<T>(T outcome, StoredCounter counter, long version) implements Step<T> {}

  /** The counter row does not exist yet: create it, then run again. */
  record CreateCounter<T>(Period period) implements Step<T> {}

  /** A counted hold has expired: sweep, then run again. */
  record Sweep<T>() implements Step<T> {}

  /** A concurrent write changed the row between the statement's snapshot and its update: run again. */
  record Again<T>() implements Step<T> {}

  /** Decided, with nothing to report to the cache. */
  static <T> Step<T> done(T outcome) {
    return new Done<>(outcome, null, -1);
  }

  /** Sweeps a tenant's expired holds of a meter. */
  @FunctionalInterface
  interface Sweeper {
    void sweep(TenantId tenant, Meter meter, Instant now);
  }

  private final Db db;
  private final Counters counters;
  private final Sweeper sweeper;
  private final ChangeSink sink;

  WriteRounds(Db db, Counters counters, Sweeper sweeper, ChangeSink sink) {
    this.db = db;
    this.counters = counters;
    this.sweeper = sweeper;
    this.sink = sink;
  }

  /**
   * Runs a write's rounds until one decides, then tells the sink (after the round's transaction ended): a stale
   * outcome drops what is remembered of the tenant, a counter read or written is reported.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param expectedVersion the version the write was computed from
   * @param now the time of the write
   * @param stale the write's stale outcome, returned when the version moved on
   * @param round one round, in the transaction it is given
   * @param <T> the outcome type
   * @return the outcome
   */
  <T> T run(TenantId tenant, Meter meter, long expectedVersion, Instant now, T stale, Function<Db.Tx, Step<T>> round) {
    for (int i = 0; i < MAX_ROUNDS; i++) {
      Step<T> step = db.transaction(round);
      switch (step) {
        case Done<T> d -> {
          if (d.outcome() == stale) {
            sink.tenantChanged(tenant);
          } else if (d.counter() != null) {
            sink.counterObserved(tenant, meter, d.version(), d.counter());
          }
          return d.outcome();
        }
        case CreateCounter<T> c -> {
          if (!counters.ensure(tenant, meter, c.period(), expectedVersion)) {
            sink.tenantChanged(tenant);
            return stale;
          }
        }
        case Sweep<T> s -> sweeper.sweep(tenant, meter, now);
        case Again<T> a -> {
          // look again
        }
      }
    }
    throw new IllegalStateException("tenant '" + tenant + "' on " + meter + ": a write did not settle after "
        + MAX_ROUNDS + " rounds");
  }
}

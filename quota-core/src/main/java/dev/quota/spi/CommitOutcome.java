package dev.quota.spi;

import dev.quota.UsageKey;

/** What committing a reservation did in the store. */
public sealed interface CommitOutcome {

  /**
   * The usage was recorded and the hold ended.
   *
   * @param counter the counter of the usage's period after the write
   * @param expired whether the reservation had expired before the commit
   */
  record Committed(Counter counter, boolean expired) implements CommitOutcome {}

  /**
   * No usage written: the usage key is already in the ledger (a retried commit, or usage the host recorded
   * under the same key before committing). If the recorded amount equals the commit's, the reservation is
   * ended as committed under that key, since the usage it held for is in the ledger; otherwise the
   * reservation stays as it was and the guard reports a conflict.
   *
   * @param recordedAmount the amount recorded under the key
   * @param counter the counter of the usage's period
   */
  record Duplicate(long recordedAmount, Counter counter) implements CommitOutcome {}

  /** Nothing written: the reservation was released. */
  record Released() implements CommitOutcome {}

  /**
   * Nothing written: the commit named another meter than the reservation's.
   *
   * @param reservedMeter the reservation's meter
   */
  record WrongMeter(dev.quota.Meter reservedMeter) implements CommitOutcome {}

  /**
   * Nothing written: the reservation was committed under another key.
   *
   * @param key the key it was committed under
   */
  record CommittedUnderOtherKey(UsageKey key) implements CommitOutcome {}

  /** Nothing written: the store does not know the reservation (never made, or long since swept). */
  record NotFound() implements CommitOutcome {}

  /** Nothing written: the tenant's entitlement version moved on. */
  record Stale() implements CommitOutcome {}
}

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
   * Nothing written: the usage key is already in the ledger (a retried commit, or a key reused by another
   * event).
   *
   * @param recordedAmount the amount recorded under the key
   * @param counter the counter of the usage's period
   */
  record Duplicate(long recordedAmount, Counter counter) implements CommitOutcome {}

  /** Nothing written: the reservation was released. */
  record Released() implements CommitOutcome {}

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

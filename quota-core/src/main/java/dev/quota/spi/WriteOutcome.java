package dev.quota.spi;

/**
 * What a conditional or unconditional usage write did in the store.
 *
 * <p>Stores return these instead of throwing: denials and duplicates are normal on the hot path.
 */
public sealed interface WriteOutcome {

  /**
   * Written: the ledger entry (or reservation) was added and the counter moved.
   *
   * @param counter the counter after the write
   */
  record Written(Counter counter) implements WriteOutcome {}

  /**
   * Not written: {@code used + reserved + amount} would exceed the ceiling.
   *
   * @param counter the counter the condition was evaluated on
   */
  record Insufficient(Counter counter) implements WriteOutcome {}

  /**
   * Not written: the usage key is already in the ledger for that tenant and meter.
   *
   * @param recordedAmount the amount recorded under the key
   * @param counter the counter of the write's period, unchanged
   */
  record Duplicate(long recordedAmount, Counter counter) implements WriteOutcome {}

  /** Not written: the tenant's entitlement version moved on since the state the write was based on. */
  record Stale() implements WriteOutcome {}
}

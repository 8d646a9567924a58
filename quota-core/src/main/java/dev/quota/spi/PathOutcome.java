package dev.quota.spi;

import java.util.List;

/**
 * What a {@link PathWrite} did in the store. Every list of counters is in {@link PathWrite#counters()} order, one
 * per counter of the write.
 */
public sealed interface PathOutcome {

  /**
   * Written: the ledger entry (or the hold) was added once and every counter moved.
   *
   * @param counters every counter after the write
   */
  record Written(List<Counter> counters) implements PathOutcome {
    /** Freezes the list. */
    public Written {
      counters = List.copyOf(counters);
    }
  }

  /**
   * Not written: at least one counter could not take the amount; nothing changed anywhere.
   *
   * @param index the first counter, in {@link PathWrite#counters()} order, that could not take it
   * @param counters every counter as the decision found it
   */
  record Insufficient(int index, List<Counter> counters) implements PathOutcome {
    /** Freezes the list. */
    public Insufficient {
      counters = List.copyOf(counters);
    }
  }

  /**
   * Not written: the usage key is already in the ledger for the writing tenant and meter.
   *
   * @param recordedAmount the amount recorded under the key
   * @param counters every counter, unchanged
   */
  record Duplicate(long recordedAmount, List<Counter> counters) implements PathOutcome {
    /** Freezes the list. */
    public Duplicate {
      counters = List.copyOf(counters);
    }
  }

  /**
   * Not written: some level's version moved on since the state the write was computed from (a plan, an entitlement,
   * or the tree changed).
   */
  record Stale() implements PathOutcome {}
}

package dev.quota;

import dev.quota.internal.Checks;

/**
 * What {@link QuotaGuard#tryConsume} did.
 *
 * @param outcome whether the units were recorded by this call, earlier, or not at all
 * @param decision the decision, with the standing after the call
 */
public record ConsumeResult(Outcome outcome, Decision decision) {

  /** Whether the units were recorded. */
  public enum Outcome {
    /** Recorded by this call. */
    CONSUMED,
    /** Recorded by an earlier call with the same usage key and amount; not counted again. */
    ALREADY_CONSUMED,
    /** Not recorded: the decision denied it. */
    DENIED,
    /**
     * Not recorded: the store was unavailable and the failure policy allowed the call anyway. Record the
     * usage again with the same key once the store is back; it will count once.
     */
    ALLOWED_UNRECORDED
  }

  /** Validates the result. */
  public ConsumeResult {
    Checks.notNull("outcome", outcome);
    Checks.notNull("decision", decision);
  }

  /** @return {@code true} if the caller may go ahead: the units are (or were already) consumed, or the failure policy allowed it */
  public boolean allowed() {
    return decision.allowed();
  }
}

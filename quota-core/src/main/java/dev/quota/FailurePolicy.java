package dev.quota;

import dev.quota.internal.Checks;
import java.time.Duration;

/**
 * What the guard decides when its store cannot be reached.
 *
 * <ul>
 *   <li>{@link #deny()}: fail closed; nobody proceeds until the store is back. The default: a quota is
 *       trusted with money.</li>
 *   <li>{@link #allow()}: fail open; everybody proceeds, and consumes report
 *       {@link ConsumeResult.Outcome#ALLOWED_UNRECORDED} so the caller can record later under the same key.</li>
 *   <li>{@link #lastKnownState(Duration)}: decide from the last standing the store returned for that tenant
 *       and meter, if it is at most {@code maxAge} old; deny otherwise. Consumes still cannot be recorded.</li>
 * </ul>
 *
 * <p>Whatever the policy, nothing is ever half-written, the guard recovers by itself when the store
 * answers again, and the outage is logged once when it starts and once when it ends.
 *
 * @param kind which policy
 * @param maxAge for {@link Kind#LAST_KNOWN_STATE}, the oldest standing still trusted (positive); else zero
 */
public record FailurePolicy(Kind kind, Duration maxAge) {

  /** The policies. */
  public enum Kind {
    /** Deny. */
    DENY,
    /** Allow. */
    ALLOW,
    /** Decide from a recent enough standing, else deny. */
    LAST_KNOWN_STATE
  }

  /** Validates the policy. */
  public FailurePolicy {
    Checks.notNull("kind", kind);
    Checks.notNull("max age", maxAge);
    if (kind == Kind.LAST_KNOWN_STATE && (maxAge.isNegative() || maxAge.isZero())) {
      throw new InvalidRequestException("max age", "must be positive, was " + maxAge);
    }
    if (kind != Kind.LAST_KNOWN_STATE && !maxAge.isZero()) {
      // Only LAST_KNOWN_STATE reads it; a value elsewhere would suggest an effect it does not have.
      throw new InvalidRequestException("max age", "must be zero for " + kind + ", was " + maxAge);
    }
  }

  /** @return fail closed */
  public static FailurePolicy deny() {
    return new FailurePolicy(Kind.DENY, Duration.ZERO);
  }

  /** @return fail open */
  public static FailurePolicy allow() {
    return new FailurePolicy(Kind.ALLOW, Duration.ZERO);
  }

  /**
   * Decides from the last known standing.
   *
   * @param maxAge the oldest standing still trusted; positive
   * @return the policy
   */
  public static FailurePolicy lastKnownState(Duration maxAge) {
    return new FailurePolicy(Kind.LAST_KNOWN_STATE, maxAge);
  }
}

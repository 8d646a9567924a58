package dev.quota.examples;

import java.util.Locale;
import java.util.Random;

/**
 * A stand-in for an AI model API: answers with a token count drawn from a seeded {@link Random}, so every
 * run of the demo spends exactly the same tokens.
 *
 * <p>Like a real model, it never spends more than the call's {@code maxTokens}: an answer that would be
 * longer is cut off at the cap.
 */
final class SimulatedModel {
  /** The fewest tokens a call spends (prompt and a short answer). */
  static final long MIN_TOKENS = 6_000;
  /** The most tokens a call spends when nothing caps it. */
  static final long MAX_TOKENS = 12_000;

  private final Random random;
  private boolean failNextCall;

  /**
   * Creates a model whose answers are fixed by a seed.
   *
   * @param seed the seed of the token counts
   */
  SimulatedModel(long seed) {
    this.random = new Random(seed);
  }

  /**
   * Answers one planner request.
   *
   * @param maxTokens the most tokens the call may spend; positive
   * @return the tokens the call spent, from 1 to {@code maxTokens}
   * @throws CallFailedException if {@link #failNextCallHalfWay()} was called before: the call fails after
   *     spending about half of its answer
   */
  long answer(long maxTokens) {
    long length = Math.min(nextLength(), maxTokens);
    if (failNextCall) {
      failNextCall = false;
      // a dropped stream or an upstream time-out: the provider bills the tokens spent before it
      throw new CallFailedException("upstream model timed out mid-answer", Math.max(1, length / 2));
    }
    return length;
  }

  /** Makes the next {@link #answer} fail half-way, as a dropped stream or an upstream time-out does. */
  void failNextCallHalfWay() {
    failNextCall = true;
  }

  private long nextLength() {
    // Random.nextInt(int) is specified to the bit, so the same seed gives the same tokens on every JDK
    return MIN_TOKENS + random.nextInt((int) (MAX_TOKENS - MIN_TOKENS) + 1);
  }

  /** A model call that failed after it had already spent tokens. */
  static final class CallFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long tokensSpent;

    CallFailedException(String message, long tokensSpent) {
      super(String.format(Locale.ROOT, "%s after %,d tokens", message, tokensSpent));
      this.tokensSpent = tokensSpent;
    }

    /** @return the tokens the call spent before it failed */
    long tokensSpent() {
      return tokensSpent;
    }
  }
}

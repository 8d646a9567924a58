package dev.quota.jooq.internal;

/**
 * What the write functions ({@code quota_consume_batch}, {@code quota_append_batch}, migration V3;
 * {@code quota_reserve}, {@code quota_commit}, migration V6) decided for one request, and the one definition of the codes they return for it in {@code o_outcome}.
 *
 * <p>The codes are written as literals in the PL/pgSQL, beside a comment naming the constant: a function cannot
 * import Java's constants, and looking a code up by name in every iteration (or returning names) would cost the
 * batch's inner loop for nothing. Instead BatchOutcomeTest provokes every outcome from both functions and checks that
 * the code each returns decodes to the constant it means, and that the functions return no code missing here: when
 * the two sides disagree, that test fails.
 */
public enum BatchOutcome {
  /** The entry was written (for a consume: it fitted). */
  WRITTEN(0),
  /** The usage key was recorded already; {@code o_recorded} holds the recorded amount. Nothing written. */
  DUPLICATE(1),
  /** The counter's version is not the expected one: an admin change came in between. Nothing written. */
  STALE(2),
  /** The counter row does not exist yet: the caller creates it and calls again. Nothing written. */
  NO_COUNTER(3),
  /** A consume that does not fit under its ceiling. Nothing written. */
  INSUFFICIENT(4),
  /** A counted hold of the counter has expired: the caller sweeps, then calls again. Nothing written. */
  SWEEP(5),
  /**
   * A commit {@code quota_commit} (migration V6) does not decide in one statement: the hold is unknown, ended, of
   * another meter or period, or its usage key is recorded already. Nothing written; the caller decides the commit in
   * a transaction of its own.
   */
  DECIDE_IN_TRANSACTION(6);

  private static final BatchOutcome[] BY_CODE = values();

  private final int code;

  BatchOutcome(int code) {
    this.code = code;
  }

  /** @return the code the functions return for it */
  public int code() {
    return code;
  }

  /**
   * Decodes a function's outcome code.
   *
   * @param code the code
   * @return the outcome
   * @throws IllegalStateException for a code no constant has
   */
  public static BatchOutcome of(int code) {
    if (code < 0 || code >= BY_CODE.length || BY_CODE[code].code != code) {
      throw new IllegalStateException("unknown batch outcome code " + code);
    }
    return BY_CODE[code];
  }
}

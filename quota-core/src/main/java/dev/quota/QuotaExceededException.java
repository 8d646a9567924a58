package dev.quota;

/**
 * Thrown by {@link Decision#orThrow()} for callers who prefer an exception to reading a decision.
 *
 * <p>The guard itself never throws this: on the hot path a denial is a {@link Decision}, not an
 * exception. The stack trace is not filled in, so throwing it is cheap.
 */
public final class QuotaExceededException extends QuotaException {
  private static final long serialVersionUID = 1L;

  private final transient Decision decision;

  /**
   * Creates the exception for a denial.
   *
   * @param decision the denying decision
   */
  QuotaExceededException(Decision decision) {
    super("quota exceeded for tenant '" + decision.tenant().value() + "' on meter '"
        + decision.meter().name() + "': " + decision.reason() + ", requested "
        + decision.requested() + ", remaining " + decision.remaining());
    this.decision = decision;
  }

  /** @return the denying decision */
  public Decision decision() {
    return decision;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}

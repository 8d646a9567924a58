package dev.quota;

/**
 * Bad input: a value broke a rule. Thrown before anything is written.
 *
 * <p>The message names the field and the rule, e.g. {@code "tenant id must not be blank"}; both are also
 * available separately for callers that map them to an API error.
 */
public final class InvalidRequestException extends QuotaException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final String rule;

  /**
   * Creates the exception.
   *
   * @param field the name of the offending field, as callers know it (e.g. {@code "amount"})
   * @param rule the rule it broke, phrased to follow the field (e.g. {@code "must be positive"})
   */
  public InvalidRequestException(String field, String rule) {
    super(field + " " + rule);
    this.field = field;
    this.rule = rule;
  }

  /** @return the name of the offending field */
  public String field() {
    return field;
  }

  /** @return the rule the field broke */
  public String rule() {
    return rule;
  }
}

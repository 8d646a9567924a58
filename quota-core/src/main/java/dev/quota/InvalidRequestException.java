package dev.quota;

/**
 * Bad input: a value broke a rule. Thrown before anything is written.
 *
 * <p>The message names the field and the rule, e.g. {@code "estimate must be positive, was 0"}; both are also
 * available separately for callers that map them to an API error.
 *
 * <p>The field is named by one rule everywhere: it is the name of the parameter the caller passed the value
 * as, in the public method that received it, or of the record component or builder method it was given to,
 * written as lower-case words. So {@code guard.reserve(tenant, meter, estimate, ttl)} names {@code "estimate"}
 * and {@code "ttl"}, {@code reservation.commit(amount, key)} names {@code "amount"} and {@code "key"},
 * {@code admin.raisePeriodCeiling(..., expiresAt, ...)} names {@code "expires at"}, {@code Plan.of(tier, billingDay)}
 * names {@code "billing day"}, and {@code Quota.builder().maxReservationTtl(max)} names
 * {@code "max reservation ttl"}. Two refinements:
 * <ul>
 *   <li>A value type that wraps one value ({@link TenantId}, {@link UsageKey}, {@link Meter}, {@link Tier},
 *       {@link ReservationId}, {@link dev.quota.admin.Actor}, {@link dev.quota.admin.EntitlementId}) names it by
 *       the type: {@code TenantId.of(" ")} names {@code "tenant id"}, since its parameter, {@code value}, would say
 *       nothing.</li>
 *   <li>A value inside another keeps a path to it: an element of a list parameter adds its index
 *       ({@code recordAll(events)} names {@code "events[2]"} for a null third event), and catalogue entries name
 *       their tier and meter ({@code "limit of tier free on ai-tokens"}). A value checked inside a record the
 *       caller built is named by its component: an event with an undeclared meter names {@code "meter"}.</li>
 * </ul>
 */
public final class InvalidRequestException extends QuotaException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final String rule;

  /**
   * Creates the exception.
   *
   * @param field the name of the offending field, by the rule above (e.g. {@code "amount"})
   * @param rule the rule it broke, phrased to follow the field (e.g. {@code "must be positive"})
   */
  public InvalidRequestException(String field, String rule) {
    super(field + " " + rule);
    this.field = field;
    this.rule = rule;
  }

  /** @return the name of the offending field: the parameter, record component or builder method, in words */
  public String field() {
    return field;
  }

  /** @return the rule the field broke */
  public String rule() {
    return rule;
  }
}

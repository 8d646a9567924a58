package dev.quota.testkit;

import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.UsageReport;

/**
 * AssertJ entry points for quota's results, for the tests of services that embed quota and for backends.
 *
 * <p>Import these beside AssertJ's own {@code assertThat}; overloading picks the right one.
 *
 * {@snippet :
 * import static dev.quota.testkit.QuotaAssertions.assertThat;
 *
 * assertThat(guard.check(tenant, Meter.AI_TOKENS, 500)).isDenied().hasReason(Decision.Reason.INSUFFICIENT_BALANCE);
 * assertThat(guard.usage(tenant)).hasUsed(100_000).hasLimit(100_000).isBlocked();
 * assertThat(guard.tryConsume(tenant, Meter.AI_TOKENS, 10, key)).isConsumed();
 * }
 */
public final class QuotaAssertions {
  private QuotaAssertions() {}

  /**
   * Starts assertions on a guard decision.
   *
   * @param actual the decision
   * @return the assertions
   */
  public static DecisionAssert assertThat(Decision actual) {
    return new DecisionAssert(actual);
  }

  /**
   * Starts assertions on a usage report.
   *
   * @param actual the report
   * @return the assertions
   */
  public static UsageReportAssert assertThat(UsageReport actual) {
    return new UsageReportAssert(actual);
  }

  /**
   * Starts assertions on the result of {@link dev.quota.QuotaGuard#tryConsume}.
   *
   * @param actual the result
   * @return the assertions
   */
  public static ConsumeResultAssert assertThat(ConsumeResult actual) {
    return new ConsumeResultAssert(actual);
  }
}

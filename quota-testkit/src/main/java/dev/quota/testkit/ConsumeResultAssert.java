package dev.quota.testkit;

import dev.quota.ConsumeResult;
import dev.quota.ConsumeResult.Outcome;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on the result of {@link dev.quota.QuotaGuard#tryConsume}; start them with
 * {@link QuotaAssertions#assertThat(ConsumeResult)}.
 */
public final class ConsumeResultAssert extends AbstractAssert<ConsumeResultAssert, ConsumeResult> {

  ConsumeResultAssert(ConsumeResult actual) {
    super(actual, ConsumeResultAssert.class);
  }

  /**
   * Verifies what happened to the units.
   *
   * @param expected the outcome
   * @return this assertion
   */
  public ConsumeResultAssert hasOutcome(Outcome expected) {
    isNotNull();
    if (actual.outcome() != expected) {
      failWithMessage("Expected the consume to be %s, but it was %s: %s", expected, actual.outcome(),
          DecisionAssert.describe(actual.decision()));
    }
    return this;
  }

  /**
   * Verifies that this call recorded the units.
   *
   * @return this assertion
   */
  public ConsumeResultAssert isConsumed() {
    return hasOutcome(Outcome.CONSUMED);
  }

  /**
   * Verifies that an earlier call with the same usage key had recorded the units, and this one added nothing.
   *
   * @return this assertion
   */
  public ConsumeResultAssert isAlreadyConsumed() {
    return hasOutcome(Outcome.ALREADY_CONSUMED);
  }

  /**
   * Verifies that nothing was recorded because the decision denied it.
   *
   * @return this assertion
   */
  public ConsumeResultAssert isDenied() {
    return hasOutcome(Outcome.DENIED);
  }

  /**
   * Verifies that the caller may go ahead, whatever the outcome.
   *
   * @return this assertion
   */
  public ConsumeResultAssert isAllowed() {
    isNotNull();
    if (!actual.allowed()) {
      failWithMessage("Expected the consume to allow the caller, but it did not (%s): %s", actual.outcome(),
          DecisionAssert.describe(actual.decision()));
    }
    return this;
  }

  /**
   * Switches to assertions on the decision.
   *
   * @return assertions on the result's decision
   */
  public DecisionAssert decision() {
    isNotNull();
    return new DecisionAssert(actual.decision());
  }
}

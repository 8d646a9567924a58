package dev.quota.testkit;

import dev.quota.Decision;
import dev.quota.Decision.Reason;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a {@link Decision}; start them with {@link QuotaAssertions#assertThat(Decision)}. Every
 * failure message shows the whole decision (allowed, reason, requested, remaining, shadowed).
 */
public final class DecisionAssert extends AbstractAssert<DecisionAssert, Decision> {

  DecisionAssert(Decision actual) {
    super(actual, DecisionAssert.class);
  }

  /**
   * Verifies that the caller may go ahead.
   *
   * @return this assertion
   */
  public DecisionAssert isAllowed() {
    isNotNull();
    if (!actual.allowed()) {
      failWithMessage("Expected the decision to allow, but it denied: %s", describe(actual));
    }
    return this;
  }

  /**
   * Verifies that the caller may not go ahead.
   *
   * @return this assertion
   */
  public DecisionAssert isDenied() {
    isNotNull();
    if (actual.allowed()) {
      failWithMessage("Expected the decision to deny, but it allowed: %s", describe(actual));
    }
    return this;
  }

  /**
   * Verifies why the decision went the way it did.
   *
   * @param expected the reason
   * @return this assertion
   */
  public DecisionAssert hasReason(Reason expected) {
    isNotNull();
    if (actual.reason() != expected) {
      failWithMessage("Expected the decision's reason to be %s, but was %s: %s", expected, actual.reason(),
          describe(actual));
    }
    return this;
  }

  /**
   * Verifies the balance left after the decision.
   *
   * @param expected the remaining units, in the meter's unit
   * @return this assertion
   */
  public DecisionAssert hasRemaining(long expected) {
    isNotNull();
    if (actual.remaining() != expected) {
      failWithMessage("Expected %s units to remain, but %s did: %s", expected, actual.remaining(), describe(actual));
    }
    return this;
  }

  /**
   * Verifies the units the decision was asked about.
   *
   * @param expected the requested units, in the meter's unit
   * @return this assertion
   */
  public DecisionAssert hasRequested(long expected) {
    isNotNull();
    if (actual.requested() != expected) {
      failWithMessage("Expected the decision to be about %s units, but it was about %s: %s", expected,
          actual.requested(), describe(actual));
    }
    return this;
  }

  /**
   * Verifies that shadow mode let through what enforcement would have denied.
   *
   * @return this assertion
   */
  public DecisionAssert isShadowed() {
    isNotNull();
    if (!actual.shadowed()) {
      failWithMessage("Expected the decision to be shadowed (allowed in shadow mode although enforcement would "
          + "deny), but it was not: %s", describe(actual));
    }
    return this;
  }

  /**
   * Verifies that the decision was not a shadow-mode pass.
   *
   * @return this assertion
   */
  public DecisionAssert isNotShadowed() {
    isNotNull();
    if (actual.shadowed()) {
      failWithMessage("Expected the decision not to be shadowed, but it was: %s", describe(actual));
    }
    return this;
  }

  /**
   * Switches to assertions on the standing the decision was made on.
   *
   * @return assertions on the decision's report
   */
  public UsageReportAssert report() {
    isNotNull();
    if (actual.report().isEmpty()) {
      failWithMessage("Expected the decision to carry a usage report, but it had none: %s", describe(actual));
    }
    return new UsageReportAssert(actual.report().get());
  }

  static String describe(Decision d) {
    return (d.allowed() ? "allowed" : "denied") + " " + d.reason() + " for tenant '" + d.tenant().value() + "' on "
        + d.meter() + " (requested " + d.requested() + ", remaining "
        + (d.report().isPresent() ? Long.toString(d.remaining()) : "unknown") + (d.shadowed() ? ", shadowed" : "")
        + ")";
  }
}

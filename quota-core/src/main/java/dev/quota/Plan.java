package dev.quota;

import dev.quota.internal.Checks;
import java.util.OptionalInt;

/**
 * A tenant's subscription: its tier and, optionally, the day of the month its billing periods start.
 *
 * <p>The billing day re-anchors every monthly meter of the tenant (see
 * {@link dev.quota.period.PeriodPolicy#withBillingDay(int)}); without one the catalogue's policy applies.
 *
 * @param tier the subscribed tier
 * @param billingDay the day of the month (1 to 31) periods start on, or empty for the catalogue's default
 */
public record Plan(Tier tier, OptionalInt billingDay) {
  /**
   * Validates the plan.
   *
   * @throws InvalidRequestException if the tier is null or the billing day is outside 1 to 31
   */
  public Plan {
    Checks.notNull("tier", tier);
    Checks.notNull("billing day", billingDay);
    if (billingDay.isPresent() && (billingDay.getAsInt() < 1 || billingDay.getAsInt() > 31)) {
      throw new InvalidRequestException("billing day", "must be between 1 and 31, was " + billingDay.getAsInt());
    }
  }

  /**
   * A plan on a tier with the catalogue's periods.
   *
   * @param tier the tier
   * @return the plan
   */
  public static Plan of(Tier tier) {
    return new Plan(tier, OptionalInt.empty());
  }

  /**
   * A plan on a tier whose monthly periods start on a billing day.
   *
   * @param tier the tier
   * @param billingDay the day of the month, 1 to 31; clamped to the last day in shorter months
   * @return the plan
   */
  public static Plan of(Tier tier, int billingDay) {
    return new Plan(tier, OptionalInt.of(billingDay));
  }
}

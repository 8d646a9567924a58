package dev.quota.testkit;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageReport;
import dev.quota.UsageReport.TierSource;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a {@link UsageReport}; start them with {@link QuotaAssertions#assertThat(UsageReport)}.
 * Every number is in the meter's unit, and every failure message shows the report's whole balance
 * ({@code limit + granted - used - reserved}).
 */
public final class UsageReportAssert extends AbstractAssert<UsageReportAssert, UsageReport> {

  UsageReportAssert(UsageReport actual) {
    super(actual, UsageReportAssert.class);
  }

  /**
   * Verifies the tenant the report is about.
   *
   * @param expected the tenant
   * @return this assertion
   */
  public UsageReportAssert hasTenant(TenantId expected) {
    return has("tenant", expected, current().tenant());
  }

  /**
   * Verifies the meter the report is about.
   *
   * @param expected the meter
   * @return this assertion
   */
  public UsageReportAssert hasMeter(Meter expected) {
    return has("meter", expected, current().meter());
  }

  /**
   * Verifies the usage recorded in the current period.
   *
   * @param expected the used units
   * @return this assertion
   */
  public UsageReportAssert hasUsed(long expected) {
    return has("used", expected, current().used());
  }

  /**
   * Verifies the effective tier's limit per period.
   *
   * @param expected the limit; {@link dev.quota.TierCatalogue#UNLIMITED} for none
   * @return this assertion
   */
  public UsageReportAssert hasLimit(long expected) {
    return has("limit", expected, current().limit());
  }

  /**
   * Verifies the sum of the active grants.
   *
   * @param expected the granted units
   * @return this assertion
   */
  public UsageReportAssert hasGranted(long expected) {
    return has("granted", expected, current().granted());
  }

  /**
   * Verifies the units held by open reservations.
   *
   * @param expected the reserved units
   * @return this assertion
   */
  public UsageReportAssert hasReserved(long expected) {
    return has("reserved", expected, current().reserved());
  }

  /**
   * Verifies the balance left: {@code limit + granted - used - reserved}, never below 0.
   *
   * @param expected the remaining units
   * @return this assertion
   */
  public UsageReportAssert hasRemaining(long expected) {
    return has("remaining", expected, current().remaining());
  }

  /**
   * Verifies the tier in force.
   *
   * @param expected the effective tier
   * @return this assertion
   */
  public UsageReportAssert hasEffectiveTier(Tier expected) {
    return has("effective tier", Optional.of(expected), current().effectiveTier());
  }

  /**
   * Verifies that no tier is in force: the tenant is rejected by a {@link dev.quota.PlanFallback#REJECT}.
   *
   * @return this assertion
   */
  public UsageReportAssert hasNoEffectiveTier() {
    return has("effective tier", Optional.empty(), current().effectiveTier());
  }

  /**
   * Verifies the tier of the tenant's plan.
   *
   * @param expected the planned tier
   * @return this assertion
   */
  public UsageReportAssert hasPlannedTier(Tier expected) {
    return has("planned tier", Optional.of(expected), current().plannedTier());
  }

  /**
   * Verifies that the tenant has no plan.
   *
   * @return this assertion
   */
  public UsageReportAssert hasNoPlannedTier() {
    return has("planned tier", Optional.empty(), current().plannedTier());
  }

  /**
   * Verifies where the effective tier comes from.
   *
   * @param expected the source
   * @return this assertion
   */
  public UsageReportAssert hasTierSource(TierSource expected) {
    return has("tier source", expected, current().tierSource());
  }

  /**
   * Verifies the current period.
   *
   * @param expected the period
   * @return this assertion
   */
  public UsageReportAssert hasPeriod(Period expected) {
    return has("period", expected, current().period());
  }

  /**
   * Verifies when usage resets: the end of the current period.
   *
   * @param expected the reset instant
   * @return this assertion
   */
  public UsageReportAssert resetsAt(Instant expected) {
    return has("reset time", expected, current().resetsAt());
  }

  /**
   * Verifies that an enforcing guard blocks the tenant: no bypass and nothing remaining.
   *
   * @return this assertion
   */
  public UsageReportAssert isBlocked() {
    if (!current().blocked()) {
      failWithMessage("Expected the tenant to be blocked, but it was not: %s", describe(actual));
    }
    return this;
  }

  /**
   * Verifies that an enforcing guard lets the tenant use at least one more unit.
   *
   * @return this assertion
   */
  public UsageReportAssert isNotBlocked() {
    if (current().blocked()) {
      failWithMessage("Expected the tenant not to be blocked, but it was: %s", describe(actual));
    }
    return this;
  }

  /**
   * Verifies that a bypass is active.
   *
   * @return this assertion
   */
  public UsageReportAssert isBypassed() {
    if (!current().bypassed()) {
      failWithMessage("Expected a bypass to be active, but none was: %s", describe(actual));
    }
    return this;
  }

  /**
   * Verifies that no bypass is active.
   *
   * @return this assertion
   */
  public UsageReportAssert isNotBypassed() {
    if (current().bypassed()) {
      failWithMessage("Expected no bypass to be active, but one was until %s: %s", actual.bypassedUntil().get(),
          describe(actual));
    }
    return this;
  }

  private UsageReport current() {
    isNotNull();
    return actual;
  }

  private UsageReportAssert has(String field, Object expected, Object value) {
    if (!Objects.equals(expected, value)) {
      failWithMessage("Expected the report's %s to be %s, but was %s: %s", field, show(expected), show(value),
          describe(actual));
    }
    return this;
  }

  private static String show(Object value) {
    return value instanceof Optional<?> o ? o.map(String::valueOf).orElse("(none)") : String.valueOf(value);
  }

  static String describe(UsageReport r) {
    return "tenant '" + r.tenant().value() + "' on " + r.meter() + " in " + r.period() + ": used " + r.used()
        + ", reserved " + r.reserved() + ", limit " + r.limit() + ", granted " + r.granted() + ", remaining "
        + r.remaining() + ", tier " + show(r.effectiveTier()) + " (" + r.tierSource() + ")"
        + r.bypassedUntil().map(until -> ", bypassed until " + until).orElse("");
  }
}

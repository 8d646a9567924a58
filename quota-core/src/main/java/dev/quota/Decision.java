package dev.quota;

import dev.quota.internal.Checks;
import java.util.Objects;
import java.util.Optional;

/**
 * The guard's answer to "may this tenant use this much now?".
 *
 * <p>On the hot path a denial is a value, not an exception: read {@link #allowed()}, or call
 * {@link #orThrow()} to get a {@link QuotaExceededException} instead.
 *
 * <p>A decision is made by one of its factories, each for one way a decision can go, so that its parts always
 * agree: an allowed decision never carries a denial's reason, a denial never an allowance's, a shadowed
 * decision is always a denial let through. Guards make decisions; the factories are public for test doubles
 * of {@link QuotaGuard} (such as quota-testkit's {@code FakeQuotaGuard}).
 *
 * <ul>
 *   <li>{@link #allow}: the balance covers the request ({@link Reason#WITHIN_BALANCE});</li>
 *   <li>{@link #bypassed}: an active bypass lets the tenant through ({@link Reason#BYPASSED});</li>
 *   <li>{@link #deny}: the balance does not cover it, or the tenant has no (known) tier
 *       ({@link Reason#INSUFFICIENT_BALANCE}, {@link Reason#NO_PLAN}, {@link Reason#UNKNOWN_TIER});</li>
 *   <li>{@link #shadowAllowed}: a denial that {@link EnforcementMode#SHADOW} let through;</li>
 *   <li>{@link #allowedByFailurePolicy} and {@link #deniedByFailurePolicy}: the store was unavailable and the
 *       {@link FailurePolicy} decided without a report ({@link Reason#STORE_UNAVAILABLE}).</li>
 * </ul>
 */
public final class Decision {

  /** Why a decision went the way it did. */
  public enum Reason {
    /** Allowed: the balance covers the request. */
    WITHIN_BALANCE,
    /** Allowed: an active bypass. */
    BYPASSED,
    /** Denied: the balance does not cover the request. */
    INSUFFICIENT_BALANCE,
    /** Denied: the tenant has no plan, and such tenants are rejected. */
    NO_PLAN,
    /** Denied: the plan's tier is not in the catalogue, and such tenants are rejected. */
    UNKNOWN_TIER,
    /** The store could not be reached; the failure policy decided. */
    STORE_UNAVAILABLE
  }

  private final TenantId tenant;
  private final Meter meter;
  private final boolean allowed;
  private final Reason reason;
  private final long requested;
  private final boolean shadowed;
  private final Optional<UsageReport> report;

  private Decision(TenantId tenant, Meter meter, boolean allowed, Reason reason, long requested, boolean shadowed,
      Optional<UsageReport> report) {
    this.tenant = tenant;
    this.meter = meter;
    this.allowed = allowed;
    this.reason = reason;
    this.requested = requested;
    this.shadowed = shadowed;
    this.report = report;
  }

  /**
   * Allows a request the balance covers.
   *
   * @param report the standing the decision was made on, or the standing after the units were recorded
   * @param requested the units asked for, in the meter's unit; positive
   * @return an allowed decision for the report's tenant and meter, {@link Reason#WITHIN_BALANCE}
   * @throws InvalidRequestException if the report is null or {@code requested} is not positive
   */
  public static Decision allow(UsageReport report, long requested) {
    Checks.notNull("report", report);
    Checks.positive("requested", requested);
    return new Decision(report.tenant(), report.meter(), true, Reason.WITHIN_BALANCE, requested, false,
        Optional.of(report));
  }

  /**
   * Allows a request because the tenant has an active bypass, whatever its balance.
   *
   * @param report the standing, with its bypass ({@link UsageReport#bypassed()})
   * @param requested the units asked for, in the meter's unit; positive
   * @return an allowed decision, {@link Reason#BYPASSED}
   * @throws InvalidRequestException if the report is null or shows no active bypass, or {@code requested} is not
   *     positive
   */
  public static Decision bypassed(UsageReport report, long requested) {
    Checks.notNull("report", report);
    Checks.positive("requested", requested);
    if (!report.bypassed()) {
      throw new InvalidRequestException("report", "must show an active bypass for a bypassed decision");
    }
    return new Decision(report.tenant(), report.meter(), true, Reason.BYPASSED, requested, false, Optional.of(report));
  }

  /**
   * Denies a request.
   *
   * @param reason {@link Reason#INSUFFICIENT_BALANCE}, {@link Reason#NO_PLAN} or {@link Reason#UNKNOWN_TIER}
   * @param report the standing the decision was made on
   * @param requested the units asked for, in the meter's unit; positive
   * @return a denial for the report's tenant and meter
   * @throws InvalidRequestException if the reason is not one of a denial, the report is null, or {@code requested}
   *     is not positive
   */
  public static Decision deny(Reason reason, UsageReport report, long requested) {
    Checks.notNull("reason", reason);
    if (reason != Reason.INSUFFICIENT_BALANCE && reason != Reason.NO_PLAN && reason != Reason.UNKNOWN_TIER) {
      throw new InvalidRequestException("reason", "must be INSUFFICIENT_BALANCE, NO_PLAN or UNKNOWN_TIER for a "
          + "denial, was " + reason);
    }
    Checks.notNull("report", report);
    Checks.positive("requested", requested);
    return new Decision(report.tenant(), report.meter(), false, reason, requested, false, Optional.of(report));
  }

  /**
   * Lets a denial through, as {@link EnforcementMode#SHADOW} does: allowed, {@link #shadowed()}, and keeping the
   * denial's reason and report so that it still says why enforcement would have denied.
   *
   * @param denial a denial that was not shadowed already, from {@link #deny} or {@link #deniedByFailurePolicy}
   * @return the shadowed decision
   * @throws InvalidRequestException if {@code denial} is null or allowed
   */
  public static Decision shadowAllowed(Decision denial) {
    Checks.notNull("denial", denial);
    if (denial.allowed) {
      throw new InvalidRequestException("denial", "must be a denial to be let through, was allowed " + denial.reason);
    }
    return new Decision(denial.tenant, denial.meter, true, denial.reason, denial.requested, true, denial.report);
  }

  /**
   * Allows a request the guard could not decide because the store was unavailable, as {@link FailurePolicy#allow()}
   * does.
   *
   * @param tenant the tenant asked about
   * @param meter the meter asked about
   * @param requested the units asked for, in the meter's unit; positive
   * @return an allowed decision without a report, {@link Reason#STORE_UNAVAILABLE}
   * @throws InvalidRequestException if a value is null or {@code requested} is not positive
   */
  public static Decision allowedByFailurePolicy(TenantId tenant, Meter meter, long requested) {
    return byFailurePolicy(true, tenant, meter, requested);
  }

  /**
   * Denies a request the guard could not decide because the store was unavailable, as {@link FailurePolicy#deny()}
   * does.
   *
   * @param tenant the tenant asked about
   * @param meter the meter asked about
   * @param requested the units asked for, in the meter's unit; positive
   * @return a denial without a report, {@link Reason#STORE_UNAVAILABLE}
   * @throws InvalidRequestException if a value is null or {@code requested} is not positive
   */
  public static Decision deniedByFailurePolicy(TenantId tenant, Meter meter, long requested) {
    return byFailurePolicy(false, tenant, meter, requested);
  }

  private static Decision byFailurePolicy(boolean allowed, TenantId tenant, Meter meter, long requested) {
    Checks.notNull("tenant", tenant);
    Checks.notNull("meter", meter);
    Checks.positive("requested", requested);
    return new Decision(tenant, meter, allowed, Reason.STORE_UNAVAILABLE, requested, false, Optional.empty());
  }

  /** @return the tenant asked about */
  public TenantId tenant() {
    return tenant;
  }

  /** @return the meter asked about */
  public Meter meter() {
    return meter;
  }

  /** @return whether the caller may go ahead */
  public boolean allowed() {
    return allowed;
  }

  /** @return why; for a {@link #shadowed()} decision, why enforcement would have denied */
  public Reason reason() {
    return reason;
  }

  /** @return the units asked for, in the meter's unit */
  public long requested() {
    return requested;
  }

  /**
   * @return {@code true} when the guard is in {@link EnforcementMode#SHADOW} and let through what it would have
   *     denied; {@link #reason()} then says why it would have
   */
  public boolean shadowed() {
    return shadowed;
  }

  /**
   * @return the standing the decision was made on; empty only when the store was unavailable and the failure
   *     policy decided without one
   */
  public Optional<UsageReport> report() {
    return report;
  }

  /** @return the balance left after the decision, 0 if unknown; in the meter's unit */
  public long remaining() {
    return report.map(UsageReport::remaining).orElse(0L);
  }

  /** @return the decision's standing */
  public UsageReport snapshot() {
    return report.orElseThrow(() -> new IllegalStateException("decision made by the failure policy without a report"));
  }

  /**
   * Returns this decision if allowed, else throws.
   *
   * @return this decision
   * @throws QuotaExceededException if not allowed
   */
  public Decision orThrow() {
    if (!allowed) {
      throw new QuotaExceededException(this);
    }
    return this;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Decision other && other.tenant.equals(tenant) && other.meter.equals(meter)
        && other.allowed == allowed && other.reason == reason && other.requested == requested
        && other.shadowed == shadowed && other.report.equals(report);
  }

  @Override
  public int hashCode() {
    return Objects.hash(tenant, meter, allowed, reason, requested, shadowed, report);
  }

  @Override
  public String toString() {
    return "Decision[tenant=" + tenant + ", meter=" + meter + ", allowed=" + allowed + ", reason=" + reason
        + ", requested=" + requested + ", shadowed=" + shadowed + ", report=" + report + "]";
  }
}

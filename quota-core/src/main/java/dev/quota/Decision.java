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
 *
 * <p><b>Paths and windows.</b> For a tenant with a parent, or a meter with short windows, a decision rests on one
 * counter of the tenant's path: {@link #level()} is the level whose limit it rests on, {@link #levelsUp()} how far
 * above the tenant that level is, and {@link #window()} which of its windows. {@link #allowOnPath},
 * {@link #denyOnPath} and {@link #bypassedOnPath} make such decisions; every other factory makes a flat one (the
 * tenant itself, 0 levels up, {@link Window#PERIOD}).
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
  private final TenantId level;
  private final int levelsUp;
  private final Window window;

  private Decision(TenantId tenant, Meter meter, boolean allowed, Reason reason, long requested, boolean shadowed,
      Optional<UsageReport> report) {
    this(tenant, meter, allowed, reason, requested, shadowed, report, tenant, 0, Window.PERIOD);
  }

  private Decision(TenantId tenant, Meter meter, boolean allowed, Reason reason, long requested, boolean shadowed,
      Optional<UsageReport> report, TenantId level, int levelsUp, Window window) {
    this.level = level;
    this.levelsUp = levelsUp;
    this.window = window;
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
   * Allows a request on a tenant's path (a tenant with a parent, or a meter with short windows): it fits every level
   * and every window.
   *
   * @param tenant the tenant asked about
   * @param binding the report of the counter with the least remaining (its tenant is that level, its period the
   *     window's), so that {@link #remaining()} is what the whole path has left
   * @param requested the units asked for, in the meter's unit; positive
   * @param levelsUp how far above the tenant the binding level is: 0 for the tenant itself
   * @param window the binding counter's window
   * @return an allowed decision, {@link Reason#WITHIN_BALANCE}
   * @throws InvalidRequestException if a value is null, {@code requested} is not positive, {@code levelsUp} is
   *     negative, or {@code levelsUp} is 0 and the binding report is not the tenant's
   */
  public static Decision allowOnPath(TenantId tenant, UsageReport binding, long requested, int levelsUp,
      Window window) {
    checkPath(tenant, binding, requested, levelsUp, window);
    return new Decision(tenant, binding.meter(), true, Reason.WITHIN_BALANCE, requested, false, Optional.of(binding),
        binding.tenant(), levelsUp, window);
  }

  /**
   * Allows a request on a tenant's path because a bypass lifts every limit on it: a bypass of a level lifts that
   * level's limits and those of every level below it, so this is the bypass of the path's root (or of the tenant
   * itself, when it has no parent).
   *
   * @param tenant the tenant asked about
   * @param binding the report of the bypassed level, showing its bypass ({@link UsageReport#bypassed()})
   * @param requested the units asked for, in the meter's unit; positive
   * @param levelsUp how far above the tenant the bypassed level is
   * @return an allowed decision, {@link Reason#BYPASSED}, in {@link Window#PERIOD}
   * @throws InvalidRequestException as {@link #allowOnPath}, or if the report shows no active bypass
   */
  public static Decision bypassedOnPath(TenantId tenant, UsageReport binding, long requested, int levelsUp) {
    checkPath(tenant, binding, requested, levelsUp, Window.PERIOD);
    if (!binding.bypassed()) {
      throw new InvalidRequestException("binding", "must show an active bypass for a bypassed decision");
    }
    return new Decision(tenant, binding.meter(), true, Reason.BYPASSED, requested, false, Optional.of(binding),
        binding.tenant(), levelsUp, Window.PERIOD);
  }

  /**
   * Denies a request on a tenant's path: some level, in some window, cannot take it.
   *
   * @param reason {@link Reason#INSUFFICIENT_BALANCE}, {@link Reason#NO_PLAN} or {@link Reason#UNKNOWN_TIER}
   * @param tenant the tenant asked about
   * @param binding the report of the first counter that refused (the tenant first, then up; per level the period
   *     first, then shorter windows); its tenant is that level
   * @param requested the units asked for, in the meter's unit; positive
   * @param levelsUp how far above the tenant the refusing level is: 0 for the tenant itself
   * @param window the refusing counter's window
   * @return a denial
   * @throws InvalidRequestException as {@link #deny} and {@link #allowOnPath}
   */
  public static Decision denyOnPath(Reason reason, TenantId tenant, UsageReport binding, long requested,
      int levelsUp, Window window) {
    checkDenialReason(reason);
    checkPath(tenant, binding, requested, levelsUp, window);
    return new Decision(tenant, binding.meter(), false, reason, requested, false, Optional.of(binding),
        binding.tenant(), levelsUp, window);
  }

  private static void checkPath(TenantId tenant, UsageReport binding, long requested, int levelsUp, Window window) {
    Checks.notNull("tenant", tenant);
    Checks.notNull("binding", binding);
    Checks.positive("requested", requested);
    Checks.notNull("window", window);
    if (levelsUp < 0) {
      throw new InvalidRequestException("levelsUp", "must be 0 or more, was " + levelsUp);
    }
    if (levelsUp == 0 && !binding.tenant().equals(tenant)) {
      throw new InvalidRequestException("binding", "must be the tenant's own report at 0 levels up, was '"
          + binding.tenant() + "'s");
    }
    if (levelsUp > 0 && binding.tenant().equals(tenant)) {
      throw new InvalidRequestException("binding", "must be an ancestor's report at " + levelsUp
          + " levels up, was the tenant's own");
    }
  }

  private static void checkDenialReason(Reason reason) {
    Checks.notNull("reason", reason);
    if (reason != Reason.INSUFFICIENT_BALANCE && reason != Reason.NO_PLAN && reason != Reason.UNKNOWN_TIER) {
      throw new InvalidRequestException("reason", "must be INSUFFICIENT_BALANCE, NO_PLAN or UNKNOWN_TIER for a "
          + "denial, was " + reason);
    }
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
    return new Decision(denial.tenant, denial.meter, true, denial.reason, denial.requested, true, denial.report,
        denial.level, denial.levelsUp, denial.window);
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

  /**
   * @return the level whose limit the decision rests on: the tenant itself for a flat decision; for a path decision
   *     the level of the first refusing counter (a denial) or of the counter with the least left (an allowance)
   */
  public TenantId level() {
    return level;
  }

  /** @return how far above the tenant {@link #level()} is: 0 for the tenant itself, 1 for its parent, and so on */
  public int levelsUp() {
    return levelsUp;
  }

  /** @return the window of {@link #level()} the decision rests on; {@link Window#PERIOD} for a flat decision */
  public Window window() {
    return window;
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
        && other.shadowed == shadowed && other.report.equals(report) && other.level.equals(level)
        && other.levelsUp == levelsUp && other.window == window;
  }

  @Override
  public int hashCode() {
    return Objects.hash(tenant, meter, allowed, reason, requested, shadowed, report, level, levelsUp, window);
  }

  @Override
  public String toString() {
    return "Decision[tenant=" + tenant + ", meter=" + meter + ", allowed=" + allowed + ", reason=" + reason
        + ", requested=" + requested + ", shadowed=" + shadowed + ", level=" + level + ", levelsUp=" + levelsUp
        + ", window=" + window + ", report=" + report + "]";
  }
}

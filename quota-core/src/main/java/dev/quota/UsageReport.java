package dev.quota;

import dev.quota.admin.Entitlement;
import dev.quota.admin.Grant;
import dev.quota.admin.LimitOverride;
import dev.quota.admin.OneTimeCredit;
import dev.quota.internal.Checks;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A tenant's standing on one meter at one instant: the data behind a {@code /subscriptions/usage} endpoint
 * and behind every {@link Decision}.
 *
 * <p>The balance is {@code remaining = limit + granted - used - reserved}, never below 0. {@code used} is
 * the real usage of the period, whatever grants or resets were made; they show in {@code granted}.
 *
 * <p><b>Operators and tenants read it differently.</b> An operator's reset ({@link dev.quota.admin.QuotaAdmin#resetUsage})
 * cancels the usage so far with a grant of the same amount, so that nothing is deleted: after a reset at 78,375 of
 * 100,000 the report says {@code used} 78,375 of a ceiling of 178,375 ({@link #percentUsed()} 43.9). That is what
 * operators need, and what the audit trail explains. A tenant who was just unblocked expects 0 used of 100,000: the
 * derived {@link #usedSinceReset()}, {@link #allowance()} and {@link #percentOfAllowanceUsed()} give those numbers,
 * computed from the active reset grants ({@link Grant.Kind#RESET}), and {@link #remaining()} is the same either way:
 * {@code remaining = allowance - usedSinceReset - reserved}.
 *
 * @param tenant the tenant
 * @param meter the meter
 * @param plannedTier the tier of the tenant's plan, if it has one
 * @param effectiveTier the tier in force: the most generous active override, else the plan's tier, else the
 *     default tier; empty when the tenant is rejected (see {@link PlanFallback#REJECT})
 * @param tierSource where the effective tier comes from
 * @param limit the limit per period, in the meter's unit: the tenant's own ({@link #limitOverride()}) or the
 *     effective tier's ({@link TierCatalogue#UNLIMITED} for none; 0 when rejected)
 * @param granted the sum of active grants on this meter, in the meter's unit
 * @param used the usage recorded in the current period, in the meter's unit
 * @param reserved the units held by open reservations, in the meter's unit
 * @param period the current period; its end is the reset time
 * @param bypassedUntil the end of the active bypass, if one is active
 * @param activeEntitlements the grants, overrides and bypasses in force
 * @param asOf the instant the report describes
 * @param creditDrawn the units of one-time credits drawn by this period's usage: part of the ceiling for good
 * @param creditAvailable the unspent units of the active one-time credits of this meter ({@link #credits()}): the
 *     balance they add
 */
public record UsageReport(TenantId tenant, Meter meter, Optional<Tier> plannedTier, Optional<Tier> effectiveTier,
    TierSource tierSource, long limit, long granted, long used, long reserved, Period period,
    Optional<Instant> bypassedUntil, List<Entitlement> activeEntitlements, Instant asOf, long creditDrawn,
    long creditAvailable) {

  /** Where a report's effective tier comes from. */
  public enum TierSource {
    /** The tenant's plan. */
    PLAN,
    /** An active tier override. */
    OVERRIDE,
    /** The default tier, because the tenant has no plan. */
    DEFAULT_WITHOUT_PLAN,
    /** The default tier, because the plan names a tier the catalogue does not know. */
    DEFAULT_FOR_UNKNOWN_TIER,
    /** None: the tenant has no plan and such tenants are rejected. */
    REJECTED_WITHOUT_PLAN,
    /** None: the plan names an unknown tier and such tenants are rejected. */
    REJECTED_UNKNOWN_TIER
  }

  /** Validates the report and freezes the entitlements. */
  public UsageReport {
    Checks.notNull("tenant", tenant);
    Checks.notNull("meter", meter);
    Checks.notNull("planned tier", plannedTier);
    Checks.notNull("effective tier", effectiveTier);
    Checks.notNull("tier source", tierSource);
    Checks.notNegative("limit", limit);
    Checks.notNegative("granted", granted);
    Checks.notNegative("used", used);
    Checks.notNegative("reserved", reserved);
    Checks.notNull("period", period);
    Checks.notNull("bypassed until", bypassedUntil);
    activeEntitlements = List.copyOf(Checks.notNull("active entitlements", activeEntitlements));
    Checks.notNull("as of", asOf);
    Checks.notNegative("credit drawn", creditDrawn);
    Checks.notNegative("credit available", creditAvailable);
  }

  /**
   * A report without one-time credits.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param plannedTier the plan's tier
   * @param effectiveTier the tier in force
   * @param tierSource where the effective tier comes from
   * @param limit the limit per period
   * @param granted the sum of active raises on this meter
   * @param used the usage of the period
   * @param reserved the units held
   * @param period the period
   * @param bypassedUntil the end of an active bypass
   * @param activeEntitlements the entitlements in force
   * @param asOf the instant of the report
   */
  public UsageReport(TenantId tenant, Meter meter, Optional<Tier> plannedTier, Optional<Tier> effectiveTier,
      TierSource tierSource, long limit, long granted, long used, long reserved, Period period,
      Optional<Instant> bypassedUntil, List<Entitlement> activeEntitlements, Instant asOf) {
    this(tenant, meter, plannedTier, effectiveTier, tierSource, limit, granted, used, reserved, period, bypassedUntil,
        activeEntitlements, asOf, 0, 0);
  }

  /**
   * The active one-time credits of this meter, each with its amount, drawn and remaining units, soonest-drawn first.
   *
   * @return the credits
   */
  public List<OneTimeCredit> credits() {
    List<OneTimeCredit> credits = new java.util.ArrayList<>();
    for (Entitlement entitlement : activeEntitlements) {
      if (entitlement instanceof OneTimeCredit credit && credit.meter().equals(meter)) {
        credits.add(credit);
      }
    }
    credits.sort((a, b) -> a.drawnBefore(b) ? -1 : b.drawnBefore(a) ? 1 : 0);
    return List.copyOf(credits);
  }

  /**
   * @return {@code limit + granted + creditDrawn + creditAvailable}, saturating at {@link TierCatalogue#UNLIMITED}
   */
  public long ceiling() {
    return Checks.saturatedAdd(Checks.saturatedAdd(limit, granted), Checks.saturatedAdd(creditDrawn, creditAvailable));
  }

  /** @return {@code ceiling - used - reserved}, never below 0 */
  public long remaining() {
    long ceiling = ceiling();
    long taken = Checks.saturatedAdd(used, reserved);
    return taken >= ceiling ? 0 : ceiling - taken;
  }

  /**
   * Returns the share of the ceiling used: {@code 100 * used / (limit + granted)}. Reservations do not
   * count. 100 when the ceiling is 0; 0 when it is unlimited.
   *
   * @return the percentage, possibly above 100
   */
  public double percentUsed() {
    long ceiling = ceiling();
    if (ceiling == 0) {
      return 100.0;
    }
    if (ceiling == TierCatalogue.UNLIMITED) {
      return 0.0;
    }
    return 100.0 * used / ceiling;
  }

  /**
   * Tells where {@link #limit()} comes from: the tenant's own limit on this meter (a {@link LimitOverride}, the newest
   * active one), or, when empty, the effective tier's. A tenant without an effective tier has no override in force.
   *
   * @return the limit override in force, if any
   */
  public Optional<LimitOverride> limitOverride() {
    if (effectiveTier.isEmpty()) {
      return Optional.empty();
    }
    LimitOverride newest = null;
    for (Entitlement entitlement : activeEntitlements) {
      if (entitlement instanceof LimitOverride override && override.meter().equals(meter)
          && (newest == null || override.supersedes(newest))) {
        newest = override;
      }
    }
    return Optional.ofNullable(newest);
  }

  /**
   * Returns the part of {@link #granted()} rolled over from the previous period's unused allowance: the active
   * {@link Grant.Kind#ROLLOVER} grant on this meter (its reason states the figures). 0 when the tier rolls nothing
   * over, nothing was left, or the rollover is not settled yet.
   *
   * @return the units rolled over into this period, in the meter's unit
   */
  public long rolledOver() {
    return rollover().map(Grant::amount).orElse(0L);
  }

  /**
   * Returns the grant behind {@link #rolledOver()}: its source, for reports that show where the units came from.
   *
   * @return the active rollover grant on this meter, if there is one
   */
  public Optional<Grant> rollover() {
    for (Entitlement entitlement : activeEntitlements) {
      if (entitlement instanceof Grant grant && grant.kind() == Grant.Kind.ROLLOVER && grant.meter().equals(meter)) {
        return Optional.of(grant);
      }
    }
    return Optional.empty();
  }

  /**
   * Returns the part of {@link #granted()} that cancels usage: the active grants of operators' resets
   * ({@link Grant.Kind#RESET}) on this meter. 0 when the period had no reset.
   *
   * @return the units cancelled by resets this period, in the meter's unit
   */
  public long resetGranted() {
    long cancelled = 0;
    for (Entitlement entitlement : activeEntitlements) {
      if (entitlement instanceof Grant grant && grant.kind() == Grant.Kind.RESET && grant.meter().equals(meter)) {
        cancelled = Checks.saturatedAdd(cancelled, grant.amount());
      }
    }
    return Math.min(cancelled, granted);
  }

  /**
   * Returns the usage a tenant's own usage page shows: what was counted since the period's last reset,
   * {@code used - resetGranted}, never below 0. Equal to {@link #used()} when the period had no reset. The real
   * usage stays in {@link #used()}, for operators.
   *
   * @return the usage since the last reset, in the meter's unit
   */
  public long usedSinceReset() {
    long cancelled = resetGranted();
    return used <= cancelled ? 0 : used - cancelled;
  }

  /**
   * Returns the tenant's allowance for the period as its usage page shows it: the tier's limit plus the credits
   * operators granted, without the grants of resets, which cancel usage instead ({@code limit + granted -
   * resetGranted}, saturating at {@link TierCatalogue#UNLIMITED}).
   *
   * @return the allowance, in the meter's unit
   */
  public long allowance() {
    long credits = granted - resetGranted();
    return Checks.saturatedAdd(limit, credits);
  }

  /**
   * Returns the share of the allowance used since the last reset: {@code 100 * usedSinceReset / allowance}, the
   * percentage a tenant's usage page shows (0 right after an operator's reset). Reservations do not count. 100 when
   * the allowance is 0; 0 when it is unlimited. Operators read {@link #percentUsed()}, of the real usage.
   *
   * @return the percentage, possibly above 100
   */
  public double percentOfAllowanceUsed() {
    long allowance = allowance();
    if (allowance == 0) {
      return 100.0;
    }
    if (allowance == TierCatalogue.UNLIMITED) {
      return 0.0;
    }
    return 100.0 * usedSinceReset() / allowance;
  }

  /** @return when usage resets: the end of the current period */
  public Instant resetsAt() {
    return period.end();
  }

  /** @return whether a bypass is active */
  public boolean bypassed() {
    return bypassedUntil.isPresent();
  }

  /**
   * Tells whether an enforcing guard blocks the tenant: no bypass and nothing remaining. In
   * {@link EnforcementMode#SHADOW} the guard lets it through anyway, and says so.
   *
   * @return {@code true} if {@link QuotaGuard#canProceed(TenantId)} would be false under enforcement
   */
  public boolean blocked() {
    return !bypassed() && remaining() == 0;
  }
}

package dev.quota.spring.boot;

import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import org.jspecify.annotations.Nullable;

/**
 * What a tenant's own usage page shows, and the JSON a tenant's usage endpoint (the {@code /subscriptions/usage} of
 * a seed system) answers with: a tenant's view of a {@link UsageReport}, counted since the last reset.
 *
 * <p>An operator's reset cancels the usage so far with a grant, so the report keeps the real usage. A tenant who was
 * just unblocked expects to see nothing used: {@code used} here is {@link UsageReport#usedSinceReset()}, of an
 * {@code allowance} of the tier's limit plus credits, and {@code percentUsed} is
 * {@link UsageReport#percentOfAllowanceUsed()}. Operators see the real usage in the {@code quota} actuator endpoint.
 *
 * {@snippet lang=json :
 * {
 *   "tenant": "acme",
 *   "meter": "ai-tokens",
 *   "tier": "free",
 *   "limit": 100000,
 *   "credits": 0,
 *   "allowance": 100000,
 *   "used": 0,
 *   "reserved": 0,
 *   "remaining": 100000,
 *   "percentUsed": 0.0,
 *   "blocked": false,
 *   "periodStart": "2026-11-01T00:00:00Z",
 *   "resetsAt": "2026-12-01T00:00:00Z"
 * }
 * }
 *
 * {@snippet :
 * @GetMapping("/subscriptions/usage")
 * UsagePage usage(@AuthenticationPrincipal Account account) {
 *   return UsagePage.of(guard.usage(TenantId.of(account.id())));
 * }
 * }
 *
 * @param tenant the tenant id
 * @param meter the meter
 * @param tier the tier in force, or {@code null} when the tenant is rejected (no plan, and such tenants are)
 * @param limit the tier's limit per period, in the meter's unit ({@value TierCatalogue#UNLIMITED} for none)
 * @param credits the units operators granted on top for now ({@link dev.quota.admin.QuotaAdmin#raisePeriodCeiling})
 * @param allowance {@code limit + credits}
 * @param used the units used since the period started, or since the last reset if there was one
 * @param reserved the units held by calls in progress
 * @param remaining {@code allowance - used - reserved}, never below 0: what the tenant may still use this period
 * @param percentUsed {@code 100 * used / allowance}; 0 for an unlimited allowance, 100 for none
 * @param blocked whether calls are refused now
 * @param periodStart when the period started, ISO-8601 UTC
 * @param resetsAt when the period ends and usage starts again from 0, ISO-8601 UTC
 */
public record UsagePage(String tenant, String meter, @Nullable String tier, long limit, long credits, long allowance,
    long used, long reserved, long remaining, double percentUsed, boolean blocked, String periodStart,
    String resetsAt) {

  /**
   * A tenant's view of its report.
   *
   * @param report the report, as {@link dev.quota.QuotaGuard#usage} returns it
   * @return the page
   */
  public static UsagePage of(UsageReport report) {
    long allowance = report.allowance();
    long credits = report.limit() == TierCatalogue.UNLIMITED ? 0 : allowance - report.limit();
    return new UsagePage(report.tenant().value(), report.meter().name(),
        report.effectiveTier().map(Tier::name).orElse(null), report.limit(), credits, allowance,
        report.usedSinceReset(), report.reserved(), report.remaining(), report.percentOfAllowanceUsed(),
        report.blocked(), report.period().start().toString(), report.resetsAt().toString());
  }
}

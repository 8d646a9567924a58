package dev.quota.spi;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageReport;
import dev.quota.admin.PageRequest;
import dev.quota.admin.UsageQuery;
import dev.quota.internal.Checks;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * A request to {@link AdminStore#listUsage}: one page of the tenants that have usage or holds on a meter in the
 * period containing {@code now}, filtered and ordered as {@link #query()} says, computed by the store (in the
 * database, where there is one) so that no listing loads every tenant.
 *
 * <p>Filters and order are defined on each tenant's {@link UsageReport}: a tenant is listed if
 * {@code query().matches(report)}, in the order of {@code query().order().comparator()}. A store that holds its
 * tenants in memory computes the reports with {@link #report}; a store that filters and sorts in a query language
 * derives the same numbers from the catalogue's facts given here, the way {@link UsageReport} defines them:
 * <ul>
 *   <li>the effective tier is the most generous active tier override whose tier is in {@link #limits()}
 *       (generosity as in {@link #tiersByGenerosity()}), else the plan's tier if it is in {@link #limits()}, else
 *       {@link #tierWithoutPlan()} for a tenant without a plan or {@link #tierForUnknownTier()} for a plan naming a
 *       tier not in the catalogue (either {@code null}: no tier, a limit of 0);</li>
 *   <li>{@code granted} is the sum of the active grants on the meter, saturating at {@link Long#MAX_VALUE}, and
 *       the ceiling {@code limit + granted}, saturating likewise;</li>
 *   <li>{@code used} and {@code reserved} are those of the counter of the tenant's current period,
 *       {@code currentPeriods().get(d)} where {@code d} is the billing day of the tenant's plan, or 0 without a plan or
 *       without a billing day ({@code reserved} counting only holds unexpired at {@code now}); after a change of
 *       billing day a tenant has two counters containing {@code now}, and only this one counts;</li>
 *   <li>an entitlement is active at {@code now} if {@code validFrom <= now < validUntil} and not revoked at or
 *       before {@code now}.</li>
 * </ul>
 * The contract suite compares every store's listings with the reports, on random populations.
 *
 * @param query the filters and order
 * @param meter the meter listed (the query's, or the catalogue's default)
 * @param now the instant of the listing
 * @param page the slice wanted
 * @param limits every catalogue tier's limit on the meter, in the meter's unit
 * @param tiersByGenerosity the catalogue's tiers, least generous first
 * @param tierWithoutPlan the tier of a tenant without a plan, or {@code null} if such tenants are rejected
 * @param tierForUnknownTier the tier of a tenant whose plan names an undeclared tier, or {@code null} if rejected
 * @param report computes a tenant's report from its state, exactly as the guard does
 */
public record UsageListing(UsageQuery query, Meter meter, Instant now, PageRequest page, List<Period> currentPeriods,
    Map<Tier, Long> limits,
    List<Tier> tiersByGenerosity, @Nullable Tier tierWithoutPlan, @Nullable Tier tierForUnknownTier,
    BiFunction<TenantId, TenantState, UsageReport> report) {

  /** Validates the request and freezes its collections. */
  public UsageListing {
    Checks.notNull("query", query);
    Checks.notNull("meter", meter);
    Checks.notNull("now", now);
    Checks.notNull("page", page);
    currentPeriods = List.copyOf(currentPeriods);
    if (currentPeriods.size() != 32) {
      throw new InvalidRequestException("current periods", "must have 32 entries (no billing day, days 1 to 31), had "
          + currentPeriods.size());
    }
    limits = Map.copyOf(limits);
    tiersByGenerosity = List.copyOf(tiersByGenerosity);
    Checks.notNull("report", report);
  }

  /**
   * A tenant's report on the listed meter at the listing's instant.
   *
   * @param tenant the tenant
   * @param state its state on {@link #meter()} at {@link #now()}
   * @return the report
   */
  public UsageReport report(TenantId tenant, TenantState state) {
    return report.apply(tenant, state);
  }

  /**
   * One listed tenant, with the state its report is computed from.
   *
   * @param tenant the tenant
   * @param state its state on the listed meter at the listing's instant, as {@link UsageStore#read} returns it
   */
  public record Row(TenantId tenant, TenantState state) {
    /** Validates the row. */
    public Row {
      Checks.notNull("tenant", tenant);
      Checks.notNull("state", state);
    }
  }
}

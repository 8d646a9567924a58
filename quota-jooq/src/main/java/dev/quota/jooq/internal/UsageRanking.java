package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static dev.quota.jooq.internal.generated.Tables.ENTITLEMENT;
import static dev.quota.jooq.internal.generated.Tables.TENANT;
import static org.jooq.impl.DSL.boolOr;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.least;
import static org.jooq.impl.DSL.max;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.not;
import static org.jooq.impl.DSL.or;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.sum;
import static org.jooq.impl.DSL.val;
import static org.jooq.impl.DSL.values;
import static org.jooq.impl.DSL.when;

import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.admin.Page;
import dev.quota.admin.TenantStatus;
import dev.quota.admin.UsageOrder;
import dev.quota.spi.UsageListing;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Row3;
import org.jooq.SortField;
import org.jooq.Table;
import org.jooq.impl.SQLDataType;

/**
 * The admin listing in one statement: the page of tenant ids that a {@link UsageListing} asks for, filtered, sorted
 * and cut by PostgreSQL. The numbers it sorts and filters by are the usage report's, derived in SQL from the
 * catalogue's facts the listing carries (tier limits, tiers by generosity, the plan fallbacks) by the rules
 * {@link UsageListing} spells out; the contract suite holds the result to the reports the core computes.
 *
 * <p>Cost: the meter's counters whose period contains the instant (through the index on meter and period), the
 * entitlements active at the instant aggregated once per tenant, and hash joins with the catalogue as a small
 * {@code VALUES} table: no statement per tenant, so a page costs one sort of the population.
 */
final class UsageRanking {
  private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);
  /** {@link Tier}'s naming rule: a host's tier column may hold any text, and text that names no tier is no plan. */
  private static final String TIER_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0," + (Tier.MAX_LENGTH - 1) + "}$";

  private final Db db;
  private final CounterRules rules;
  private final HostPlans hostPlans;

  /**
   * @param db the database
   * @param rules the counter rules (for the reserved amount net of expired holds)
   * @param hostPlans the host's plan table, or null when plans are quota's own
   */
  UsageRanking(Db db, CounterRules rules, HostPlans hostPlans) {
    this.db = db;
    this.rules = rules;
    this.hostPlans = hostPlans;
  }

  /**
   * Ranks and cuts.
   *
   * @param listing what to list
   * @return the page's tenant ids, in order, and whether more follow
   */
  Page<TenantId> rank(UsageListing listing) {
    Instant at = Db.micros(listing.now());
    Field<Long> reservedAt = rules.reservedAt(val(at, SQLDataType.INSTANT));
    String meter = listing.meter().name();
    List<Tier> tiers = listing.tiersByGenerosity();

    // The catalogue as a table: a tier's name, its limit on the meter, and its rank, least generous first.
    @SuppressWarnings("unchecked")
    Row3<String, Long, Integer>[] rows = new Row3[tiers.size()];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = row(tiers.get(i).name(), listing.limits().getOrDefault(tiers.get(i), 0L), i);
    }
    Table<?> catalogue = values(rows).as("catalogue", "tier", "tier_limit", "generosity");
    Field<String> catalogueTier = catalogue.field("tier", String.class);
    Field<Integer> catalogueGenerosity = catalogue.field("generosity", Integer.class);

    // Per tenant, what its active entitlements add up to: grants on the meter, any bypass, the best override.
    Condition activeAt = ENTITLEMENT.VALID_FROM.le(at).and(ENTITLEMENT.VALID_UNTIL.gt(at))
        .and(ENTITLEMENT.REVOKED_AT.isNull().or(ENTITLEMENT.REVOKED_AT.gt(at)));
    Table<?> active =
        select(ENTITLEMENT.TENANT_ID.as("tenant_id"),
            sum(ENTITLEMENT.AMOUNT).filterWhere(ENTITLEMENT.KIND.eq(EntitlementRows.GRANT)
                .and(ENTITLEMENT.METER.eq(meter))).as("granted"),
            boolOr(ENTITLEMENT.KIND.eq(EntitlementRows.BYPASS)).as("bypassed"),
            max(catalogueGenerosity).filterWhere(ENTITLEMENT.KIND.eq(EntitlementRows.TIER_OVERRIDE))
                .as("override_generosity"),
            // the newest limit override of the meter, as LimitOverride.supersedes orders them
            field("(array_agg({0} ORDER BY {1} DESC, {2}::text DESC) FILTER (WHERE {3}))[1]", SQLDataType.BIGINT,
                ENTITLEMENT.AMOUNT, ENTITLEMENT.VALID_FROM, ENTITLEMENT.ENTITLEMENT_ID,
                ENTITLEMENT.KIND.eq(EntitlementRows.LIMIT_OVERRIDE).and(ENTITLEMENT.METER.eq(meter)))
                .as("limit_override"),
            // the unspent units of the active one-time credits of the meter, as Evaluator adds them
            sum(ENTITLEMENT.AMOUNT.minus(coalesce(ENTITLEMENT.DRAWN, 0L)))
                .filterWhere(ENTITLEMENT.KIND.eq(EntitlementRows.ONE_TIME_CREDIT).and(ENTITLEMENT.METER.eq(meter)))
                .as("credit_available"))
        .from(ENTITLEMENT).leftJoin(catalogue).on(catalogueTier.eq(ENTITLEMENT.TIER))
        .where(activeAt)
        .groupBy(ENTITLEMENT.TENANT_ID)
        .asTable("active");

    // The plan's tier and the base tier before overrides, as a rank in the catalogue (null: no tier).
    Field<String> planTier = hostPlans == null ? TENANT.TIER : hostPlans.tierOfCorrelated(TENANT.TENANT_ID);
    Condition hasPlan = hostPlans == null ? planTier.isNotNull()
        : planTier.isNotNull().and(field("{0} ~ {1}", Boolean.class, planTier, inline(TIER_NAME_PATTERN)).isTrue());
    Table<?> planned = catalogue.as("planned", "tier", "tier_limit", "generosity");
    Field<Integer> plannedGenerosity = planned.field("generosity", Integer.class);
    Field<Integer> baseGenerosity = when(not(hasPlan), rankOf(tiers, listing.tierWithoutPlan()))
        .when(plannedGenerosity.isNotNull(), plannedGenerosity)
        .otherwise(rankOf(tiers, listing.tierForUnknownTier()));

    // The period each billing day puts the instant in; a tenant without a plan (or with the host's plans, which
    // carry no billing day) is on day 0.
    List<Period> current = listing.currentPeriods();
    @SuppressWarnings("unchecked")
    Row3<Integer, Instant, Instant>[] periodRows = new Row3[current.size()];
    for (int day = 0; day < periodRows.length; day++) {
      periodRows[day] = row(day, Db.micros(current.get(day).start()), Db.micros(current.get(day).end()));
    }
    Table<?> periods = values(periodRows).as("current_period", "billing_day", "period_start", "period_end");
    Field<Integer> periodDay = periods.field("billing_day", Integer.class);
    Field<Instant> periodStart = periods.field("period_start", Instant.class);
    Field<Instant> periodEnd = periods.field("period_end", Instant.class);
    Field<Integer> billingDay = hostPlans != null ? inline(0)
        : when(TENANT.TIER.isNull().or(TENANT.BILLING_DAY.isNull()), inline(0))
            .otherwise(TENANT.BILLING_DAY.cast(SQLDataType.INTEGER));

    Field<Integer> overrideGenerosity = active.field("override_generosity", Integer.class);
    Table<?> standing =
        select(COUNTER.TENANT_ID.as("tenant_id"), COUNTER.USED.as("used"), reservedAt.as("reserved"),
            coalesce(overrideGenerosity, baseGenerosity).as("tier_generosity"),
            overrideGenerosity.isNotNull().as("overridden"),
            coalesce(active.field("granted", BigDecimal.class), BigDecimal.ZERO).as("granted"),
            coalesce(active.field("bypassed", Boolean.class), false).as("bypassed"),
            active.field("limit_override", Long.class).as("limit_override"),
            COUNTER.CREDIT_DRAWN.as("credit_drawn"),
            coalesce(active.field("credit_available", BigDecimal.class), BigDecimal.ZERO).as("credit_available"))
        .from(COUNTER)
        .join(TENANT).on(TENANT.TENANT_ID.eq(COUNTER.TENANT_ID))
        // Only the counter of the tenant's current period: after a change of billing day, the old one still
        // contains the instant too.
        .join(periods).on(periodDay.eq(billingDay), periodStart.eq(COUNTER.PERIOD_START),
            periodEnd.eq(COUNTER.PERIOD_END))
        .leftJoin(planned).on(planned.field("tier", String.class).eq(planTier))
        .leftJoin(active).on(active.field("tenant_id", String.class).eq(COUNTER.TENANT_ID))
        .where(COUNTER.METER.eq(meter), COUNTER.PERIOD_START.le(at), COUNTER.PERIOD_END.gt(at),
            listing.query().tenantPrefixIfSet().map(COUNTER.TENANT_ID::startsWith).orElse(noCondition()))
        .asTable("standing");

    Field<String> tenantId = standing.field("tenant_id", String.class);
    Field<Long> used = standing.field("used", Long.class);
    Field<Long> reserved = standing.field("reserved", Long.class);
    Table<?> effective = catalogue.as("effective", "tier", "tier_limit", "generosity");
    // A tenant's own limit replaces its tier's, but not a missing tier: a rejected tenant stays at 0, as in Evaluator.
    Field<Long> tierLimit = effective.field("tier_limit", Long.class);
    Field<Long> limit = when(tierLimit.isNull(), val(0L))
        .otherwise(coalesce(standing.field("limit_override", Long.class), tierLimit));
    // UsageReport's arithmetic: sums saturate at Long.MAX_VALUE, and percentUsed() is 100.0 * used / ceiling in
    // doubles, so that ties fall the same way as in Java.
    Field<BigDecimal> ceiling = least(limit.cast(SQLDataType.NUMERIC).plus(standing.field("granted", BigDecimal.class))
        .plus(standing.field("credit_drawn", Long.class)).plus(standing.field("credit_available", BigDecimal.class)),
        val(LONG_MAX));
    Field<BigDecimal> taken = least(used.cast(SQLDataType.NUMERIC).plus(reserved), val(LONG_MAX));
    Field<Double> percentUsed = when(ceiling.eq(BigDecimal.ZERO), inline(100.0))
        .when(ceiling.eq(LONG_MAX), inline(0.0))
        .otherwise(inline(100.0).mul(used.cast(SQLDataType.DOUBLE)).div(ceiling.cast(SQLDataType.DOUBLE)));
    Field<Boolean> bypassed = standing.field("bypassed", Boolean.class);
    Condition blocked = bypassed.isFalse().and(taken.ge(ceiling));

    List<Condition> statuses = new ArrayList<>();
    for (TenantStatus status : listing.query().statuses()) {
      statuses.add(switch (status) {
        case BLOCKED -> blocked;
        case NEAR_LIMIT -> not(blocked).and(percentUsed.ge(inline((double) listing.query().nearLimitPercent())));
        case BYPASSED -> bypassed.isTrue();
        case OVERRIDDEN -> standing.field("overridden", Boolean.class).isTrue();
      });
    }
    Field<String> byCodePoint = tenantId.collate("C");
    List<SortField<?>> order = listing.query().order() == UsageOrder.MOST_UTILIZED
        ? List.of(percentUsed.desc(), used.desc(), byCodePoint.asc())
        : List.of(byCodePoint.asc());

    int size = listing.page().size();
    List<String> ids = db.read(dsl -> dsl
        .select(tenantId)
        .from(standing)
        .leftJoin(effective).on(effective.field("generosity", Integer.class)
            .eq(standing.field("tier_generosity", Integer.class)))
        .where(used.gt(0L).or(reserved.gt(0L)), statuses.isEmpty() ? noCondition() : or(statuses))
        .orderBy(order)
        .limit(val(size + 1)).offset(val(listing.page().offset()))
        .fetch(tenantId));
    List<TenantId> page = new ArrayList<>(Math.min(ids.size(), size));
    for (int i = 0; i < ids.size() && i < size; i++) {
      page.add(TenantId.of(ids.get(i)));
    }
    return new Page<>(page, listing.page(), ids.size() > size);
  }

  /** A fallback tier's rank in the catalogue, or null when the fallback rejects (no tier, a limit of 0). */
  private static Field<Integer> rankOf(List<Tier> tiers, Tier tier) {
    return tier == null ? val((Integer) null) : val(tiers.indexOf(tier));
  }
}

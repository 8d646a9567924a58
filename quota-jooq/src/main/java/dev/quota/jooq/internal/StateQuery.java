package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static dev.quota.jooq.internal.generated.Tables.ENTITLEMENT;
import static dev.quota.jooq.internal.generated.Tables.TENANT;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.selectOne;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.jooq.Condition;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Select;
import org.jooq.SelectField;
import org.jooq.Table;
import org.jooq.impl.SQLDataType;

/**
 * The read of tenants' states for one meter as ONE statement, whatever the ledger's size: each tenant's row (plan,
 * version), its entitlements active at the instant or later, and its counters of the meter containing the instant, as
 * the rows of a {@code UNION ALL} told apart by {@link #ROW_KIND}. One statement is one snapshot, so plan,
 * entitlements, version and counters agree with each other.
 *
 * <p>Every column has one meaning, named by a field here (or, for the entitlement's columns, by the entitlement
 * table's own fields, so that {@link EntitlementRows} maps these rows as it maps that table's); a row fills the columns
 * of its kind and leaves the others null. The same query serves one tenant (the hot path, rendered once) and the
 * tenants of a page of the admin's listing; only the choice of tenants differs.
 */
final class StateQuery {
  /** {@link #ROW_KIND} of a tenant's row: plan and version. */
  static final int TENANT_ROW = 0;
  /** {@link #ROW_KIND} of an entitlement's row. */
  static final int ENTITLEMENT_ROW = 1;
  /** {@link #ROW_KIND} of a counter's row. */
  static final int COUNTER_ROW = 2;

  static final Field<Integer> ROW_KIND = field(name("row_kind"), SQLDataType.INTEGER);
  static final Field<String> TENANT_ID = field(name("tenant_id"), SQLDataType.VARCHAR);
  static final Field<String> PLAN_TIER = field(name("plan_tier"), SQLDataType.VARCHAR);
  static final Field<String> HOST_TIER = field(name("host_tier"), SQLDataType.VARCHAR);
  static final Field<Short> BILLING_DAY = field(name("billing_day"), SQLDataType.SMALLINT);
  static final Field<Long> VERSION = field(name("version"), SQLDataType.BIGINT);
  /** The tenant's parent, if it has one (migration V13). */
  static final Field<String> PARENT_ID = field(name("parent_id"), SQLDataType.VARCHAR);
  static final Field<Instant> PERIOD_START = field(name("period_start"), SQLDataType.INSTANT);
  static final Field<Instant> PERIOD_END = field(name("period_end"), SQLDataType.INSTANT);
  static final Field<Long> USED = field(name("used"), SQLDataType.BIGINT);
  /** The counter's reserved without the holds expired at the instant. */
  static final Field<Long> RESERVED_NOW = field(name("reserved_now"), SQLDataType.BIGINT);
  /** The earliest expiry after the instant among the counter's holds that count: until then the read stays exact. */
  static final Field<Instant> NEXT_EXPIRY = field(name("next_expiry"), SQLDataType.INSTANT);
  /** A counter row's units drawn from one-time credits. */
  static final Field<Long> CREDIT_DRAWN = field(name("credit_drawn"), SQLDataType.BIGINT);

  private StateQuery() {}

  /**
   * Which tenants a state query reads, and how it finds their rows.
   *
   * @param tenantId the tenant id column of the tenant's row
   * @param tenantRows the source of the tenants' rows
   * @param tenantCondition which tenant rows
   * @param hostTier the tier from the host's plan table, or a null
   * @param ofEntitlements which entitlement rows
   * @param ofCounters which counter rows of the meter (the period is added)
   */
  private record Tenants(Field<String> tenantId, Table<?> tenantRows, Condition tenantCondition,
      Field<String> hostTier, Condition ofEntitlements, Condition ofCounters) {}

  /**
   * The state of one tenant. Its tenant row comes back even for a tenant the store has never seen (with nulls: no
   * plan, version 0).
   *
   * @param rules the counter rules
   * @param hostPlans the host's plan table, or {@code null}
   * @param tenant the tenant id
   * @param meter the meter
   * @param at the instant
   * @return the query
   */
  static Select<Record> oneTenant(CounterRules rules, HostPlans hostPlans, Field<String> tenant, Field<String> meter,
      Field<Instant> at) {
    Tenants one = new Tenants(tenant,
        selectOne().asTable("one").leftJoin(TENANT).on(TENANT.TENANT_ID.eq(tenant)),
        noCondition(),
        hostPlans == null ? nothing(SQLDataType.VARCHAR) : hostPlans.tierOf(tenant),
        ENTITLEMENT.TENANT_ID.eq(tenant),
        // The tenant's and meter's periods starting up to the instant, as bounds on the primary key (tenant, meter,
        // period_start) that no other index can serve: a generic plan would otherwise take the index on (meter,
        // period) when the statistics lag behind (autovacuum off, a table that grew since ANALYZE) and read every
        // tenant's counter of the period.
        row(COUNTER.TENANT_ID, COUNTER.METER).ge(row(tenant, meter))
            .and(row(COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START).le(row(tenant, meter, at))));
    return query(rules, one, at);
  }

  /**
   * The states of some tenants (a page of the admin listing), in one statement.
   *
   * @param rules the counter rules
   * @param hostPlans the host's plan table, or {@code null}
   * @param tenantIds the tenants
   * @param meter the meter
   * @param at the instant
   * @return the query
   */
  static Select<Record> someTenants(CounterRules rules, HostPlans hostPlans, Collection<String> tenantIds,
      Field<String> meter, Field<Instant> at) {
    Tenants some = new Tenants(TENANT.TENANT_ID, TENANT, TENANT.TENANT_ID.in(tenantIds),
        hostPlans == null ? nothing(SQLDataType.VARCHAR) : hostPlans.tierOfCorrelated(TENANT.TENANT_ID),
        ENTITLEMENT.TENANT_ID.in(tenantIds),
        COUNTER.TENANT_ID.in(tenantIds).and(COUNTER.METER.eq(meter)).and(COUNTER.PERIOD_START.le(at)));
    return query(rules, some, at);
  }

  /** The entitlement table's columns, in their place in every row of the query. */
  private static final List<Field<?>> ENTITLEMENT_COLUMNS = List.of(ENTITLEMENT.ENTITLEMENT_ID, ENTITLEMENT.KIND,
      ENTITLEMENT.GRANT_KIND, ENTITLEMENT.METER, ENTITLEMENT.AMOUNT, ENTITLEMENT.TIER, ENTITLEMENT.VALID_FROM,
      ENTITLEMENT.VALID_UNTIL, ENTITLEMENT.CREATED_BY, ENTITLEMENT.REASON, ENTITLEMENT.REVOKED_AT,
      ENTITLEMENT.REVOKED_BY, ENTITLEMENT.REVOKE_REASON, ENTITLEMENT.SEQ, ENTITLEMENT.DRAWN);

  private static Select<Record> query(CounterRules rules, Tenants tenants, Field<Instant> at) {
    // The entitlement rows come first: a UNION's columns are its first branch's, so these rows' columns are the
    // entitlement table's own fields.
    var entitlementRows = select(columns(inline(ENTITLEMENT_ROW).as(ROW_KIND), ENTITLEMENT.TENANT_ID.as(TENANT_ID),
            ENTITLEMENT_COLUMNS, null, null, null, null, null, null, null, null, null, null, null))
        .from(ENTITLEMENT)
        .where(tenants.ofEntitlements(), ENTITLEMENT.VALID_UNTIL.gt(at),
            ENTITLEMENT.REVOKED_AT.isNull().or(ENTITLEMENT.REVOKED_AT.gt(at)));
    var tenantRows = select(columns(inline(TENANT_ROW), tenants.tenantId(), null,
            TENANT.TIER, tenants.hostTier(), TENANT.BILLING_DAY, TENANT.VERSION, TENANT.PARENT_ID, null, null, null, null,
            null, null))
        .from(tenants.tenantRows())
        .where(tenants.tenantCondition());
    var counterRows = select(columns(inline(COUNTER_ROW), COUNTER.TENANT_ID, null, null, null, null, null, null,
            COUNTER.PERIOD_START, COUNTER.PERIOD_END, COUNTER.USED, rules.reservedAt(at), rules.nextExpiryAfter(at),
            COUNTER.CREDIT_DRAWN))
        .from(COUNTER)
        .where(tenants.ofCounters(), COUNTER.PERIOD_END.gt(at));
    // no ORDER BY: the few rows of a tenant are put in order by the reader, which spares the server a sort per read
    return entitlementRows.unionAll(tenantRows).unionAll(counterRows);
  }

  /**
   * One row's columns in the query's order; a null argument stands for a typed null (so that the branches of the
   * union agree on every column's type), named as the first branch names the column.
   */
  private static List<SelectField<?>> columns(Field<Integer> kind, Field<String> tenantId,
      List<Field<?>> entitlement, Field<String> tier, Field<String> hostTier, Field<Short> billingDay,
      Field<Long> version, Field<String> parent, Field<Instant> start, Field<Instant> end, Field<Long> used, Field<Long> reservedNow,
      Field<Instant> nextExpiry, Field<Long> creditDrawn) {
    List<SelectField<?>> columns = new ArrayList<>();
    columns.add(kind);
    columns.add(tenantId);
    for (Field<?> column : ENTITLEMENT_COLUMNS) {
      columns.add(entitlement == null ? nothing(column.getDataType()) : column);
    }
    columns.add(or(tier, PLAN_TIER));
    columns.add(or(hostTier, HOST_TIER));
    columns.add(or(billingDay, BILLING_DAY));
    columns.add(or(version, VERSION));
    columns.add(or(parent, PARENT_ID));
    columns.add(or(start, PERIOD_START));
    columns.add(or(end, PERIOD_END));
    columns.add(or(used, USED));
    columns.add(or(reservedNow, RESERVED_NOW));
    columns.add(or(nextExpiry, NEXT_EXPIRY));
    columns.add(or(creditDrawn, CREDIT_DRAWN));
    return columns;
  }

  private static <T> Field<T> or(Field<T> value, Field<T> column) {
    return (value == null ? nothing(column.getDataType()) : value).as(column);
  }

  private static <T> Field<T> nothing(DataType<T> type) {
    return inline((T) null, type);
  }
}

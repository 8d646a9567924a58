package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static dev.quota.jooq.internal.generated.Tables.ENTITLEMENT;
import static dev.quota.jooq.internal.generated.Tables.RESERVATION;
import static dev.quota.jooq.internal.generated.Tables.TENANT;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.min;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.sum;
import static org.jooq.impl.DSL.when;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Param;
import org.jooq.impl.SQLDataType;

/**
 * The read of a tenant's state for one meter as ONE statement and one round trip, whatever the ledger's size:
 * the tenant row (plan, version), the entitlements active at the instant or later, and the meter's counters
 * containing it, as the rows of a {@code UNION ALL} told apart by a kind column. One statement is one snapshot,
 * so plan, entitlements, version and counters are consistent with each other. The query is rendered once (see
 * {@link RenderedQuery}); rows are read with plain JDBC.
 */
final class StateQuery {
  static final int TENANT_ROW = 0;
  static final int ENTITLEMENT_ROW = 1;
  static final int COUNTER_ROW = 2;

  // result columns, 1-based
  static final int KIND = 1;
  static final int S1 = 2;
  static final int S2 = 3;
  static final int S3 = 4;
  static final int S4 = 5;
  static final int S5 = 6;
  static final int S6 = 7;
  static final int S7 = 8;
  static final int S8 = 9;
  static final int N1 = 10;
  static final int N2 = 11;
  static final int T1 = 12;
  static final int T2 = 13;
  static final int T3 = 14;
  static final int ID = 15;
  static final int ORD = 16;

  private final RenderedQuery query;

  StateQuery(DSLContext dsl, HostPlans hostPlans) {
    Param<String> tenant = RenderedQuery.param(0, String.class);
    Param<String> meter = RenderedQuery.param(1, String.class);
    Param<Instant> at = RenderedQuery.param(2, SQLDataType.INSTANT);
    Field<String> noText = inline((String) null, SQLDataType.VARCHAR);
    Field<Long> noNumber = inline((Long) null, SQLDataType.BIGINT);
    Field<Instant> noInstant = inline((Instant) null, SQLDataType.INSTANT);
    Field<UUID> noId = inline((UUID) null, SQLDataType.UUID);
    Field<String> hostTier = hostPlans == null ? noText : hostPlans.tierOf(tenant);

    var tenantRow = select(inline(TENANT_ROW).as("kind"), TENANT.TIER.as("s1"), hostTier.as("s2"), noText.as("s3"),
            noText.as("s4"), noText.as("s5"), noText.as("s6"), noText.as("s7"), noText.as("s8"),
            TENANT.VERSION.as("n1"), TENANT.BILLING_DAY.cast(SQLDataType.BIGINT).as("n2"), noInstant.as("t1"),
            noInstant.as("t2"), noInstant.as("t3"), noId.as("id"), inline(0L).as("ord"))
        .from(selectOne().asTable("one"))
        .leftJoin(TENANT).on(TENANT.TENANT_ID.eq(tenant));
    var entitlementRows = select(inline(ENTITLEMENT_ROW), ENTITLEMENT.KIND, ENTITLEMENT.GRANT_KIND, ENTITLEMENT.METER,
            ENTITLEMENT.TIER, ENTITLEMENT.CREATED_BY, ENTITLEMENT.REASON, ENTITLEMENT.REVOKED_BY,
            ENTITLEMENT.REVOKE_REASON, ENTITLEMENT.AMOUNT, noNumber, ENTITLEMENT.VALID_FROM, ENTITLEMENT.VALID_UNTIL,
            ENTITLEMENT.REVOKED_AT, ENTITLEMENT.ENTITLEMENT_ID, ENTITLEMENT.SEQ)
        .from(ENTITLEMENT)
        .where(ENTITLEMENT.TENANT_ID.eq(tenant), ENTITLEMENT.VALID_UNTIL.gt(at),
            ENTITLEMENT.REVOKED_AT.isNull().or(ENTITLEMENT.REVOKED_AT.gt(at)));
    var counterRows = select(inline(COUNTER_ROW), noText, noText, noText, noText, noText, noText, noText, noText,
            COUNTER.USED, reservedAt(at), COUNTER.PERIOD_START, COUNTER.PERIOD_END, nextExpiryAfter(at), noId,
            inline(0L))
        .from(COUNTER)
        // The tenant's and meter's periods starting up to the instant, as bounds on the primary key (tenant, meter,
        // period_start) that no other index can serve: a generic plan would otherwise take the index on (meter,
        // period) when the statistics lag behind (autovacuum off, a table that grew since ANALYZE) and read every
        // tenant's counter of the period.
        .where(row(COUNTER.TENANT_ID, COUNTER.METER).ge(row(tenant, meter)),
            row(COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START).le(row(tenant, meter, at)),
            COUNTER.PERIOD_END.gt(at));
    // no ORDER BY: the few rows are put in order by the reader, which spares the server a sort per check
    var union = tenantRow.unionAll(entitlementRows).unionAll(counterRows);
    this.query = RenderedQuery.render(dsl, union, 3);
  }

  /** @return the SQL, for tests and diagnostics */
  String sql() {
    return query.sql();
  }

  PreparedStatement bind(java.sql.Connection connection, String tenant, String meter, Instant at)
      throws SQLException {
    return query.bind(connection, tenant, meter, at);
  }

  static Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  static Long nullableLong(ResultSet rs, int column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? null : value;
  }

  /** The holds of the counter row in scope. */
  private static Condition holdsOfCounter() {
    return RESERVATION.TENANT_ID.eq(COUNTER.TENANT_ID).and(RESERVATION.METER.eq(COUNTER.METER))
        .and(RESERVATION.PERIOD_START.eq(COUNTER.PERIOD_START)).and(RESERVATION.PERIOD_END.eq(COUNTER.PERIOD_END));
  }

  /** The counter's reserved without the holds expired at {@code at}; the sub-select runs only when one may be. */
  private static Field<Long> reservedAt(Field<Instant> at) {
    Field<Long> expired = field(select(coalesce(sum(RESERVATION.AMOUNT).cast(SQLDataType.BIGINT), inline(0L)))
        .from(RESERVATION)
        .where(holdsOfCounter(), RESERVATION.COUNTED.isTrue(), RESERVATION.EXPIRES_AT.le(at)));
    return when(COUNTER.NEXT_HOLD_EXPIRY.le(at), COUNTER.RESERVED.minus(expired)).otherwise(COUNTER.RESERVED);
  }

  /** The earliest expiry after {@code at} of the counter's holds, or null. */
  private static Field<Instant> nextExpiryAfter(Field<Instant> at) {
    Field<Instant> next = field(select(min(RESERVATION.EXPIRES_AT)).from(RESERVATION)
        .where(holdsOfCounter(), RESERVATION.COUNTED.isTrue(), RESERVATION.EXPIRES_AT.gt(at)));
    return when(COUNTER.NEXT_HOLD_EXPIRY.le(at), next).otherwise(COUNTER.NEXT_HOLD_EXPIRY);
  }
}

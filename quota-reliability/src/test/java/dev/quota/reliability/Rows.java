package dev.quota.reliability;

import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.sum;
import static org.jooq.impl.DSL.table;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * The suite's own view of quota's tables, read with plain jOOQ (names and bind values, not the store's
 * generated classes): the sums and counts the invariants are checked against, independently of the store's
 * code.
 */
final class Rows {
  private static final Field<String> TENANT_ID = field(name("tenant_id"), String.class);
  private static final Field<String> METER = field(name("meter"), String.class);
  private static final Field<String> USAGE_KEY = field(name("usage_key"), String.class);
  private static final Field<Long> AMOUNT = field(name("amount"), Long.class);
  private static final Field<Long> USED = field(name("used"), Long.class);
  private static final Field<Long> RESERVED = field(name("reserved"), Long.class);
  private static final Field<Long> CREDIT_DRAWN = field(name("credit_drawn"), Long.class);
  private static final Field<Long> DRAWN = field(name("drawn"), Long.class);
  private static final Field<java.util.UUID> ENTITLEMENT_ID = field(name("entitlement_id"), java.util.UUID.class);
  private static final Field<Long> VERSION = field(name("version"), Long.class);
  private static final Field<Boolean> COUNTED = field(name("counted"), Boolean.class);
  private static final Field<OffsetDateTime> PERIOD_START = field(name("period_start"), OffsetDateTime.class);
  private static final Field<OffsetDateTime> PERIOD_END = field(name("period_end"), OffsetDateTime.class);
  private static final Field<String> TIME_WINDOW = field(name("time_window"), String.class);
  private static final Field<String[]> COUNTED_PATH = field(name("counted_path"), String[].class);
  private static final Field<OffsetDateTime> OCCURRED_AT = field(name("occurred_at"), OffsetDateTime.class);
  private static final Field<String> KIND = field(name("kind"), String.class);
  private static final Field<String> GRANT_KIND = field(name("grant_kind"), String.class);
  private static final Field<OffsetDateTime> VALID_UNTIL = field(name("valid_until"), OffsetDateTime.class);
  private static final Field<OffsetDateTime> REVOKED_AT = field(name("revoked_at"), OffsetDateTime.class);

  /** Every table of quota's schema with a tenant column, for fingerprints and rows by tenant. */
  static final String[] TABLES = {"tenant", "counter", "usage_ledger", "usage_archive", "reservation",
      "reservation_hold", "entitlement", "audit_log", "alert_mark", "block_mark", "notification", "usage_rollup"};
  /** quota's tables without a tenant column: the outbox's deliveries (they belong to their notification), the
   * service record. */
  static final String[] TABLES_WITHOUT_TENANT = {"notification_delivery", "service_record"};

  private final DSLContext dsl;
  private final String schema;

  Rows(DataSource dataSource, String schema) {
    this.dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
    this.schema = schema;
  }

  private Table<?> t(String table) {
    return table(name(schema, table));
  }

  /** @return the sum of every ledger amount of the tenant, in the meter's unit */
  long ledgerSum(TenantId tenant) {
    BigDecimal total = dsl.select(sum(AMOUNT)).from(t("usage_ledger")).where(TENANT_ID.eq(tenant.value()))
        .fetchSingle().value1();
    return total == null ? 0 : total.longValueExact();
  }

  /** @return the number of audit entries of the tenant */
  int auditCount(TenantId tenant) {
    return dsl.fetchCount(t("audit_log"), TENANT_ID.eq(tenant.value()));
  }

  /** @return the ledger's sum per period of one meter */
  Map<Period, Long> ledgerByPeriod(TenantId tenant, Meter meter) {
    Map<Period, Long> sums = new LinkedHashMap<>();
    dsl.select(PERIOD_START, PERIOD_END, sum(AMOUNT)).from(t("usage_ledger"))
        .where(TENANT_ID.eq(tenant.value()), METER.eq(meter.name()))
        .groupBy(PERIOD_START, PERIOD_END).orderBy(PERIOD_START)
        .forEach(r -> sums.put(period(r.value1(), r.value2()), r.value3().longValueExact()));
    return sums;
  }

  /** @return the ledger's sum per period of one meter, of the keys starting with a prefix */
  Map<Period, Long> ledgerByPeriod(TenantId tenant, Meter meter, String keyPrefix) {
    Map<Period, Long> sums = new LinkedHashMap<>();
    dsl.select(PERIOD_START, PERIOD_END, sum(AMOUNT)).from(t("usage_ledger"))
        .where(TENANT_ID.eq(tenant.value()), METER.eq(meter.name()), USAGE_KEY.startsWith(keyPrefix))
        .groupBy(PERIOD_START, PERIOD_END).orderBy(PERIOD_START)
        .forEach(r -> sums.put(period(r.value1(), r.value2()), r.value3().longValueExact()));
    return sums;
  }

  /** @return every ledger key of the tenant's meter with its amount */
  Map<String, Long> ledgerAmounts(TenantId tenant, Meter meter) {
    Map<String, Long> amounts = new LinkedHashMap<>();
    dsl.select(USAGE_KEY, AMOUNT).from(t("usage_ledger")).where(TENANT_ID.eq(tenant.value()), METER.eq(meter.name()))
        .forEach(r -> amounts.put(r.value1(), r.value2()));
    return amounts;
  }

  /** A counter row: used, reserved and the one-time credit units its period's usage drew, in the meter's unit. */
  record CounterRow(long used, long reserved, long creditDrawn) {}

  /** @return the tenant's counter rows of one meter, by period */
  Map<Period, CounterRow> counters(TenantId tenant, Meter meter) {
    Map<Period, CounterRow> rows = new LinkedHashMap<>();
    dsl.select(PERIOD_START, PERIOD_END, USED, RESERVED, CREDIT_DRAWN).from(t("counter"))
        .where(TENANT_ID.eq(tenant.value()), METER.eq(meter.name())).orderBy(PERIOD_START)
        .forEach(r -> rows.put(period(r.value1(), r.value2()),
            new CounterRow(r.value3(), r.value4(), r.value5())));
    return rows;
  }

  /**
   * A counter row of any window: its tenant, window ({@code null} for the meter's period), bounds and balances.
   *
   * @param tenant the level the counter belongs to
   * @param window {@code MINUTE}, {@code HOUR} or {@code DAY}; {@code null} for the period
   * @param period the counter's bounds
   * @param used the units counted
   * @param reserved the units held
   */
  record WindowCounter(TenantId tenant, String window, Period period, long used, long reserved) {}

  /** @return every counter of one meter whose tenant id starts with a prefix, every window, in one snapshot */
  java.util.List<WindowCounter> windowCounters(String tenantPrefix, Meter meter) {
    return dsl.select(TENANT_ID, TIME_WINDOW, PERIOD_START, PERIOD_END, USED, RESERVED).from(t("counter"))
        .where(TENANT_ID.startsWith(tenantPrefix), METER.eq(meter.name()))
        .fetch(r -> new WindowCounter(TenantId.of(r.value1()), r.value2(), period(r.value3(), r.value4()),
            r.value5(), r.value6()));
  }

  /**
   * A ledger entry with what it counted against.
   *
   * @param tenant the writing tenant
   * @param countedPath the path it counted against, as stored (the writing tenant first); just the tenant when none
   *     is stored
   * @param occurredAt when it happened
   * @param amount its units
   */
  record PathEntry(TenantId tenant, java.util.List<String> countedPath, java.time.Instant occurredAt, long amount) {}

  /** @return every ledger entry of one meter whose tenant id starts with a prefix */
  java.util.List<PathEntry> ledgerWithPaths(String tenantPrefix, Meter meter) {
    return dsl.select(TENANT_ID, COUNTED_PATH, OCCURRED_AT, AMOUNT).from(t("usage_ledger"))
        .where(TENANT_ID.startsWith(tenantPrefix), METER.eq(meter.name()))
        .fetch(r -> new PathEntry(TenantId.of(r.value1()),
            r.value2() == null ? java.util.List.of(r.value1()) : java.util.List.of(r.value2()),
            r.value3().toInstant(), r.value4()));
  }

  /** A one-time credit's row: the units it gives and the units drawn from it, revoked or expired or not. */
  record CreditRow(long amount, long drawn) {}

  /** @return the tenant's one-time credits of one meter, by entitlement id */
  Map<java.util.UUID, CreditRow> credits(TenantId tenant, Meter meter) {
    Map<java.util.UUID, CreditRow> rows = new LinkedHashMap<>();
    dsl.select(ENTITLEMENT_ID, AMOUNT, DRAWN).from(t("entitlement"))
        .where(TENANT_ID.eq(tenant.value()), METER.eq(meter.name()), KIND.eq("ONE_TIME_CREDIT"))
        .forEach(r -> rows.put(r.value1(), new CreditRow(r.value2(), r.value3() == null ? 0 : r.value3())));
    return rows;
  }

  /** @return the sum of the holds still counted in a counter, per period */
  Map<Period, Long> countedHolds(TenantId tenant, Meter meter) {
    Map<Period, Long> sums = new LinkedHashMap<>();
    dsl.select(PERIOD_START, PERIOD_END, sum(AMOUNT)).from(t("reservation"))
        .where(TENANT_ID.eq(tenant.value()), METER.eq(meter.name()), COUNTED.isTrue())
        .groupBy(PERIOD_START, PERIOD_END)
        .forEach(r -> sums.put(period(r.value1(), r.value2()), r.value3().longValueExact()));
    return sums;
  }

  /** @return the amounts of the tenant's unrevoked reset grants of one meter, summed by the end of their period */
  Map<java.time.Instant, Long> resetGrantsByPeriodEnd(TenantId tenant, Meter meter) {
    Map<java.time.Instant, Long> sums = new LinkedHashMap<>();
    dsl.select(VALID_UNTIL, sum(AMOUNT)).from(t("entitlement"))
        .where(TENANT_ID.eq(tenant.value()), METER.eq(meter.name()), KIND.eq("GRANT"), GRANT_KIND.eq("RESET"),
            REVOKED_AT.isNull())
        .groupBy(VALID_UNTIL)
        .forEach(r -> sums.put(r.value1().toInstant(), r.value2().longValueExact()));
    return sums;
  }

  /**
   * Counts the rows of every table and sums the counters and versions: two equal fingerprints mean that nothing
   * was written in between (but for alert marks cleared and set again, which no tested call does).
   *
   * @return the fingerprint, by what it measures
   */
  Map<String, Object> fingerprint() {
    Map<String, Object> values = new LinkedHashMap<>();
    for (String table : TABLES) {
      values.put(table + ".rows", dsl.fetchCount(t(table)));
    }
    for (String table : TABLES_WITHOUT_TENANT) {
      values.put(table + ".rows", dsl.fetchCount(t(table)));
    }
    var counters = dsl.select(sum(USED), sum(RESERVED), sum(VERSION)).from(t("counter")).fetchSingle();
    values.put("counter.used", counters.value1());
    values.put("counter.reserved", counters.value2());
    values.put("counter.version", counters.value3());
    values.put("tenant.version", dsl.select(sum(VERSION)).from(t("tenant")).fetchSingle().value1());
    values.put("usage_ledger.amount", dsl.select(sum(AMOUNT)).from(t("usage_ledger")).fetchSingle().value1());
    values.put("reservation.counted", dsl.select(count()).from(t("reservation")).where(COUNTED.isTrue())
        .fetchSingle().value1());
    values.put("reservation_hold.counted", dsl.select(count()).from(t("reservation_hold")).where(COUNTED.isTrue())
        .fetchSingle().value1());
    return values;
  }

  /**
   * Finds the tenant ids stored exactly as given, in any table with a tenant id.
   *
   * @param value the text
   * @return the number of rows, over all tables, whose tenant id equals it
   */
  int rowsOfTenantId(String value) {
    int rows = 0;
    for (String table : TABLES) {
      rows += dsl.fetchCount(t(table), TENANT_ID.eq(value));
    }
    return rows;
  }

  /** @return the DSL over the test database, for one-off statements */
  DSLContext dsl() {
    return dsl;
  }

  private static Period period(OffsetDateTime start, OffsetDateTime end) {
    return new Period(start.toInstant(), end.toInstant());
  }
}

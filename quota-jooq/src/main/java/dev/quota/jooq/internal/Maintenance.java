package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static dev.quota.jooq.internal.generated.Tables.ENTITLEMENT;
import static dev.quota.jooq.internal.generated.Tables.TENANT;
import static dev.quota.jooq.internal.generated.Tables.USAGE_ARCHIVE;
import static dev.quota.jooq.internal.generated.Tables.USAGE_LEDGER;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.currentInstant;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.greatest;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.sum;
import static org.jooq.impl.DSL.val;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.CreditCheck;
import dev.quota.admin.PurgeSummary;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.SQLDataType;

/**
 * The ledger's upkeep: archival of old rows (balances unchanged), the audited purge (the one destructive call), and
 * verification of the counters against the ledger and the archive.
 */
public final class Maintenance {
  /** Tenants listed per page while archiving all of them. */
  private static final int TENANT_PAGE = 1_000;

  // verification's columns, by name
  private static final Field<String> METER = field(name("meter"), SQLDataType.VARCHAR);
  private static final Field<Instant> PERIOD_START = field(name("period_start"), SQLDataType.INSTANT);
  private static final Field<Instant> PERIOD_END = field(name("period_end"), SQLDataType.INSTANT);
  private static final Field<Long> COUNTER_USED = field(name("counter_used"), SQLDataType.BIGINT);
  private static final Field<BigDecimal> LEDGER_USED = field(name("ledger_used"), SQLDataType.NUMERIC);
  private static final Field<Integer> ENTRIES = field(name("entries"), SQLDataType.INTEGER);
  private static final Field<BigDecimal> AMOUNT = field(name("amount"), SQLDataType.NUMERIC);

  private final Db db;
  private final AdminWrites admin;
  private final ChangeSink sink;
  private final int archiveBatchSize;

  /**
   * @param db the statements' runner
   * @param admin writes the purge's audit entry and announces it
   * @param sink hears about committed changes
   * @param archiveBatchSize rows moved per archival transaction
   */
  public Maintenance(Db db, AdminWrites admin, ChangeSink sink, int archiveBatchSize) {
    this.db = db;
    this.admin = admin;
    this.sink = sink;
    this.archiveBatchSize = archiveBatchSize;
  }

  // --- archival -----------------------------------------------------------------------------------------------

  /**
   * Moves every tenant's ledger rows that occurred before a cut-off to the archive, tenant after tenant.
   *
   * @param cutoff rows that occurred before it move
   * @return how many rows moved
   */
  public long archive(Instant cutoff) {
    long moved = 0;
    TenantId after = null;
    while (true) {
      List<TenantId> tenants = tenantsAfter(after);
      for (TenantId tenant : tenants) {
        moved += archive(tenant, cutoff);
      }
      if (tenants.size() < TENANT_PAGE) {
        return moved;
      }
      after = tenants.get(tenants.size() - 1);
    }
  }

  private List<TenantId> tenantsAfter(TenantId after) {
    return db.read(dsl -> dsl.select(TENANT.TENANT_ID).from(TENANT)
        .where(after == null ? noCondition() : TENANT.TENANT_ID.gt(after.value()))
        .orderBy(TENANT.TENANT_ID).limit(TENANT_PAGE)
        .fetch(r -> TenantId.of(r.get(TENANT.TENANT_ID))));
  }

  /**
   * Moves one tenant's ledger rows that occurred before a cut-off to the archive, in batches of the configured size.
   *
   * @param tenant the tenant
   * @param cutoff rows that occurred before it move
   * @return how many rows moved
   */
  public long archive(TenantId tenant, Instant cutoff) {
    long moved = 0;
    int batch;
    do {
      batch = archiveBatch(tenant, cutoff);
      moved += batch;
    } while (batch == archiveBatchSize);
    return moved;
  }

  /**
   * Moves up to a batch of a tenant's ledger rows that occurred before a cut-off to the archive, in one short
   * transaction. Counters do not change. Rows locked by a concurrent writer are skipped, so the hot path never waits
   * for archival.
   */
  private int archiveBatch(TenantId tenant, Instant cutoff) {
    Instant before = micros(cutoff);
    return db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      var batch = select(USAGE_LEDGER.TENANT_ID, USAGE_LEDGER.METER, USAGE_LEDGER.USAGE_KEY).from(USAGE_LEDGER)
          .where(USAGE_LEDGER.TENANT_ID.eq(tenant.value()), USAGE_LEDGER.OCCURRED_AT.lt(before))
          .orderBy(USAGE_LEDGER.OCCURRED_AT)
          .limit(archiveBatchSize)
          .forUpdate().skipLocked();
      var moved = dsl.deleteFrom(USAGE_LEDGER)
          .where(row(USAGE_LEDGER.TENANT_ID, USAGE_LEDGER.METER, USAGE_LEDGER.USAGE_KEY).in(batch))
          .returning()
          .fetch();
      if (moved.isEmpty()) {
        return 0;
      }
      var insert = dsl.insertInto(USAGE_ARCHIVE, USAGE_ARCHIVE.TENANT_ID, USAGE_ARCHIVE.METER, USAGE_ARCHIVE.USAGE_KEY,
          USAGE_ARCHIVE.AMOUNT, USAGE_ARCHIVE.OCCURRED_AT, USAGE_ARCHIVE.PERIOD_START, USAGE_ARCHIVE.PERIOD_END,
          USAGE_ARCHIVE.ATTRIBUTES, USAGE_ARCHIVE.ARCHIVED_AT);
      Instant archivedAt = dsl.fetchValue(select(currentInstant()));
      for (var row : moved) {
        insert = insert.values(row.getTenantId(), row.getMeter(), row.getUsageKey(), row.getAmount(),
            row.getOccurredAt(), row.getPeriodStart(), row.getPeriodEnd(), row.getAttributes(), archivedAt);
      }
      // the same transaction: the rows are in the ledger or in the archive, never in neither or both
      return insert.execute();
    });
  }

  // --- purge ----------------------------------------------------------------------------------------------------

  /**
   * Counts a tenant's usage at or after an instant, in the ledger and the archive.
   *
   * @param tenant the tenant
   * @param since the first instant counted
   * @return the summary
   */
  public PurgeSummary previewPurge(TenantId tenant, Instant since) {
    Instant from = micros(since);
    return db.read(dsl -> {
      Map<Meter, Long> amounts = new LinkedHashMap<>();
      long entries = 0;
      for (var r : dsl.select(USAGE_LEDGER.METER.as(METER), count().as(ENTRIES), sum(USAGE_LEDGER.AMOUNT).as(AMOUNT))
          .from(USAGE_LEDGER)
          .where(USAGE_LEDGER.TENANT_ID.eq(tenant.value()), USAGE_LEDGER.OCCURRED_AT.ge(from))
          .groupBy(USAGE_LEDGER.METER)
          .unionAll(select(USAGE_ARCHIVE.METER, count(), sum(USAGE_ARCHIVE.AMOUNT)).from(USAGE_ARCHIVE)
              .where(USAGE_ARCHIVE.TENANT_ID.eq(tenant.value()), USAGE_ARCHIVE.OCCURRED_AT.ge(from))
              .groupBy(USAGE_ARCHIVE.METER))
          .fetch()) {
        entries += r.get(ENTRIES);
        amounts.merge(Meter.of(r.get(METER)), r.get(AMOUNT).longValueExact(), Long::sum);
      }
      return new PurgeSummary(tenant, since, entries, amounts);
    });
  }

  /**
   * Deletes a tenant's usage at or after an instant from the ledger and the archive, subtracts it from the counters,
   * deletes the usage history's roll-up of the days affected and writes the audit entry, in one transaction.
   *
   * @param tenant the tenant
   * @param since the first instant deleted
   * @param audit makes the audit entry from what was deleted
   * @return what was deleted
   */
  public PurgeSummary purge(TenantId tenant, Instant since, Function<PurgeSummary, AuditEntry> audit) {
    Instant from = micros(since);
    record Deleted(Meter meter, Period period, long amount) {}
    PurgeSummary summary = db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      List<Deleted> deleted = new ArrayList<>(dsl.deleteFrom(USAGE_LEDGER)
          .where(USAGE_LEDGER.TENANT_ID.eq(tenant.value()), USAGE_LEDGER.OCCURRED_AT.ge(from))
          .returningResult(USAGE_LEDGER.METER, USAGE_LEDGER.PERIOD_START, USAGE_LEDGER.PERIOD_END, USAGE_LEDGER.AMOUNT)
          .fetch(r -> new Deleted(Meter.of(r.get(USAGE_LEDGER.METER)),
              new Period(r.get(USAGE_LEDGER.PERIOD_START), r.get(USAGE_LEDGER.PERIOD_END)),
              r.get(USAGE_LEDGER.AMOUNT))));
      deleted.addAll(dsl.deleteFrom(USAGE_ARCHIVE)
          .where(USAGE_ARCHIVE.TENANT_ID.eq(tenant.value()), USAGE_ARCHIVE.OCCURRED_AT.ge(from))
          .returningResult(USAGE_ARCHIVE.METER, USAGE_ARCHIVE.PERIOD_START, USAGE_ARCHIVE.PERIOD_END,
              USAGE_ARCHIVE.AMOUNT)
          .fetch(r -> new Deleted(Meter.of(r.get(USAGE_ARCHIVE.METER)),
              new Period(r.get(USAGE_ARCHIVE.PERIOD_START), r.get(USAGE_ARCHIVE.PERIOD_END)),
              r.get(USAGE_ARCHIVE.AMOUNT))));
      Map<Meter, Long> amounts = new LinkedHashMap<>();
      Map<Meter, Map<Period, Long>> byCounter = new LinkedHashMap<>();
      for (Deleted d : deleted) {
        amounts.merge(d.meter(), d.amount(), Long::sum);
        byCounter.computeIfAbsent(d.meter(), m -> new LinkedHashMap<>()).merge(d.period(), d.amount(), Long::sum);
      }
      byCounter.forEach((meter, periods) -> periods.forEach((period, amount) -> dsl.update(COUNTER)
          .set(COUNTER.USED, COUNTER.USED.minus(amount))
          .where(Counters.key(tenant, meter, period)).execute()));
      // the usage history's stored sums of the days purged are summed again at their next read
      UsageHistoryQuery.forgetFrom(dsl, tenant, from);
      PurgeSummary result = new PurgeSummary(tenant, since, deleted.size(), amounts);
      admin.audited(dsl, audit.apply(result));
      return result;
    });
    sink.tenantChanged(tenant);
    return summary;
  }

  // --- verification ---------------------------------------------------------------------------------------------

  /**
   * Compares each counter of a tenant with the sum of its period's entries in the ledger and the archive, in one
   * statement (one snapshot). Counters that never counted anything are left out.
   *
   * @param tenant the tenant
   * @return one check per counter, oldest period first
   */
  public List<CounterCheck> verify(TenantId tenant) {
    return db.read(dsl -> {
      var entries = select(USAGE_LEDGER.METER, USAGE_LEDGER.PERIOD_START, USAGE_LEDGER.PERIOD_END, USAGE_LEDGER.AMOUNT)
          .from(USAGE_LEDGER).where(USAGE_LEDGER.TENANT_ID.eq(tenant.value()))
          .unionAll(select(USAGE_ARCHIVE.METER, USAGE_ARCHIVE.PERIOD_START, USAGE_ARCHIVE.PERIOD_END,
              USAGE_ARCHIVE.AMOUNT).from(USAGE_ARCHIVE).where(USAGE_ARCHIVE.TENANT_ID.eq(tenant.value())))
          .asTable("entries");
      Field<String> eMeter = entries.field(USAGE_LEDGER.METER);
      Field<Instant> eStart = entries.field(USAGE_LEDGER.PERIOD_START);
      Field<Instant> eEnd = entries.field(USAGE_LEDGER.PERIOD_END);
      var sums = select(eMeter, eStart, eEnd, sum(entries.field(USAGE_LEDGER.AMOUNT)).as("total"))
          .from(entries).groupBy(eMeter, eStart, eEnd).asTable("sums");
      Field<String> sMeter = sums.field(eMeter);
      Field<Instant> sStart = sums.field(eStart);
      Field<Instant> sEnd = sums.field(eEnd);
      Field<BigDecimal> sTotal = sums.field("total", BigDecimal.class);
      var counters = select(COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END, COUNTER.USED).from(COUNTER)
          .where(COUNTER.TENANT_ID.eq(tenant.value())).asTable("counters");
      Field<String> cMeter = counters.field(COUNTER.METER);
      Field<Instant> cStart = counters.field(COUNTER.PERIOD_START);
      Field<Instant> cEnd = counters.field(COUNTER.PERIOD_END);
      Field<Long> cUsed = counters.field(COUNTER.USED);
      return dsl.select(coalesce(cMeter, sMeter).as(METER), coalesce(cStart, sStart).as(PERIOD_START),
              coalesce(cEnd, sEnd).as(PERIOD_END), coalesce(cUsed, 0L).as(COUNTER_USED),
              coalesce(sTotal, BigDecimal.ZERO).as(LEDGER_USED))
          .from(counters)
          .fullJoin(sums).on(cMeter.eq(sMeter), cStart.eq(sStart), cEnd.eq(sEnd))
          .where(coalesce(cUsed, 0L).ne(0L).or(sTotal.isNotNull()))
          .orderBy(coalesce(cStart, sStart), coalesce(cEnd, sEnd), coalesce(cMeter, sMeter))
          .fetch(r -> new CounterCheck(Meter.of(r.get(METER)), new Period(r.get(PERIOD_START), r.get(PERIOD_END)),
              r.get(COUNTER_USED), r.get(LEDGER_USED).longValueExact()));
    });
  }

  /**
   * Compares, per meter, the credit draws the tenant's counters record with those its credits record, as
   * {@link dev.quota.spi.MaintenanceStore#verifyCredits} says.
   *
   * @param tenant the tenant
   * @return one check per meter with a credit or a counter with credit drawn
   */
  public List<CreditCheck> verifyCredits(TenantId tenant) {
    return db.read(dsl -> {
      Map<String, Long> counterDrawn = new TreeMap<>();
      Field<BigDecimal> countersDrawn = sum(COUNTER.CREDIT_DRAWN).as("counters_drawn");
      dsl.select(COUNTER.METER, countersDrawn)
          .from(COUNTER)
          .where(COUNTER.TENANT_ID.eq(tenant.value()), COUNTER.CREDIT_DRAWN.gt(0L))
          .groupBy(COUNTER.METER)
          .forEach(r -> counterDrawn.put(r.get(COUNTER.METER), r.get(countersDrawn).longValueExact()));
      Field<Long> drawn = coalesce(ENTITLEMENT.DRAWN, 0L);
      Field<BigDecimal> creditsDrawn = sum(drawn).as("credits_drawn");
      Field<BigDecimal> overdrawn = sum(greatest(drawn.minus(ENTITLEMENT.AMOUNT), val(0L))).as("overdrawn");
      Map<String, long[]> credits = new TreeMap<>();
      dsl.select(ENTITLEMENT.METER, creditsDrawn, overdrawn)
          .from(ENTITLEMENT)
          .where(ENTITLEMENT.TENANT_ID.eq(tenant.value()), ENTITLEMENT.KIND.eq(EntitlementRows.ONE_TIME_CREDIT))
          .groupBy(ENTITLEMENT.METER)
          .forEach(r -> credits.put(r.get(ENTITLEMENT.METER),
              new long[] {r.get(creditsDrawn).longValueExact(), r.get(overdrawn).longValueExact()}));
      TreeMap<String, Boolean> meters = new TreeMap<>();
      counterDrawn.keySet().forEach(m -> meters.put(m, true));
      credits.keySet().forEach(m -> meters.put(m, true));
      List<CreditCheck> checks = new ArrayList<>();
      for (String meter : meters.keySet()) {
        long[] sums = credits.getOrDefault(meter, new long[2]);
        checks.add(new CreditCheck(Meter.of(meter), counterDrawn.getOrDefault(meter, 0L), sums[0], sums[1]));
      }
      return checks;
    });
  }
}

package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static dev.quota.jooq.internal.generated.Tables.ENTITLEMENT;
import static dev.quota.jooq.internal.generated.Tables.RESERVATION_HOLD;
import static dev.quota.jooq.internal.generated.Tables.TENANT;
import static dev.quota.jooq.internal.generated.Tables.USAGE_ARCHIVE;
import static dev.quota.jooq.internal.generated.Tables.USAGE_LEDGER;
import static org.jooq.impl.DSL.array;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.currentInstant;
import static org.jooq.impl.DSL.deleteFrom;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.greatest;
import static org.jooq.impl.DSL.inline;
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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
  // The columns of verification's entries and compaction's doomed counters, named apart from every table's so that
  // they are referred to unqualified: a qualified reference to a common table expression would be rendered in
  // quota's schema by the store's schema mapping.
  private static final Field<String> E_METER = field(name("e_meter"), SQLDataType.VARCHAR);
  private static final Field<Instant> E_START = field(name("e_start"), SQLDataType.INSTANT);
  private static final Field<Instant> E_END = field(name("e_end"), SQLDataType.INSTANT);
  private static final Field<Instant> E_AT = field(name("e_at"), SQLDataType.INSTANT);
  private static final Field<Long> E_AMOUNT = field(name("e_amount"), SQLDataType.BIGINT);
  private static final Field<Boolean> E_OWN = field(name("e_own"), SQLDataType.BOOLEAN);
  private static final Field<String> D_TENANT = field(name("d_tenant"), SQLDataType.VARCHAR);
  private static final Field<String> D_METER = field(name("d_meter"), SQLDataType.VARCHAR);
  private static final Field<Instant> D_START = field(name("d_start"), SQLDataType.INSTANT);
  private static final Field<Instant> D_END = field(name("d_end"), SQLDataType.INSTANT);

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
          USAGE_ARCHIVE.ATTRIBUTES, USAGE_ARCHIVE.ARCHIVED_AT, USAGE_ARCHIVE.COUNTED_PATH);
      Instant archivedAt = dsl.fetchValue(select(currentInstant()));
      for (var row : moved) {
        insert = insert.values(row.getTenantId(), row.getMeter(), row.getUsageKey(), row.getAmount(),
            row.getOccurredAt(), row.getPeriodStart(), row.getPeriodEnd(), row.getAttributes(), archivedAt,
            row.getCountedPath());
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
    Set<TenantId> ancestors = new TreeSet<>(Comparator.comparing(TenantId::value));
    PurgeSummary summary = db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      List<Deleted> deleted = new ArrayList<>(dsl.deleteFrom(USAGE_LEDGER)
          .where(USAGE_LEDGER.TENANT_ID.eq(tenant.value()), USAGE_LEDGER.OCCURRED_AT.ge(from))
          .returningResult(USAGE_LEDGER.METER, USAGE_LEDGER.PERIOD_START, USAGE_LEDGER.PERIOD_END, USAGE_LEDGER.AMOUNT,
              USAGE_LEDGER.OCCURRED_AT, USAGE_LEDGER.COUNTED_PATH)
          .fetch(r -> new Deleted(r.get(USAGE_LEDGER.METER),
              new Period(r.get(USAGE_LEDGER.PERIOD_START), r.get(USAGE_LEDGER.PERIOD_END)),
              r.get(USAGE_LEDGER.AMOUNT), r.get(USAGE_LEDGER.OCCURRED_AT), r.get(USAGE_LEDGER.COUNTED_PATH))));
      deleted.addAll(dsl.deleteFrom(USAGE_ARCHIVE)
          .where(USAGE_ARCHIVE.TENANT_ID.eq(tenant.value()), USAGE_ARCHIVE.OCCURRED_AT.ge(from))
          .returningResult(USAGE_ARCHIVE.METER, USAGE_ARCHIVE.PERIOD_START, USAGE_ARCHIVE.PERIOD_END,
              USAGE_ARCHIVE.AMOUNT, USAGE_ARCHIVE.OCCURRED_AT, USAGE_ARCHIVE.COUNTED_PATH)
          .fetch(r -> new Deleted(r.get(USAGE_ARCHIVE.METER),
              new Period(r.get(USAGE_ARCHIVE.PERIOD_START), r.get(USAGE_ARCHIVE.PERIOD_END)),
              r.get(USAGE_ARCHIVE.AMOUNT), r.get(USAGE_ARCHIVE.OCCURRED_AT), r.get(USAGE_ARCHIVE.COUNTED_PATH))));
      Map<Meter, Long> amounts = new LinkedHashMap<>();
      // every counter an entry counted in, in the lock order of the counters (tenant, meter, period)
      Map<CounterKey, Long> subtract = new TreeMap<>();
      Map<CounterKey, List<Deleted>> byLevel = new LinkedHashMap<>();
      for (Deleted d : deleted) {
        amounts.merge(Meter.of(d.meter()), d.amount(), Long::sum);
        // the tenant's own period counter: the one the entry names, as for every entry
        subtract.merge(new CounterKey(tenant.value(), d.meter(), d.period().start(), d.period().end()), d.amount(),
            Long::sum);
        // the tenant's short windows, and every counter of every ancestor the entry counted at, by its instant
        byLevel.computeIfAbsent(new CounterKey(tenant.value(), d.meter(), null, null), k -> new ArrayList<>()).add(d);
        if (d.path() != null) {
          for (String level : d.path()) {
            if (!level.equals(tenant.value())) {
              ancestors.add(TenantId.of(level));
              byLevel.computeIfAbsent(new CounterKey(level, d.meter(), null, null), k -> new ArrayList<>()).add(d);
            }
          }
        }
      }
      byLevel.forEach((level, entries) -> countersByInstant(dsl, level, level.tenant().equals(tenant.value()),
          entries, subtract));
      if (!subtract.isEmpty()) {
        Counters.lock(dsl, row(COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END)
            .in(subtract.keySet().stream().map(k -> row(k.tenant(), k.meter(), k.start(), k.end())).toList()));
        dsl.batch(subtract.entrySet().stream().map(e -> dsl.update(COUNTER)
            .set(COUNTER.USED, COUNTER.USED.minus(e.getValue()))
            .where(Counters.key(TenantId.of(e.getKey().tenant()), Meter.of(e.getKey().meter()),
                new Period(e.getKey().start(), e.getKey().end()))))
            .toList()).execute();
      }
      // the usage history's stored sums of the days purged are summed again at their next read
      UsageHistoryQuery.forgetFrom(dsl, tenant, from);
      PurgeSummary result = new PurgeSummary(tenant, since, deleted.size(), amounts);
      admin.audited(dsl, audit.apply(result));
      // the ancestors' counters went down too: their cached states elsewhere must not outlive the change
      ancestors.forEach(a -> admin.announced(dsl, a));
      return result;
    });
    sink.tenantChanged(tenant);
    ancestors.forEach(sink::tenantChanged);
    return summary;
  }

  /** A deleted entry: its meter, its own period counter, amount, instant and the path it counted against. */
  private record Deleted(String meter, Period period, long amount, Instant occurredAt, String[] path) {}

  /** A counter's key, ordered as counters are locked: by tenant, meter, then period start and end. */
  private record CounterKey(String tenant, String meter, Instant start, Instant end) implements Comparable<CounterKey> {
    private static final Comparator<CounterKey> ORDER = Comparator.comparing(CounterKey::tenant)
        .thenComparing(CounterKey::meter).thenComparing(CounterKey::start).thenComparing(CounterKey::end);

    @Override
    public int compareTo(CounterKey other) {
      return ORDER.compare(this, other);
    }
  }

  /**
   * Adds to {@code subtract} the entries' amounts for each counter of a level and meter whose period contains their
   * instants: every counter of an ancestor, only the short windows of the purged tenant (its period counter is the
   * one each entry names). The entries are sorted by instant and summed by prefix, so many windows cost a search
   * each.
   */
  private static void countersByInstant(DSLContext dsl, CounterKey level, boolean windowsOnly, List<Deleted> entries,
      Map<CounterKey, Long> subtract) {
    entries.sort(Comparator.comparing(Deleted::occurredAt));
    Instant[] instants = new Instant[entries.size()];
    long[] prefix = new long[entries.size() + 1];
    for (int i = 0; i < instants.length; i++) {
      instants[i] = entries.get(i).occurredAt();
      prefix[i + 1] = prefix[i] + entries.get(i).amount();
    }
    Instant first = instants[0];
    Instant last = instants[instants.length - 1];
    dsl.select(COUNTER.PERIOD_START, COUNTER.PERIOD_END).from(COUNTER)
        .where(COUNTER.TENANT_ID.eq(level.tenant()), COUNTER.METER.eq(level.meter()),
            COUNTER.PERIOD_START.le(last), COUNTER.PERIOD_END.gt(first),
            windowsOnly ? COUNTER.TIME_WINDOW.isNotNull() : noCondition())
        .forEach(r -> {
          Instant start = r.get(COUNTER.PERIOD_START);
          Instant end = r.get(COUNTER.PERIOD_END);
          long amount = prefix[firstAtOrAfter(instants, end)] - prefix[firstAtOrAfter(instants, start)];
          if (amount != 0) {
            subtract.merge(new CounterKey(level.tenant(), level.meter(), start, end), amount, Long::sum);
          }
        });
  }

  /** The index of the first instant at or after {@code at} in a sorted array (its length if none). */
  private static int firstAtOrAfter(Instant[] sorted, Instant at) {
    int low = 0;
    int high = sorted.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (sorted[mid].isBefore(at)) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  // --- verification ---------------------------------------------------------------------------------------------

  /**
   * Compares each counter of a tenant with the entries that counted in it, in the ledger and the archive, in one
   * statement (one snapshot). Counters that never counted anything are left out.
   *
   * <p>A period counter counts the tenant's own entries of its period (the period each entry names, as always) and
   * its descendants' entries whose counted path contains the tenant and whose instant lies in the period. A short
   * window's counter counts the entries, the tenant's own and its descendants', whose instant lies in the window. For a
   * tenant without descendants and short windows that is exactly the comparison of its periods with its entries.
   *
   * @param tenant the tenant
   * @return one check per counter, oldest period first
   */
  public List<CounterCheck> verify(TenantId tenant) {
    return db.read(dsl -> {
      Field<String[]> level = array(val(tenant.value()).cast(SQLDataType.VARCHAR(255)));
      // the tenant's entries (own = true) and its descendants' that counted at it (own = false), live and archived
      var entries = name("entries").fields(E_METER.getName(), E_START.getName(), E_END.getName(), E_AT.getName(),
          E_AMOUNT.getName(), E_OWN.getName()).as(
          select(USAGE_LEDGER.METER, USAGE_LEDGER.PERIOD_START, USAGE_LEDGER.PERIOD_END, USAGE_LEDGER.OCCURRED_AT,
              USAGE_LEDGER.AMOUNT, inline(true))
              .from(USAGE_LEDGER).where(USAGE_LEDGER.TENANT_ID.eq(tenant.value()))
              .unionAll(select(USAGE_LEDGER.METER, USAGE_LEDGER.PERIOD_START, USAGE_LEDGER.PERIOD_END,
                  USAGE_LEDGER.OCCURRED_AT, USAGE_LEDGER.AMOUNT, inline(false))
                  .from(USAGE_LEDGER).where(USAGE_LEDGER.COUNTED_PATH.contains(level),
                      USAGE_LEDGER.TENANT_ID.ne(tenant.value())))
              .unionAll(select(USAGE_ARCHIVE.METER, USAGE_ARCHIVE.PERIOD_START, USAGE_ARCHIVE.PERIOD_END,
                  USAGE_ARCHIVE.OCCURRED_AT, USAGE_ARCHIVE.AMOUNT, inline(true))
                  .from(USAGE_ARCHIVE).where(USAGE_ARCHIVE.TENANT_ID.eq(tenant.value())))
              .unionAll(select(USAGE_ARCHIVE.METER, USAGE_ARCHIVE.PERIOD_START, USAGE_ARCHIVE.PERIOD_END,
                  USAGE_ARCHIVE.OCCURRED_AT, USAGE_ARCHIVE.AMOUNT, inline(false))
                  .from(USAGE_ARCHIVE).where(USAGE_ARCHIVE.COUNTED_PATH.contains(level),
                      USAGE_ARCHIVE.TENANT_ID.ne(tenant.value()))));

      Field<String> eMeter = E_METER;
      Field<Instant> eStart = E_START;
      Field<Instant> eEnd = E_END;
      Field<Instant> eAt = E_AT;
      Field<Long> eAmount = E_AMOUNT;
      Field<Boolean> eOwn = E_OWN;
      // period counters against the tenant's own entries by the period they name (a full join, as before trees) ...
      var sums = select(eMeter, eStart, eEnd, sum(eAmount).as("total"))
          .from(entries).where(eOwn).groupBy(eMeter, eStart, eEnd).asTable("sums");
      Field<String> sMeter = sums.field(eMeter);
      Field<Instant> sStart = sums.field(eStart);
      Field<Instant> sEnd = sums.field(eEnd);
      Field<BigDecimal> sTotal = sums.field("total", BigDecimal.class);
      var counters = select(COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END, COUNTER.USED).from(COUNTER)
          .where(COUNTER.TENANT_ID.eq(tenant.value()), COUNTER.TIME_WINDOW.isNull()).asTable("counters");
      Field<String> cMeter = counters.field(COUNTER.METER);
      Field<Instant> cStart = counters.field(COUNTER.PERIOD_START);
      Field<Instant> cEnd = counters.field(COUNTER.PERIOD_END);
      Field<Long> cUsed = counters.field(COUNTER.USED);
      Field<String> meter = coalesce(cMeter, sMeter);
      Field<Instant> start = coalesce(cStart, sStart);
      Field<Instant> end = coalesce(cEnd, sEnd);
      // ... plus the descendants' entries by instant
      Field<BigDecimal> descendants = field(select(sum(eAmount)).from(entries)
          .where(eOwn.isFalse(), eMeter.eq(meter), eAt.ge(start), eAt.lt(end)));
      var periods = select(meter.as(METER), start.as(PERIOD_START), end.as(PERIOD_END),
          coalesce(cUsed, 0L).as(COUNTER_USED),
          coalesce(sTotal, BigDecimal.ZERO).plus(coalesce(descendants, BigDecimal.ZERO)).as(LEDGER_USED))
          .from(counters)
          .fullJoin(sums).on(cMeter.eq(sMeter), cStart.eq(sStart), cEnd.eq(sEnd))
          .where(coalesce(cUsed, 0L).ne(0L).or(sTotal.isNotNull()).or(descendants.isNotNull()));

      // short windows against every entry that counted at the tenant, by instant
      Field<BigDecimal> inWindow = field(select(sum(eAmount)).from(entries)
          .where(eMeter.eq(COUNTER.METER), eAt.ge(COUNTER.PERIOD_START), eAt.lt(COUNTER.PERIOD_END)));
      var windows = select(COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END, COUNTER.USED,
          coalesce(inWindow, BigDecimal.ZERO))
          .from(COUNTER)
          .where(COUNTER.TENANT_ID.eq(tenant.value()), COUNTER.TIME_WINDOW.isNotNull(),
              COUNTER.USED.ne(0L).or(inWindow.isNotNull()));

      var checks = periods.unionAll(windows).asTable("checks");
      return dsl.with(entries)
          .select(checks.field(METER), checks.field(PERIOD_START), checks.field(PERIOD_END),
              checks.field(COUNTER_USED), checks.field(LEDGER_USED))
          .from(checks)
          .orderBy(checks.field(PERIOD_START), checks.field(PERIOD_END), checks.field(METER))
          .fetch(r -> new CounterCheck(Meter.of(r.get(METER)), new Period(r.get(PERIOD_START), r.get(PERIOD_END)),
              r.get(COUNTER_USED), r.get(LEDGER_USED).longValueExact()));
    });
  }

  // --- compaction -----------------------------------------------------------------------------------------------

  /**
   * Deletes up to {@code max} counters of short windows that ended before an instant, with the holds taken in them,
   * in one statement: the oldest ended windows are chosen by the index on their end, then locked in the counters'
   * lock order (tenant, meter, period), so that compaction waits for a write on one of them instead of deadlocking
   * with it. Period counters are never chosen.
   *
   * @param endedBefore windows that ended before it go
   * @param max the most counters deleted
   * @return how many were deleted
   */
  public int compactWindows(Instant endedBefore, int max) {
    Instant before = micros(endedBefore);
    return db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      var key = row(COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END);
      var ended = select(COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END).from(COUNTER)
          .where(COUNTER.TIME_WINDOW.isNotNull(), COUNTER.PERIOD_END.lt(before))
          .orderBy(COUNTER.PERIOD_END)
          .limit(max);
      var doomed = name("doomed").fields(D_TENANT.getName(), D_METER.getName(), D_START.getName(), D_END.getName())
          .as(select(COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END).from(COUNTER)
              .where(key.in(ended), COUNTER.TIME_WINDOW.isNotNull(), COUNTER.PERIOD_END.lt(before))
              .orderBy(COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END)
              .forUpdate());
      var holds = name("holds").fields("holder_id").as(deleteFrom(RESERVATION_HOLD).using(doomed)
          .where(RESERVATION_HOLD.TENANT_ID.eq(D_TENANT), RESERVATION_HOLD.METER.eq(D_METER),
              RESERVATION_HOLD.PERIOD_START.eq(D_START), RESERVATION_HOLD.PERIOD_END.eq(D_END))
          .returningResult(RESERVATION_HOLD.HOLDER_ID));
      return dsl.with(doomed).with(holds).delete(COUNTER).using(doomed)
          .where(COUNTER.TENANT_ID.eq(D_TENANT), COUNTER.METER.eq(D_METER), COUNTER.PERIOD_START.eq(D_START),
              COUNTER.PERIOD_END.eq(D_END))
          .execute();
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

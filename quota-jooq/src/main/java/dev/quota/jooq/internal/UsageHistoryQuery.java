package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.generated.Tables.USAGE_ARCHIVE;
import static dev.quota.jooq.internal.generated.Tables.USAGE_LEDGER;
import static dev.quota.jooq.internal.generated.Tables.USAGE_ROLLUP;
import static org.jooq.impl.DSL.currentInstant;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.sum;
import static org.jooq.impl.DSL.val;

import dev.quota.Meter;
import dev.quota.TenantId;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.SQLDataType;

/**
 * A tenant's usage on a meter summed per bucket, from the roll-up of closed days (migration V12) and, for the rest of
 * the range, from the ledger and the archive.
 *
 * <p><b>The roll-up.</b> {@code usage_rollup} holds, per tenant, meter and UTC day, the sums of the day's 96
 * quarter-hours. Quarter-hours because every zone in use is offset from UTC by whole quarter-hours (+05:30, +05:45,
 * summer time included): every local midnight and whole local hour is a quarter-hour edge in UTC, so one roll-up,
 * whatever the catalogue's zone, gives exact days and hours. UTC days as rows because a row per day keeps a 31-day
 * history at 32 rows while the part read from the ledger (the days not yet closed) stays under a day and
 * {@link #CLOSED_AFTER}. A history whose edges are not all quarter-hours (a zone's historical local mean time) is read
 * from the ledger alone, as before the roll-up.
 *
 * <p><b>Filled by reading.</b> Usage writes never touch the roll-up: the first history that covers a closed day
 * without a row sums the day from the ledger and the archive and stores it ({@code ON CONFLICT DO NOTHING}, so
 * readers racing for the same day store it once, with the same sums). A day is closed once the database's clock is
 * {@link #CLOSED_AFTER} past its end; an open day is never stored. The fill takes a transaction-scoped advisory lock
 * per tenant that {@link #forgetFrom purge} takes too, so a fill never stores sums read before a purge after the purge
 * deleted the day's row. Archiving moves entries with their instants and amounts, in one transaction, and the sums
 * read both tables in one statement, so archiving changes no sum and needs no lock. The stored days and the open rest
 * are read by separate statements: a history read while a purge commits may show the purge in its open days only.
 *
 * <p>Each table is read by its index on (tenant, meter, occurred_at) including the amount (migration V8);
 * PostgreSQL's {@code width_bucket} over the bound edges puts each entry in its bucket, whatever the buckets' lengths.
 */
public final class UsageHistoryQuery {
  /**
   * How long after its end a UTC day is closed, by the database's clock: 15 minutes. An entry's instant is taken on
   * the writing instance's clock before its transaction runs, so an entry of a day can commit after the day ended on
   * the database's clock by the instance's clock lag plus the write's own delay (a combined batch, a lock wait, the
   * retries of a serialization failure). Clocks kept by NTP agree within a second, and a write that waits minutes
   * has long failed under any sensible statement or lock timeout; 15 minutes covers both with room, and costs only
   * that the day just ended is read from the ledger for 15 minutes longer. An entry committed later than that into
   * a stored day is missing from the history (never from balances or {@code verify}) until that day's row is
   * deleted, which is always safe: the next history stores it again.
   */
  public static final Duration CLOSED_AFTER = Duration.ofMinutes(15);

  /** The roll-up's grain. */
  static final Duration QUARTER = Duration.ofMinutes(15);
  /** Quarter-hours in a UTC day (UTC has no summer time). */
  static final int QUARTERS_PER_DAY = 96;

  private static final long QUARTER_SECONDS = QUARTER.toSeconds();
  private static final long DAY_SECONDS = Duration.ofDays(1).toSeconds();
  private static final BigDecimal MAX_LONG = BigDecimal.valueOf(Long.MAX_VALUE);
  private static final Long[] NO_USAGE = new Long[0];
  /** The first key of the roll-up's advisory lock (the second is the tenant's): "QR" + "UP". */
  private static final int ROLLUP_LOCK = 0x5152_5550;

  private final Db db;
  private final Function<DSLContext, Instant> databaseClock;

  /** @param db the statements' runner */
  public UsageHistoryQuery(Db db) {
    this(db, dsl -> dsl.fetchValue(select(currentInstant())));
  }

  /**
   * @param db the statements' runner
   * @param databaseClock reads the instant days are closed by, in the history's transaction (tests give a fixed one)
   */
  public UsageHistoryQuery(Db db, Function<DSLContext, Instant> databaseClock) {
    this.db = db;
    this.databaseClock = databaseClock;
  }

  /**
   * Sums per bucket, as {@link dev.quota.spi.AdminStore#usageHistory} defines them.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param edges the buckets' edges, ascending, at least two
   * @return one sum per bucket
   */
  public List<Long> sums(TenantId tenant, Meter meter, List<Instant> edges) {
    if (!edges.stream().allMatch(UsageHistoryQuery::onQuarter)) {
      return db.read(dsl -> ledgerSums(dsl, tenant, meter, edges));
    }
    return db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      Instant from = edges.get(0);
      Instant to = edges.get(edges.size() - 1);
      // the roll-up covers [from, rolledUpTo): every day that ends by then is closed
      Instant closedDays = dayStart(databaseClock.apply(dsl).minus(CLOSED_AFTER));
      Instant rolledUpTo = to.isBefore(closedDays) ? to : closedDays;
      long[] sums = new long[edges.size() - 1];
      if (rolledUpTo.isAfter(from)) {
        Map<Instant, Long[]> days = rolledUpDays(dsl, tenant, meter, dayStart(from), rolledUpTo);
        for (int i = 0; i < sums.length; i++) {
          Instant end = edges.get(i + 1).isBefore(rolledUpTo) ? edges.get(i + 1) : rolledUpTo;
          for (Instant q = edges.get(i); q.isBefore(end); q = q.plus(QUARTER)) {
            Long[] quarters = days.get(dayStart(q));
            if (quarters.length > 0) {
              sums[i] = saturatedAdd(sums[i], quarters[quarterOfDay(q)]);
            }
          }
        }
      }
      if (rolledUpTo.isBefore(to)) {
        // the open rest of the range, from the ledger: its edges start where the roll-up ends
        Instant tailStart = rolledUpTo.isAfter(from) ? rolledUpTo : from;
        int first = 0;
        while (!edges.get(first + 1).isAfter(tailStart)) {
          first++;
        }
        List<Instant> tail = new ArrayList<>();
        tail.add(tailStart);
        tail.addAll(edges.subList(first + 1, edges.size()));
        List<Long> tailSums = ledgerSums(dsl, tenant, meter, tail);
        for (int j = 0; j < tailSums.size(); j++) {
          sums[first + j] = saturatedAdd(sums[first + j], tailSums.get(j));
        }
      }
      List<Long> result = new ArrayList<>(sums.length);
      for (long s : sums) {
        result.add(s);
      }
      return result;
    });
  }

  /**
   * The quarter-hour sums of the UTC days from {@code firstDay} to the day holding the instant before {@code end},
   * all closed: read from the roll-up, and for the days without a row, summed from the ledger and stored.
   */
  private Map<Instant, Long[]> rolledUpDays(DSLContext dsl, TenantId tenant, Meter meter, Instant firstDay,
      Instant end) {
    Instant endDay = dayEnd(end);
    long dayCount = ChronoUnit.DAYS.between(firstDay, endDay);
    Map<Instant, Long[]> days = storedDays(dsl, tenant, meter, firstDay, endDay);
    if (days.size() == dayCount) {
      return days;
    }
    lockRollups(dsl, tenant);
    // a reader that held the lock before may have stored the days: read again rather than sum them twice
    days = storedDays(dsl, tenant, meter, firstDay, endDay);
    if (days.size() == dayCount) {
      return days;
    }
    var insert = dsl.insertInto(USAGE_ROLLUP, USAGE_ROLLUP.TENANT_ID, USAGE_ROLLUP.METER, USAGE_ROLLUP.DAY,
        USAGE_ROLLUP.QUARTERS);
    // each run of consecutive days without a row is summed by one statement, per quarter-hour
    Instant day = firstDay;
    while (day.isBefore(endDay)) {
      if (days.containsKey(day)) {
        day = day.plus(Duration.ofDays(1));
        continue;
      }
      Instant runEnd = day;
      while (runEnd.isBefore(endDay) && !days.containsKey(runEnd)) {
        runEnd = runEnd.plus(Duration.ofDays(1));
      }
      List<Instant> quarterEdges = new ArrayList<>();
      for (Instant q = day; !q.isAfter(runEnd); q = q.plus(QUARTER)) {
        quarterEdges.add(q);
      }
      List<Long> quarterSums = ledgerSums(dsl, tenant, meter, quarterEdges);
      for (int d = 0; day.isBefore(runEnd); d++, day = day.plus(Duration.ofDays(1))) {
        List<Long> ofDay = quarterSums.subList(d * QUARTERS_PER_DAY, (d + 1) * QUARTERS_PER_DAY);
        Long[] quarters = ofDay.stream().allMatch(s -> s == 0) ? NO_USAGE : ofDay.toArray(Long[]::new);
        days.put(day, quarters);
        insert = insert.values(tenant.value(), meter.name(), day, quarters);
      }
    }
    // a concurrent reader may have stored some of these days meanwhile, with the same sums: its rows stay
    insert.onConflictDoNothing().execute();
    return days;
  }

  private static Map<Instant, Long[]> storedDays(DSLContext dsl, TenantId tenant, Meter meter, Instant firstDay,
      Instant endDay) {
    Map<Instant, Long[]> days = new HashMap<>();
    dsl.select(USAGE_ROLLUP.DAY, USAGE_ROLLUP.QUARTERS).from(USAGE_ROLLUP)
        .where(USAGE_ROLLUP.TENANT_ID.eq(tenant.value()), USAGE_ROLLUP.METER.eq(meter.name()),
            USAGE_ROLLUP.DAY.ge(firstDay), USAGE_ROLLUP.DAY.lt(endDay))
        .forEach(r -> days.put(r.get(USAGE_ROLLUP.DAY), r.get(USAGE_ROLLUP.QUARTERS)));
    return days;
  }

  /**
   * Deletes a tenant's roll-up from the UTC day holding an instant on, in a purge's transaction, after taking the lock
   * a fill takes: a fill that read the ledger before the purge has committed its rows by then (and they are deleted
   * here), one that comes after reads the ledger without the purged entries.
   *
   * @param dsl the purge's transaction
   * @param tenant the tenant purged
   * @param since the first instant purged
   */
  public static void forgetFrom(DSLContext dsl, TenantId tenant, Instant since) {
    lockRollups(dsl, tenant);
    dsl.deleteFrom(USAGE_ROLLUP)
        .where(USAGE_ROLLUP.TENANT_ID.eq(tenant.value()), USAGE_ROLLUP.DAY.ge(dayStart(since)))
        .execute();
  }

  /** Serializes a tenant's roll-up fills with its purges, until the transaction ends. */
  private static void lockRollups(DSLContext dsl, TenantId tenant) {
    // a collision of two tenants' hashes only makes one wait for the other's short fill
    dsl.select(function(name("pg_advisory_xact_lock"), SQLDataType.OTHER, val(ROLLUP_LOCK),
        val(tenant.value().hashCode()))).fetch();
  }

  /** Sums the ledger's and the archive's entries per bucket, in one statement (one snapshot). */
  private static List<Long> ledgerSums(DSLContext dsl, TenantId tenant, Meter meter, List<Instant> edges) {
    Instant from = edges.get(0);
    Instant to = edges.get(edges.size() - 1);
    var entries = select(USAGE_LEDGER.OCCURRED_AT, USAGE_LEDGER.AMOUNT).from(USAGE_LEDGER)
        .where(USAGE_LEDGER.TENANT_ID.eq(tenant.value()), USAGE_LEDGER.METER.eq(meter.name()),
            USAGE_LEDGER.OCCURRED_AT.ge(from), USAGE_LEDGER.OCCURRED_AT.lt(to))
        .unionAll(select(USAGE_ARCHIVE.OCCURRED_AT, USAGE_ARCHIVE.AMOUNT).from(USAGE_ARCHIVE)
            .where(USAGE_ARCHIVE.TENANT_ID.eq(tenant.value()), USAGE_ARCHIVE.METER.eq(meter.name()),
                USAGE_ARCHIVE.OCCURRED_AT.ge(from), USAGE_ARCHIVE.OCCURRED_AT.lt(to)))
        .asTable("entries");
    OffsetDateTime[] thresholds = edges.stream().map(e -> e.atOffset(ZoneOffset.UTC)).toArray(OffsetDateTime[]::new);
    // width_bucket gives 1 for [edges[0], edges[1]), 2 for the next bucket, and so on
    Field<Integer> bucket = function(name("width_bucket"), SQLDataType.INTEGER,
        entries.field(USAGE_LEDGER.OCCURRED_AT).cast(SQLDataType.TIMESTAMPWITHTIMEZONE),
        val(thresholds, SQLDataType.TIMESTAMPWITHTIMEZONE.array())).as("bucket");
    Field<BigDecimal> total = sum(entries.field(USAGE_LEDGER.AMOUNT)).as("total");
    List<Long> sums = new ArrayList<>(edges.size() - 1);
    for (int i = 1; i < edges.size(); i++) {
      sums.add(0L);
    }
    dsl.select(bucket, total).from(entries).groupBy(bucket).fetch().forEach(r -> {
      int index = r.get(bucket) - 1;
      if (index >= 0 && index < sums.size()) {
        BigDecimal sum = r.get(total);
        sums.set(index, sum.compareTo(MAX_LONG) > 0 ? Long.MAX_VALUE : sum.longValueExact());
      }
    });
    return sums;
  }

  private static boolean onQuarter(Instant instant) {
    return instant.getNano() == 0 && Math.floorMod(instant.getEpochSecond(), QUARTER_SECONDS) == 0;
  }

  /** @return the start of the UTC day holding an instant */
  static Instant dayStart(Instant instant) {
    return Instant.ofEpochSecond(Math.floorDiv(instant.getEpochSecond(), DAY_SECONDS) * DAY_SECONDS);
  }

  /** @return the end of the UTC day holding the instant just before this one */
  private static Instant dayEnd(Instant end) {
    Instant start = dayStart(end);
    return start.equals(end) ? end : start.plus(Duration.ofDays(1));
  }

  private static int quarterOfDay(Instant instant) {
    return (int) (Math.floorMod(instant.getEpochSecond(), DAY_SECONDS) / QUARTER_SECONDS);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}

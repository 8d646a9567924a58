package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static dev.quota.jooq.internal.generated.Tables.TENANT;
import static dev.quota.jooq.internal.generated.Tables.USAGE_LEDGER;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.val;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import java.time.Instant;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.SQLDataType;

/**
 * The counter rows that every write goes through: how one is found (by its key), created (under the tenant's lock, with
 * the tenant's version), locked with others (in one order) and read back after a write.
 */
public final class Counters {
  private final Db db;
  private final CounterRules rules;

  /**
   * @param db the statements' runner
   * @param rules the counter rules
   */
  public Counters(Db db, CounterRules rules) {
    this.db = db;
    this.rules = rules;
  }

  /** @return the rules the counters follow */
  CounterRules rules() {
    return rules;
  }

  /**
   * One counter row, as bounds on the primary key that no other index can serve (a row comparison both ways): the
   * driver's prepared statements get generic plans, and with statistics that lag behind, the index on (meter, period)
   * can look as cheap as the key and would read every tenant's counter of the period.
   */
  static Condition key(TenantId tenant, Meter meter, Period period) {
    var key = row(COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END);
    var value = row(val(tenant.value()), val(meter.name()), val(micros(period.start())), val(micros(period.end())));
    return key.ge(value).and(key.le(value));
  }

  /**
   * One ledger row, as bounds on the primary key (see {@link #key}: the index on (tenant, meter, period) would read
   * every entry of the tenant).
   */
  static Condition ledgerKey(TenantId tenant, Meter meter, UsageKey key) {
    var pk = row(USAGE_LEDGER.TENANT_ID, USAGE_LEDGER.METER, USAGE_LEDGER.USAGE_KEY);
    var value = row(val(tenant.value()), val(meter.name()), val(key.value()));
    return pk.ge(value).and(pk.le(value));
  }

  /**
   * Locks counter rows by meter, then period: the one order in which every transaction that changes several counter
   * rows of a tenant locks them (admin changes, sweeps, a commit across a period boundary), so that two of them never
   * wait for each other. An {@code UPDATE} alone locks rows in whatever order its plan visits them.
   */
  static void lock(DSLContext dsl, Condition which) {
    dsl.select(COUNTER.METER).from(COUNTER).where(which)
        .orderBy(COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END)
        .forUpdate()
        .fetch();
  }

  /**
   * Creates a counter row, under a share lock on the tenant row so that it carries the tenant's current version
   * whatever admin change runs concurrently (an admin change either sees the new row or is seen by it).
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param period the period
   * @param expectedVersion the version the write that needs the row was computed from
   * @return {@code false} if the tenant's version is not the expected one (nothing created)
   */
  public boolean ensure(TenantId tenant, Meter meter, Period period, long expectedVersion) {
    return db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      dsl.insertInto(TENANT, TENANT.TENANT_ID, TENANT.VERSION).values(tenant.value(), 0L)
          .onConflictDoNothing().execute();
      long version = dsl.select(TENANT.VERSION).from(TENANT).where(TENANT.TENANT_ID.eq(tenant.value()))
          .forShare().fetchSingle(TENANT.VERSION);
      if (version != expectedVersion) {
        return false;
      }
      dsl.insertInto(COUNTER, COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END,
              COUNTER.USED, COUNTER.RESERVED, COUNTER.VERSION)
          .values(tenant.value(), meter.name(), micros(period.start()), micros(period.end()), 0L, 0L, version)
          .onConflictDoNothing()
          .execute();
      return true;
    });
  }

  /**
   * Reads a counter as it stands at an instant (expired holds subtracted), in the caller's transaction.
   *
   * @return the counter, all zero if it has no row
   */
  StoredCounter read(DSLContext dsl, TenantId tenant, Meter meter, Period period, Instant at) {
    var reservedNow = rules.reservedAt(val(at, SQLDataType.INSTANT)).as("reserved_now");
    var nextExpiry = rules.nextExpiryAfter(val(at, SQLDataType.INSTANT)).as("next_expiry");
    Record r = dsl.select(COUNTER.PERIOD_START, COUNTER.PERIOD_END, COUNTER.USED, reservedNow, nextExpiry)
        .from(COUNTER).where(key(tenant, meter, period))
        .fetchOne();
    return r == null ? new StoredCounter(period, 0, 0, null)
        : new StoredCounter(new Period(r.get(COUNTER.PERIOD_START), r.get(COUNTER.PERIOD_END)), r.get(COUNTER.USED),
            r.get(reservedNow), r.get(nextExpiry));
  }

  /**
   * The counter as a write left it, from the raw row its statement returned. The row is the one updated, but a
   * sub-select in the same statement would read the statement's snapshot, which predates a sweep the write may have
   * waited for, and subtract holds that the sweep had already taken out of {@code reserved}. So {@code reserved}
   * comes back raw, and only when one of its holds has expired by {@code at} does a statement of its own (a fresh
   * snapshot, under the row lock this transaction now holds) subtract the expired holds.
   */
  StoredCounter afterWrite(DSLContext dsl, TenantId tenant, Meter meter, Period period, long used, long reserved,
      Instant nextHoldExpiry, Instant at) {
    if (nextHoldExpiry == null || !CounterRules.expired(nextHoldExpiry, at)) {
      return new StoredCounter(period, used, reserved, nextHoldExpiry);
    }
    return read(dsl, tenant, meter, period, at);
  }
}

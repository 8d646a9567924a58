package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static dev.quota.jooq.internal.generated.Tables.RESERVATION;
import static dev.quota.jooq.internal.generated.Tables.USAGE_ARCHIVE;
import static dev.quota.jooq.internal.generated.Tables.USAGE_LEDGER;
import static dev.quota.jooq.internal.Db.micros;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.least;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.val;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.jooq.internal.generated.tables.Reservation;
import dev.quota.jooq.internal.generated.tables.UsageArchive;
import dev.quota.jooq.internal.generated.tables.UsageLedger;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jooq.DSLContext;

/**
 * Moves a tenant's usage into the periods of a new billing day: every ledger (and archive) entry that occurred in
 * the new current period is moved to it, its amount leaving the old period's counter and joining the new one; open
 * holds created in it follow. Runs inside the plan change's transaction, after the version was stamped on the
 * counters, so no write of the old version can slip in between.
 */
final class Rebucketing {
  private Rebucketing() {}

  static void rebucket(DSLContext dsl, TenantId tenant, Meter meter, Period target, long version) {
    Instant start = micros(target.start());
    Instant end = micros(target.end());
    Map<Period, Long> usedFrom = new LinkedHashMap<>();

    UsageLedger previous = USAGE_LEDGER.as("previous");
    for (var r : dsl.update(USAGE_LEDGER)
        .set(USAGE_LEDGER.PERIOD_START, start).set(USAGE_LEDGER.PERIOD_END, end)
        .from(previous)
        .where(USAGE_LEDGER.TENANT_ID.eq(tenant.value()), USAGE_LEDGER.METER.eq(meter.name()),
            USAGE_LEDGER.OCCURRED_AT.ge(start), USAGE_LEDGER.OCCURRED_AT.lt(end),
            row(USAGE_LEDGER.PERIOD_START, USAGE_LEDGER.PERIOD_END).ne(start, end),
            previous.TENANT_ID.eq(USAGE_LEDGER.TENANT_ID), previous.METER.eq(USAGE_LEDGER.METER),
            previous.USAGE_KEY.eq(USAGE_LEDGER.USAGE_KEY))
        .returningResult(previous.PERIOD_START, previous.PERIOD_END, USAGE_LEDGER.AMOUNT)
        .fetch()) {
      usedFrom.merge(new Period(r.get(previous.PERIOD_START), r.get(previous.PERIOD_END)), r.get(USAGE_LEDGER.AMOUNT),
          Long::sum);
    }
    UsageArchive archived = USAGE_ARCHIVE.as("archived");
    for (var r : dsl.update(USAGE_ARCHIVE)
        .set(USAGE_ARCHIVE.PERIOD_START, start).set(USAGE_ARCHIVE.PERIOD_END, end)
        .from(archived)
        .where(USAGE_ARCHIVE.TENANT_ID.eq(tenant.value()), USAGE_ARCHIVE.METER.eq(meter.name()),
            USAGE_ARCHIVE.OCCURRED_AT.ge(start), USAGE_ARCHIVE.OCCURRED_AT.lt(end),
            row(USAGE_ARCHIVE.PERIOD_START, USAGE_ARCHIVE.PERIOD_END).ne(start, end),
            archived.TENANT_ID.eq(USAGE_ARCHIVE.TENANT_ID), archived.SEQ.eq(USAGE_ARCHIVE.SEQ))
        .returningResult(archived.PERIOD_START, archived.PERIOD_END, USAGE_ARCHIVE.AMOUNT)
        .fetch()) {
      usedFrom.merge(new Period(r.get(archived.PERIOD_START), r.get(archived.PERIOD_END)), r.get(USAGE_ARCHIVE.AMOUNT),
          Long::sum);
    }

    Map<Period, Long> heldFrom = new LinkedHashMap<>();
    Instant earliestHold = null;
    Reservation before = RESERVATION.as("before");
    for (var r : dsl.update(RESERVATION)
        .set(RESERVATION.PERIOD_START, start).set(RESERVATION.PERIOD_END, end)
        .from(before)
        .where(RESERVATION.TENANT_ID.eq(tenant.value()), RESERVATION.METER.eq(meter.name()),
            RESERVATION.CREATED_AT.ge(start), RESERVATION.CREATED_AT.lt(end),
            row(RESERVATION.PERIOD_START, RESERVATION.PERIOD_END).ne(start, end),
            before.TENANT_ID.eq(RESERVATION.TENANT_ID), before.RESERVATION_ID.eq(RESERVATION.RESERVATION_ID))
        .returningResult(before.PERIOD_START, before.PERIOD_END, RESERVATION.AMOUNT, RESERVATION.COUNTED,
            RESERVATION.EXPIRES_AT)
        .fetch()) {
      if (r.get(RESERVATION.COUNTED)) {
        heldFrom.merge(new Period(r.get(before.PERIOD_START), r.get(before.PERIOD_END)), r.get(RESERVATION.AMOUNT),
            Long::sum);
        Instant expiry = r.get(RESERVATION.EXPIRES_AT);
        earliestHold = earliestHold == null || expiry.isBefore(earliestHold) ? expiry : earliestHold;
      }
    }

    long usedTotal = 0;
    long drawnTotal = 0;
    for (Map.Entry<Period, Long> e : usedFrom.entrySet()) {
      usedTotal += e.getValue();
      // A period's credit draws paid for its latest usage, which is what moves: up to the moved amount goes along, so
      // the ceilings keep what the credits gave and the sums of counters and credits still agree (verifyCredits).
      Long drawnMoved = dsl.select(COUNTER.CREDIT_DRAWN).from(COUNTER)
          .where(Counters.key(tenant, meter, e.getKey())).fetchOne(COUNTER.CREDIT_DRAWN);
      long move = drawnMoved == null ? 0 : Math.min(drawnMoved, e.getValue());
      drawnTotal += move;
      dsl.update(COUNTER).set(COUNTER.USED, COUNTER.USED.minus(e.getValue()))
          .set(COUNTER.CREDIT_DRAWN, COUNTER.CREDIT_DRAWN.minus(move))
          .where(Counters.key(tenant, meter, e.getKey())).execute();
    }
    long heldTotal = 0;
    for (Map.Entry<Period, Long> e : heldFrom.entrySet()) {
      heldTotal += e.getValue();
      dsl.update(COUNTER).set(COUNTER.RESERVED, COUNTER.RESERVED.minus(e.getValue()))
          .where(Counters.key(tenant, meter, e.getKey())).execute();
    }
    if (usedTotal == 0 && heldTotal == 0) {
      return;
    }
    dsl.insertInto(COUNTER, COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END, COUNTER.USED,
            COUNTER.RESERVED, COUNTER.VERSION, COUNTER.NEXT_HOLD_EXPIRY, COUNTER.CREDIT_DRAWN)
        .values(tenant.value(), meter.name(), start, end, usedTotal, heldTotal, version, earliestHold, drawnTotal)
        .onConflict(COUNTER.TENANT_ID, COUNTER.METER, COUNTER.PERIOD_START, COUNTER.PERIOD_END)
        .doUpdate()
        .set(COUNTER.USED, COUNTER.USED.plus(usedTotal))
        .set(COUNTER.CREDIT_DRAWN, COUNTER.CREDIT_DRAWN.plus(drawnTotal))
        .set(COUNTER.RESERVED, COUNTER.RESERVED.plus(heldTotal))
        .set(COUNTER.NEXT_HOLD_EXPIRY, least(coalesce(COUNTER.NEXT_HOLD_EXPIRY, val(earliestHold)), val(earliestHold)))
        .execute();
  }
}

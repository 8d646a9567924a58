package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static dev.quota.jooq.internal.generated.Tables.ENTITLEMENT;
import static dev.quota.jooq.internal.generated.Tables.USAGE_LEDGER;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.least;
import static org.jooq.impl.DSL.val;

import dev.quota.Period;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.spi.CommitOutcome;
import dev.quota.spi.Counter;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.WriteOutcome;
import java.time.Instant;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Record4;
import org.jooq.impl.SQLDataType;

/**
 * Usage writes that draw on one-time credits ({@link dev.quota.spi.UsageStore#writeDrawingCredits}), each in one
 * transaction: the counter row is locked first (the lock every usage write of the counter takes), then the credits'
 * rows, in the order they are drawn on, so that two instances drawing the same credit wait for one another and never
 * draw more than it holds. Rare next to plain writes (only tenants with an active credit come here), so written with
 * plain statements rather than a function of the schema.
 */
public final class CreditWrites {
  private static final int MAX_ROUNDS = 3;

  private final Db db;
  private final Counters counters;
  private final CounterRules rules;
  private final UsageWrites usage;
  private final ChangeSink sink;

  /**
   * @param db the database
   * @param counters creates missing counter rows
   * @param rules the counter rules (for the reserved amount net of expired holds)
   * @param usage the commit in a transaction, which a commit that draws extends
   * @param sink told of every tenant whose credits changed
   */
  public CreditWrites(Db db, Counters counters, CounterRules rules, UsageWrites usage, ChangeSink sink) {
    this.db = db;
    this.counters = counters;
    this.rules = rules;
    this.usage = usage;
    this.sink = sink;
  }

  /**
   * Commits a hold and draws on the credits for its usage beyond the allowance, in one transaction, as
   * {@link dev.quota.spi.UsageStore#commitDrawingCredits} says: the commit's statements of
   * {@link UsageWrites#commitInTransaction} (the hold's row locked first, then the counter's), then the credits' rows
   * in the order they are drawn on. Not the one-statement {@code quota_commit} of plain commits: only tenants with an
   * active credit come here.
   *
   * @param tenant the tenant
   * @param id the reservation
   * @param entry the usage
   * @param allowance the ceiling without credits
   * @param expectedVersion the tenant's version the allowance was computed from
   * @param now the time of the write
   * @return the outcome
   */
  public CommitOutcome commit(TenantId tenant, ReservationId id, LedgerEntry entry, long allowance,
      long expectedVersion, Instant now) {
    Instant at = micros(entry.occurredAt());
    Period period = new Period(micros(entry.period().start()), micros(entry.period().end()));
    CommitOutcome outcome = usage.commitInTransaction(tenant, id, entry, expectedVersion, now, (dsl, usedAfter) -> {
      long drawnBefore = dsl.select(COUNTER.CREDIT_DRAWN).from(COUNTER)
          .where(COUNTER.TENANT_ID.eq(tenant.value()), COUNTER.METER.eq(entry.meter().name()),
              COUNTER.PERIOD_START.eq(period.start()), COUNTER.PERIOD_END.eq(period.end()))
          .fetchSingle(COUNTER.CREDIT_DRAWN);
      List<Record> credits = lockCredits(dsl, entry, at);
      long covered = saturatedAdd(allowance, drawnBefore);
      return drawnBefore + draw(dsl, entry, period, credits, Math.max(0, usedAfter - covered));
    });
    if (outcome instanceof CommitOutcome.Committed) {
      // the credits' drawn amounts changed without a new version: whatever is remembered of the tenant is outdated
      sink.tenantChanged(tenant);
    }
    return outcome;
  }

  /** The answer of one round when the counter row does not exist yet. */
  private static final Object NO_COUNTER = new Object();

  /**
   * Writes the entry and draws on the credits, as {@link dev.quota.spi.UsageStore#writeDrawingCredits} says.
   *
   * @param entry the usage
   * @param allowance the ceiling without credits
   * @param conditional whether an entry that does not fit is refused
   * @param expectedVersion the tenant's version the allowance was computed from
   * @return the outcome
   */
  public WriteOutcome write(LedgerEntry entry, long allowance, boolean conditional, long expectedVersion) {
    Instant at = micros(entry.occurredAt());
    Period period = new Period(micros(entry.period().start()), micros(entry.period().end()));
    for (int round = 0; round < MAX_ROUNDS; round++) {
      Object result = db.transaction(tx -> once(tx.dsl(), entry, period, at, allowance, conditional,
          expectedVersion));
      if (result instanceof WriteOutcome outcome) {
        // the credits' drawn amounts changed without a new version: whatever is remembered of the tenant is outdated
        sink.tenantChanged(entry.tenant());
        return outcome;
      }
      if (!counters.ensure(entry.tenant(), entry.meter(), entry.period(), expectedVersion)) {
        sink.tenantChanged(entry.tenant());
        return new WriteOutcome.Stale();
      }
    }
    throw new IllegalStateException("tenant '" + entry.tenant() + "' on " + entry.meter() + ": a credit draw did not "
        + "settle after " + MAX_ROUNDS + " rounds");
  }

  private Object once(DSLContext dsl, LedgerEntry entry, Period period, Instant at, long allowance,
      boolean conditional, long expectedVersion) {
    String tenant = entry.tenant().value();
    String meter = entry.meter().name();
    Field<Long> reservedNow = rules.reservedAt(val(at, SQLDataType.INSTANT)).as("reserved_now");
    Record4<Long, Long, Long, Long> row = dsl
        .select(COUNTER.VERSION, COUNTER.USED, reservedNow, COUNTER.CREDIT_DRAWN)
        .from(COUNTER)
        .where(COUNTER.TENANT_ID.eq(tenant), COUNTER.METER.eq(meter), COUNTER.PERIOD_START.eq(period.start()),
            COUNTER.PERIOD_END.eq(period.end()))
        .forUpdate()
        .fetchOne();
    if (row == null) {
      return NO_COUNTER;
    }
    if (row.get(COUNTER.VERSION) != expectedVersion) {
      return new WriteOutcome.Stale();
    }
    long used = row.get(COUNTER.USED);
    long reserved = row.get(reservedNow);
    long drawnBefore = row.get(COUNTER.CREDIT_DRAWN);
    Counter before = new Counter(entry.period(), used, reserved, drawnBefore);
    Long recorded = dsl.select(USAGE_LEDGER.AMOUNT).from(USAGE_LEDGER)
        .where(USAGE_LEDGER.TENANT_ID.eq(tenant), USAGE_LEDGER.METER.eq(meter),
            USAGE_LEDGER.USAGE_KEY.eq(entry.key().value()))
        .fetchOne(USAGE_LEDGER.AMOUNT);
    if (recorded != null) {
      return new WriteOutcome.Duplicate(recorded, before);
    }
    List<Record> credits = lockCredits(dsl, entry, at);
    long available = 0;
    for (Record c : credits) {
      available = saturatedAdd(available, c.get(ENTITLEMENT.AMOUNT) - drawnOf(c));
    }
    long covered = saturatedAdd(allowance, drawnBefore);
    if (conditional && saturatedAdd(saturatedAdd(used, reserved), entry.amount()) > saturatedAdd(covered, available)) {
      return new WriteOutcome.Insufficient(before);
    }
    long draw = Math.min(available, Math.max(0, saturatedAdd(used, entry.amount()) - covered));
    dsl.insertInto(USAGE_LEDGER)
        .set(USAGE_LEDGER.TENANT_ID, tenant)
        .set(USAGE_LEDGER.METER, meter)
        .set(USAGE_LEDGER.USAGE_KEY, entry.key().value())
        .set(USAGE_LEDGER.AMOUNT, entry.amount())
        .set(USAGE_LEDGER.OCCURRED_AT, at)
        .set(USAGE_LEDGER.PERIOD_START, period.start())
        .set(USAGE_LEDGER.PERIOD_END, period.end())
        .set(USAGE_LEDGER.ATTRIBUTES, entry.attributes().isEmpty() ? null
            : JSONB.valueOf(Json.write(entry.attributes())))
        .execute();
    dsl.update(COUNTER)
        .set(COUNTER.USED, COUNTER.USED.plus(entry.amount()))
        .where(COUNTER.TENANT_ID.eq(tenant), COUNTER.METER.eq(meter), COUNTER.PERIOD_START.eq(period.start()),
            COUNTER.PERIOD_END.eq(period.end()))
        .execute();
    draw = draw(dsl, entry, period, credits, draw);
    return new WriteOutcome.Written(new Counter(entry.period(), used + entry.amount(), reserved, drawnBefore + draw));
  }

  /** The credits a write at the instant may draw on, in the order they are drawn on, their rows locked. */
  private static List<Record> lockCredits(DSLContext dsl, LedgerEntry entry, Instant at) {
    return dsl
        .select(ENTITLEMENT.ENTITLEMENT_ID, ENTITLEMENT.AMOUNT, ENTITLEMENT.DRAWN)
        .from(ENTITLEMENT)
        .where(ENTITLEMENT.TENANT_ID.eq(entry.tenant().value()),
            ENTITLEMENT.KIND.eq(EntitlementRows.ONE_TIME_CREDIT), ENTITLEMENT.METER.eq(entry.meter().name()),
            ENTITLEMENT.VALID_FROM.le(at), ENTITLEMENT.VALID_UNTIL.gt(at),
            ENTITLEMENT.REVOKED_AT.isNull().or(ENTITLEMENT.REVOKED_AT.gt(at)),
            ENTITLEMENT.AMOUNT.gt(coalesce(ENTITLEMENT.DRAWN, 0L)))
        .orderBy(least(ENTITLEMENT.VALID_UNTIL, coalesce(ENTITLEMENT.REVOKED_AT, ENTITLEMENT.VALID_UNTIL)),
            ENTITLEMENT.VALID_FROM, field("{0}::text", String.class, ENTITLEMENT.ENTITLEMENT_ID))
        .forUpdate()
        .fetch()
        .map(r -> r);
  }

  /**
   * Draws up to {@code wanted} units from the locked credits, each up to its unspent units, and adds what was drawn
   * to the counter's {@code credit_drawn}; the counter's row is locked by the caller's transaction.
   *
   * @return the units drawn: {@code min(wanted, what the credits hold)}
   */
  private static long draw(DSLContext dsl, LedgerEntry entry, Period period, List<Record> credits, long wanted) {
    long left = wanted;
    for (Record c : credits) {
      if (left == 0) {
        break;
      }
      long take = Math.min(left, c.get(ENTITLEMENT.AMOUNT) - drawnOf(c));
      dsl.update(ENTITLEMENT)
          .set(ENTITLEMENT.DRAWN, coalesce(ENTITLEMENT.DRAWN, 0L).plus(take))
          .where(ENTITLEMENT.TENANT_ID.eq(entry.tenant().value()),
              ENTITLEMENT.ENTITLEMENT_ID.eq(c.get(ENTITLEMENT.ENTITLEMENT_ID)))
          .execute();
      left -= take;
    }
    long drawn = wanted - left;
    if (drawn > 0) {
      dsl.update(COUNTER)
          .set(COUNTER.CREDIT_DRAWN, COUNTER.CREDIT_DRAWN.plus(drawn))
          .where(COUNTER.TENANT_ID.eq(entry.tenant().value()), COUNTER.METER.eq(entry.meter().name()),
              COUNTER.PERIOD_START.eq(period.start()), COUNTER.PERIOD_END.eq(period.end()))
          .execute();
    }
    return drawn;
  }

  private static long drawnOf(Record credit) {
    Long drawn = credit.get(ENTITLEMENT.DRAWN);
    return drawn == null ? 0 : drawn;
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}

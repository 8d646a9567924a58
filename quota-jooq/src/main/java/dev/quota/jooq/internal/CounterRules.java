package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static org.jooq.impl.DSL.condition;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.when;

import java.time.Instant;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.impl.SQLDataType;

/**
 * The rules that decide usage writes, as the store's statements reference them. Each rule is written once, as a
 * function of the schema (migration V3: {@code quota_fits}, {@code quota_expired}, {@code quota_expired_holds},
 * {@code quota_next_hold_expiry}), and called from here and from the batch functions; nothing here restates one.
 * The one rule the Java side needs too, whether an expiry has passed, is {@link #expired(Instant, Instant)};
 * CounterRulesTest holds it to {@code quota_expired}, and {@code quota_fits} to the reference model's ceiling.
 *
 * <p>How a counter row stays exact while holds expire by themselves: its {@code next_hold_expiry} is no later than
 * the earliest expiry among the holds counted in its {@code reserved}. Until that instant {@code reserved} is exact;
 * from it on, a read subtracts the expired holds ({@link #reservedAt}) and a write sweeps them first (the write
 * functions answer SWEEP when {@code quota_expired} says the row's {@code next_hold_expiry} has passed).
 */
public final class CounterRules {
  private final Name expired;
  private final Name expiredHolds;
  private final Name nextHoldExpiry;

  /** @param schema the schema holding the functions */
  public CounterRules(String schema) {
    this.expired = name(schema, "quota_expired");
    this.expiredHolds = name(schema, "quota_expired_holds");
    this.nextHoldExpiry = name(schema, "quota_next_hold_expiry");
  }

  /**
   * Whether an expiry has passed at an instant, as {@code quota_expired} decides it: a hold counts while the instant
   * is before its expiry, and no longer at it.
   *
   * @param expiresAt the expiry
   * @param at the instant
   * @return whether {@code expiresAt <= at}
   */
  public static boolean expired(Instant expiresAt, Instant at) {
    return !at.isBefore(expiresAt);
  }

  /** {@code expiresAt <= at}: {@code quota_expired}. */
  Condition expired(Field<Instant> expiresAt, Field<Instant> at) {
    return condition(function(expired, SQLDataType.BOOLEAN, expiresAt, at));
  }

  /**
   * The {@code reserved} of the counter row in scope without the holds expired at {@code at}; the holds are read only
   * when one may have expired.
   */
  Field<Long> reservedAt(Field<Instant> at) {
    Field<Long> expiredUnits = function(expiredHolds, SQLDataType.BIGINT, COUNTER.TENANT_ID, COUNTER.METER,
        COUNTER.PERIOD_START, COUNTER.PERIOD_END, at);
    return when(expired(COUNTER.NEXT_HOLD_EXPIRY, at), COUNTER.RESERVED.minus(expiredUnits))
        .otherwise(COUNTER.RESERVED);
  }

  /** The earliest expiry after {@code at} among the holds of the counter row in scope that still count, or null. */
  Field<Instant> nextExpiryAfter(Field<Instant> at) {
    Field<Instant> next = function(nextHoldExpiry, SQLDataType.INSTANT, COUNTER.TENANT_ID, COUNTER.METER,
        COUNTER.PERIOD_START, COUNTER.PERIOD_END, at);
    return when(expired(COUNTER.NEXT_HOLD_EXPIRY, at), next).otherwise(COUNTER.NEXT_HOLD_EXPIRY);
  }
}

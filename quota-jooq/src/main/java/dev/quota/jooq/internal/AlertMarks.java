package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.generated.Tables.ALERT_MARK;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import java.util.Collection;

/** The threshold alerts already fired, per tenant, meter, period and threshold: each fires once per crossing. */
public final class AlertMarks {
  private final Db db;

  /** @param db the statements' runner */
  public AlertMarks(Db db) {
    this.db = db;
  }

  /**
   * Marks a threshold alert as fired, once: of concurrent callers, exactly one marks it.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param period the period
   * @param thresholdPercent the threshold
   * @return whether this call marked it
   */
  public boolean markFired(TenantId tenant, Meter meter, Period period, int thresholdPercent) {
    return db.read(dsl -> dsl.insertInto(ALERT_MARK, ALERT_MARK.TENANT_ID, ALERT_MARK.METER,
            ALERT_MARK.PERIOD_START, ALERT_MARK.PERIOD_END, ALERT_MARK.THRESHOLD_PERCENT)
        .values(tenant.value(), meter.name(), micros(period.start()), micros(period.end()), thresholdPercent)
        .onConflictDoNothing()
        .execute()) == 1;
  }

  /**
   * Clears fired marks, so that those thresholds alert again when crossed.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param period the period
   * @param thresholdPercents the thresholds
   */
  public void rearm(TenantId tenant, Meter meter, Period period, Collection<Integer> thresholdPercents) {
    if (thresholdPercents.isEmpty()) {
      return;
    }
    db.read(dsl -> dsl.deleteFrom(ALERT_MARK)
        .where(ALERT_MARK.TENANT_ID.eq(tenant.value()), ALERT_MARK.METER.eq(meter.name()),
            ALERT_MARK.PERIOD_START.eq(micros(period.start())), ALERT_MARK.PERIOD_END.eq(micros(period.end())),
            ALERT_MARK.THRESHOLD_PERCENT.in(thresholdPercents))
        .execute());
  }
}

package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.generated.Tables.USAGE_ARCHIVE;
import static dev.quota.jooq.internal.generated.Tables.USAGE_LEDGER;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.sum;
import static org.jooq.impl.DSL.val;

import dev.quota.Meter;
import dev.quota.TenantId;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Field;
import org.jooq.impl.SQLDataType;

/**
 * A tenant's usage on a meter summed per bucket, from the ledger and the archive, in one statement. Each table is read
 * by its index on (tenant, meter, occurred_at) including the amount (migration V8), so the cost grows with the entries
 * in the range, not with the tenant's whole history; PostgreSQL's {@code width_bucket} over the bound edges puts each
 * entry in its bucket, whatever the buckets' lengths (a 23- or 25-hour day).
 */
public final class UsageHistoryQuery {
  private static final BigDecimal MAX_LONG = BigDecimal.valueOf(Long.MAX_VALUE);

  private final Db db;

  /** @param db the statements' runner */
  public UsageHistoryQuery(Db db) {
    this.db = db;
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
    db.read(dsl -> dsl.select(bucket, total).from(entries).groupBy(bucket).fetch()).forEach(r -> {
      int index = r.get(bucket) - 1;
      if (index >= 0 && index < sums.size()) {
        BigDecimal sum = r.get(total);
        sums.set(index, sum.compareTo(MAX_LONG) > 0 ? Long.MAX_VALUE : sum.longValueExact());
      }
    });
    return sums;
  }
}

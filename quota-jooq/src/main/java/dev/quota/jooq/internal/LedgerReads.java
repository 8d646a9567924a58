package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.generated.Tables.USAGE_LEDGER;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.spi.LedgerEntry;
import java.util.List;
import java.util.Map;

/** Reads a tenant's live ledger for an operator: newest first, paged in the database. */
public final class LedgerReads {
  private LedgerReads() {}

  /**
   * Reads one page of a tenant's ledger, newest first, then by meter and usage key in code point order
   * ({@code COLLATE "C"}); the index on (tenant, occurred_at) serves the order.
   *
   * @param db the statements' runner
   * @param tenant the tenant
   * @param page the slice
   * @return the entries
   */
  public static Page<LedgerEntry> page(Db db, TenantId tenant, PageRequest page) {
    List<LedgerEntry> entries = db.read(dsl -> dsl.selectFrom(USAGE_LEDGER)
        .where(USAGE_LEDGER.TENANT_ID.eq(tenant.value()))
        .orderBy(USAGE_LEDGER.OCCURRED_AT.desc(), USAGE_LEDGER.METER.collate("C"),
            USAGE_LEDGER.USAGE_KEY.collate("C"))
        .offset(page.offset())
        .limit(page.size() + 1)
        .fetch(r -> new LedgerEntry(TenantId.of(r.getTenantId()), Meter.of(r.getMeter()), r.getAmount(),
            UsageKey.of(r.getUsageKey()), r.getOccurredAt(), new Period(r.getPeriodStart(), r.getPeriodEnd()),
            r.getAttributes() == null ? Map.of() : Json.read(r.getAttributes().data()))));
    boolean more = entries.size() > page.size();
    return new Page<>(more ? entries.subList(0, page.size()) : entries, page, more);
  }
}

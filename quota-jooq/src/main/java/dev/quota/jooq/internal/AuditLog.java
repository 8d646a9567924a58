package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.generated.Tables.AUDIT_LOG;

import dev.quota.TenantId;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSON;

/**
 * The audit log: one entry per admin change, appended in the change's transaction (the table refuses updates and
 * deletes), read newest first.
 */
final class AuditLog {
  private AuditLog() {}

  /**
   * Appends an entry, in the caller's transaction.
   *
   * @param dsl the transaction's context
   * @param audit the entry
   */
  static void append(DSLContext dsl, AuditEntry audit) {
    dsl.insertInto(AUDIT_LOG, AUDIT_LOG.TENANT_ID, AUDIT_LOG.AUDIT_ID, AUDIT_LOG.AT, AUDIT_LOG.ACTOR,
            AUDIT_LOG.OPERATION, AUDIT_LOG.REASON, AUDIT_LOG.DETAILS)
        .values(audit.tenant().value(), audit.id(), micros(audit.at()), audit.actor().id(), audit.operation().name(),
            audit.reason(), JSON.valueOf(Json.write(audit.details())))
        .execute();
  }

  /**
   * Reads the log, newest first (in the order written), filtered as the query says.
   *
   * @param db the statements' runner
   * @param query which entries
   * @param page the slice
   * @return the entries
   */
  static Page<AuditEntry> page(Db db, AuditQuery query, PageRequest page) {
    List<Condition> filters = new ArrayList<>();
    query.tenantIfSet().ifPresent(tenant -> filters.add(AUDIT_LOG.TENANT_ID.eq(tenant.value())));
    if (!query.operations().isEmpty()) {
      filters.add(AUDIT_LOG.OPERATION.in(query.operations().stream().map(AdminOperation::name).toList()));
    }
    query.actorIfSet().ifPresent(actor -> filters.add(AUDIT_LOG.ACTOR.eq(actor.id())));
    if (query.from() != null) {
      filters.add(AUDIT_LOG.AT.ge(micros(query.from())));
    }
    if (query.until() != null) {
      filters.add(AUDIT_LOG.AT.lt(micros(query.until())));
    }
    List<AuditEntry> entries = db.read(dsl -> dsl.selectFrom(AUDIT_LOG)
        .where(filters)
        .orderBy(AUDIT_LOG.SEQ.desc())
        .offset(page.offset())
        .limit(page.size() + 1)
        .fetch(r -> new AuditEntry(r.getAuditId(), r.getAt(), TenantId.of(r.getTenantId()), Actor.of(r.getActor()),
            AdminOperation.valueOf(r.getOperation()), r.getReason(), Json.read(r.getDetails().data()))));
    boolean more = entries.size() > page.size();
    return new Page<>(more ? entries.subList(0, page.size()) : entries, page, more);
  }
}

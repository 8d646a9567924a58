package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.generated.Tables.AUDIT_LOG;
import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static dev.quota.jooq.internal.generated.Tables.ENTITLEMENT;
import static dev.quota.jooq.internal.generated.Tables.RESERVATION;
import static dev.quota.jooq.internal.generated.Tables.TENANT;
import static dev.quota.jooq.internal.generated.Tables.USAGE_ARCHIVE;
import static dev.quota.jooq.internal.generated.Tables.USAGE_LEDGER;
import static org.jooq.impl.DSL.charLength;
import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.or;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.selectOne;

import dev.quota.InvalidRequestException;
import dev.quota.TenantId;
import dev.quota.spi.TenantSuggestions;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Condition;
import org.jooq.Record1;
import org.jooq.Select;
import org.jspecify.annotations.Nullable;

/**
 * Which tenants the store knows: those with a plan (in quota's table or the host's), an entitlement, usage (ledger,
 * archive or a counter that counted some), a reservation or an audit entry. Every test is an index probe on a
 * primary key that starts with the tenant id. Not on any hot path: the admin asks before a change.
 */
public final class KnownTenants {
  private final Db db;
  private final @Nullable HostPlans hostPlans;

  /**
   * @param db the statements' runner
   * @param hostPlans the host's table of plans, when plans are read from it
   */
  public KnownTenants(Db db, @Nullable HostPlans hostPlans) {
    this.db = db;
    this.hostPlans = hostPlans;
  }

  /**
   * Tells whether the store holds anything of a tenant, in one statement.
   *
   * @param tenant the tenant
   * @return whether it is known
   */
  public boolean knows(TenantId tenant) {
    String id = tenant.value();
    List<Condition> holds = new ArrayList<>(List.of(
        exists(selectOne().from(TENANT).where(TENANT.TENANT_ID.eq(id), TENANT.TIER.isNotNull())),
        exists(selectOne().from(ENTITLEMENT).where(ENTITLEMENT.TENANT_ID.eq(id))),
        exists(selectOne().from(COUNTER).where(COUNTER.TENANT_ID.eq(id), COUNTER.USED.gt(0L))),
        exists(selectOne().from(USAGE_LEDGER).where(USAGE_LEDGER.TENANT_ID.eq(id))),
        exists(selectOne().from(USAGE_ARCHIVE).where(USAGE_ARCHIVE.TENANT_ID.eq(id))),
        exists(selectOne().from(RESERVATION).where(RESERVATION.TENANT_ID.eq(id))),
        exists(selectOne().from(AUDIT_LOG).where(AUDIT_LOG.TENANT_ID.eq(id)))));
    if (hostPlans != null) {
      hostPlans.hasRow(tenant).ifPresent(holds::add);
    }
    Condition known = or(holds);
    return db.read(dsl -> Boolean.TRUE.equals(dsl.fetchValue(select(field(known)))));
  }

  /**
   * Lists the known tenants an unknown id may be a misspelling of, as {@link TenantSuggestions} decides. The
   * candidates are the ids of the right length in quota's tenant table, the audit log and the host's table; the
   * closest are then checked one by one, since a tenant row alone (left by a refused consume) makes no tenant known.
   *
   * @param tenant the id as given
   * @param limit the most ids to return
   * @return the similar known ids, closest first
   */
  public List<TenantId> like(TenantId tenant, int limit) {
    TenantSuggestions suggestions = TenantSuggestions.forUnknown(tenant);
    int min = suggestions.minLength();
    int max = suggestions.maxLength();
    Select<Record1<String>> candidates = select(TENANT.TENANT_ID).from(TENANT)
        .where(charLength(TENANT.TENANT_ID).between(min, max))
        .union(select(AUDIT_LOG.TENANT_ID).from(AUDIT_LOG).where(charLength(AUDIT_LOG.TENANT_ID).between(min, max)));
    if (hostPlans != null) {
      candidates = candidates.union(hostPlans.idsOfLength(min, max));
    }
    Select<Record1<String>> all = candidates;
    for (String id : db.read(dsl -> dsl.fetch(all).getValues(TENANT.TENANT_ID))) {
      try {
        suggestions.offer(TenantId.of(id));
      } catch (InvalidRequestException notATenantId) {
        // a host's id quota could never have been given (blank, surrounded by spaces): nobody meant it
      }
    }
    return suggestions.closest(Integer.MAX_VALUE).stream().filter(this::knows).limit(limit).toList();
  }
}

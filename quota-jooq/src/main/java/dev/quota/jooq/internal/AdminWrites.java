package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.generated.Tables.COUNTER;
import static dev.quota.jooq.internal.generated.Tables.ENTITLEMENT;
import static dev.quota.jooq.internal.generated.Tables.TENANT;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.TenantId;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.Revocation;
import dev.quota.spi.RevokeOutcome;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jooq.DSLContext;

/**
 * The admin's changes of a tenant's balance: entitlements added or revoked and plans set, each with its audit entry and
 * a new version in one transaction, announced to other instances on the {@link ChangeChannel}; and the look-ups of what
 * they wrote (entitlements, the audit log).
 *
 * <p>Every change moves the tenant's version on and stamps it on all the tenant's counter rows, in the change's
 * transaction ({@link #bumpVersion}): usage writes in flight on those rows are waited for, and writes waiting behind
 * the change re-check their version condition on the stamped row and come out {@code Stale}.
 */
public final class AdminWrites {
  private final Db db;
  private final HostPlans hostPlans;
  private final ChangeChannel channel;
  private final ChangeSink sink;

  /**
   * @param db the statements' runner
   * @param hostPlans where plans come from when the host keeps them, or {@code null} for the tenant table
   * @param channel where changes are announced
   * @param sink hears about committed changes
   */
  public AdminWrites(Db db, HostPlans hostPlans, ChangeChannel channel, ChangeSink sink) {
    this.db = db;
    this.hostPlans = hostPlans;
    this.channel = channel;
    this.sink = sink;
  }

  /**
   * Adds entitlements with their audit entry and moves the version on, in one transaction, if the version was the
   * expected one.
   *
   * @param tenant the tenant
   * @param entitlements the new entitlements
   * @param audit the audit entry
   * @param expectedVersion the version the entitlements were computed from, or -1 to add whatever the version
   * @return whether they were added
   */
  public boolean addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements, AuditEntry audit,
      long expectedVersion) {
    for (Entitlement e : entitlements) {
      if (!e.tenant().equals(tenant)) {
        throw new IllegalArgumentException("entitlement " + e.id() + " belongs to another tenant");
      }
    }
    boolean added = db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      // the tenant row is locked by the bump, so the version read back is the one this change replaces, plus one
      if (bumpVersion(dsl, tenant) != expectedVersion + 1 && expectedVersion >= 0) {
        tx.rollbackOnly();
        return false;
      }
      for (Entitlement e : entitlements) {
        EntitlementRows.insert(dsl, e);
      }
      audited(dsl, audit);
      return true;
    });
    sink.tenantChanged(tenant);
    return added;
  }

  /**
   * Adds a period's rollover grant with its audit entry and moves the version on, in one transaction, unless the
   * tenant has the period's rollover already. The insert comes first and skips a conflict on the unique index
   * {@code entitlement_rollover_once} (migration V11): a concurrent insert of the same period waits for the first to
   * commit and then skips, so no row is read first and none written twice; a skipped insert writes nothing else.
   *
   * @param rollover the grant, of kind {@code ROLLOVER}
   * @param audit its audit entry
   * @return whether it was added
   */
  public boolean addRollover(Grant rollover, AuditEntry audit) {
    if (rollover.kind() != Grant.Kind.ROLLOVER) {
      throw new IllegalArgumentException("grant " + rollover.id() + " is not a rollover: " + rollover.kind());
    }
    TenantId tenant = rollover.tenant();
    boolean added = db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      if (!EntitlementRows.insertUnlessConflicting(dsl, rollover)) {
        return false;
      }
      bumpVersion(dsl, tenant);
      audited(dsl, audit);
      return true;
    });
    if (added) {
      sink.tenantChanged(tenant);
    }
    return added;
  }

  /**
   * Revokes an active entitlement with its audit entry, moving the version on.
   *
   * @param tenant the tenant
   * @param id the entitlement
   * @param revocation when, by whom, why
   * @param audit the audit entry
   * @return the outcome
   */
  public RevokeOutcome revoke(TenantId tenant, EntitlementId id, Revocation revocation, AuditEntry audit) {
    RevokeOutcome outcome = db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      Optional<Entitlement> found = EntitlementRows.lock(dsl, tenant, id);
      if (found.isEmpty()) {
        return new RevokeOutcome.NotFound();
      }
      Entitlement existing = found.get();
      if (!existing.isActiveAt(revocation.at())) {
        return new RevokeOutcome.AlreadyEnded(existing);
      }
      dsl.update(ENTITLEMENT)
          .set(ENTITLEMENT.REVOKED_AT, micros(revocation.at()))
          .set(ENTITLEMENT.REVOKED_BY, revocation.by().id())
          .set(ENTITLEMENT.REVOKE_REASON, revocation.reason())
          .where(ENTITLEMENT.TENANT_ID.eq(tenant.value()), ENTITLEMENT.ENTITLEMENT_ID.eq(id.value()))
          .execute();
      bumpVersion(dsl, tenant);
      audited(dsl, audit);
      return new RevokeOutcome.Revoked(existing.revoked(new Revocation(micros(revocation.at()), revocation.by(),
          revocation.reason())));
    });
    if (outcome instanceof RevokeOutcome.Revoked) {
      sink.tenantChanged(tenant);
    }
    return outcome;
  }

  /**
   * Sets the plan with its audit entry, moving the version on, and re-buckets the ledger entries (and holds) that
   * fall in each new current period, in one transaction.
   *
   * @param tenant the tenant
   * @param plan the plan
   * @param currentPeriods each meter's current period under the new plan
   * @param audit the audit entry
   * @throws IllegalStateException if plans come from the host's table
   */
  public void setPlan(TenantId tenant, Plan plan, Map<Meter, Period> currentPeriods, AuditEntry audit) {
    if (hostPlans != null) {
      throw new IllegalStateException("plans come from the host's table " + hostPlans.describe()
          + "; change the tier there, not through quota");
    }
    Short billingDay = plan.billingDay().isPresent() ? (short) plan.billingDay().getAsInt() : null;
    db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      long version = dsl.insertInto(TENANT, TENANT.TENANT_ID, TENANT.TIER, TENANT.BILLING_DAY, TENANT.VERSION)
          .values(tenant.value(), plan.tier().name(), billingDay, 1L)
          .onConflict(TENANT.TENANT_ID).doUpdate()
          .set(TENANT.TIER, plan.tier().name())
          .set(TENANT.BILLING_DAY, billingDay)
          .set(TENANT.VERSION, TENANT.VERSION.plus(1))
          .returningResult(TENANT.VERSION)
          .fetchSingle(TENANT.VERSION);
      stampVersion(dsl, tenant, version);
      currentPeriods.forEach((meter, target) -> Rebucketing.rebucket(dsl, tenant, meter, target, version));
      audited(dsl, audit);
      return null;
    });
    sink.tenantChanged(tenant);
  }

  /**
   * Appends a change's audit entry and announces the change, both in the change's transaction: the entry is written
   * and the notification sent if and only if the change commits.
   *
   * @param dsl the change's transaction
   * @param audit the audit entry
   */
  void audited(DSLContext dsl, AuditEntry audit) {
    AuditLog.append(dsl, audit);
    channel.notifyChange(dsl, audit.tenant());
  }

  /**
   * Announces, in a change's transaction, that a tenant other than the audited one changed with it (an ancestor whose
   * counters a purge lowered).
   *
   * @param dsl the change's transaction
   * @param tenant the tenant
   */
  void announced(DSLContext dsl, TenantId tenant) {
    channel.notifyChange(dsl, tenant);
  }

  /**
   * Moves the tenant's version on and stamps it on all the tenant's counter rows, in the caller's transaction.
   *
   * @return the new version
   */
  private static long bumpVersion(DSLContext dsl, TenantId tenant) {
    long version = dsl.insertInto(TENANT, TENANT.TENANT_ID, TENANT.VERSION).values(tenant.value(), 1L)
        .onConflict(TENANT.TENANT_ID).doUpdate().set(TENANT.VERSION, TENANT.VERSION.plus(1))
        .returningResult(TENANT.VERSION)
        .fetchSingle(TENANT.VERSION);
    stampVersion(dsl, tenant, version);
    return version;
  }

  /** Stamps a version on all the tenant's counter rows, locking them in order first. */
  static void stampVersion(DSLContext dsl, TenantId tenant, long version) {
    Counters.lock(dsl, COUNTER.TENANT_ID.eq(tenant.value()));
    dsl.update(COUNTER).set(COUNTER.VERSION, version).where(COUNTER.TENANT_ID.eq(tenant.value())).execute();
  }

  /**
   * Finds an entitlement by id alone.
   *
   * @param id the entitlement
   * @return it, if it exists
   */
  public Optional<Entitlement> findEntitlement(EntitlementId id) {
    return EntitlementRows.find(db, id);
  }

  /**
   * Lists all entitlements of a tenant, newest first.
   *
   * @param tenant the tenant
   * @return the entitlements
   */
  public List<Entitlement> entitlements(TenantId tenant) {
    return EntitlementRows.ofTenant(db, tenant);
  }

  /**
   * Reads the audit log, newest first.
   *
   * @param query which entries
   * @param page the slice
   * @return the entries
   */
  public Page<AuditEntry> audit(AuditQuery query, PageRequest page) {
    return AuditLog.page(db, query, page);
  }
}

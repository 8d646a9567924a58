package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.generated.Tables.ENTITLEMENT;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.admin.Actor;
import dev.quota.admin.Bypass;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.admin.LimitOverride;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.Revocation;
import dev.quota.admin.TierOverride;
import dev.quota.jooq.internal.generated.tables.records.EntitlementRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.InsertSetMoreStep;
import org.jooq.Record;

/**
 * The entitlement table, both ways: the one mapping of its rows to {@link Entitlement}s (for the state read, whose
 * entitlement rows carry the same fields, and for the admin's look-ups) and of entitlements to rows.
 */
final class EntitlementRows {
  /** The entitlement table's {@code kind} of a grant. */
  static final String GRANT = "GRANT";
  /** The entitlement table's {@code kind} of a tier override. */
  static final String TIER_OVERRIDE = "TIER_OVERRIDE";
  /** The entitlement table's {@code kind} of a bypass. */
  static final String BYPASS = "BYPASS";
  /** The entitlement table's {@code kind} of a limit override; its {@code amount} is the limit. */
  static final String LIMIT_OVERRIDE = "LIMIT_OVERRIDE";
  /** The entitlement table's {@code kind} of a one-time credit; {@code amount} is what it gives, {@code drawn} what was drawn. */
  static final String ONE_TIME_CREDIT = "ONE_TIME_CREDIT";

  private EntitlementRows() {}

  /**
   * Maps a row of the entitlement table's fields.
   *
   * @param tenant the row's tenant
   * @param r a row with the fields of {@code ENTITLEMENT} (at least those but the tenant id and sequence)
   * @return the entitlement
   */
  static Entitlement entitlement(TenantId tenant, Record r) {
    EntitlementId id = new EntitlementId(r.get(ENTITLEMENT.ENTITLEMENT_ID));
    Instant from = r.get(ENTITLEMENT.VALID_FROM);
    Instant until = r.get(ENTITLEMENT.VALID_UNTIL);
    Actor by = Actor.of(r.get(ENTITLEMENT.CREATED_BY));
    String reason = r.get(ENTITLEMENT.REASON);
    Instant revokedAt = r.get(ENTITLEMENT.REVOKED_AT);
    Optional<Revocation> revocation = revokedAt == null ? Optional.empty()
        : Optional.of(new Revocation(revokedAt, Actor.of(r.get(ENTITLEMENT.REVOKED_BY)),
            r.get(ENTITLEMENT.REVOKE_REASON)));
    String kind = r.get(ENTITLEMENT.KIND);
    return switch (kind) {
      case GRANT -> new Grant(id, tenant, Grant.Kind.valueOf(r.get(ENTITLEMENT.GRANT_KIND)),
          Meter.of(r.get(ENTITLEMENT.METER)), r.get(ENTITLEMENT.AMOUNT), from, until, by, reason, revocation);
      case TIER_OVERRIDE -> new TierOverride(id, tenant, Tier.of(r.get(ENTITLEMENT.TIER)), from, until, by, reason,
          revocation);
      case BYPASS -> new Bypass(id, tenant, from, until, by, reason, revocation);
      case ONE_TIME_CREDIT -> new OneTimeCredit(id, tenant, Meter.of(r.get(ENTITLEMENT.METER)),
          r.get(ENTITLEMENT.AMOUNT), r.get(ENTITLEMENT.DRAWN), from, until, by, reason, revocation);
      case LIMIT_OVERRIDE -> new LimitOverride(id, tenant, Meter.of(r.get(ENTITLEMENT.METER)), r.get(ENTITLEMENT.AMOUNT),
          from, until, by, reason, revocation);
      default -> throw new IllegalStateException("unknown entitlement kind " + kind);
    };
  }

  /**
   * Inserts an entitlement, in the caller's transaction.
   *
   * @param dsl the transaction's context
   * @param e the entitlement
   */
  static void insert(DSLContext dsl, Entitlement e) {
    insertQuery(dsl, e).execute();
  }

  /**
   * Inserts an entitlement unless it conflicts with a unique index (a period's second rollover), in the caller's
   * transaction.
   *
   * @param dsl the transaction's context
   * @param e the entitlement
   * @return whether the row was inserted
   */
  static boolean insertUnlessConflicting(DSLContext dsl, Entitlement e) {
    return insertQuery(dsl, e).onConflictDoNothing().execute() == 1;
  }

  private static InsertSetMoreStep<EntitlementRecord> insertQuery(DSLContext dsl, Entitlement e) {
    String kind;
    String grantKind = null;
    String meter = null;
    Long amount = null;
    String tier = null;
    Long drawn = null;
    switch (e) {
      case Grant g -> {
        kind = GRANT;
        grantKind = g.kind().name();
        meter = g.meter().name();
        amount = g.amount();
      }
      case TierOverride o -> {
        kind = TIER_OVERRIDE;
        tier = o.tier().name();
      }
      case OneTimeCredit c -> {
        kind = ONE_TIME_CREDIT;
        meter = c.meter().name();
        amount = c.amount();
        drawn = c.drawn();
      }
      case LimitOverride l -> {
        kind = LIMIT_OVERRIDE;
        meter = l.meter().name();
        amount = l.limit();
      }
      case Bypass b -> kind = BYPASS;
    }
    Revocation revocation = e.revocation().orElse(null);
    return dsl.insertInto(ENTITLEMENT)
        .set(ENTITLEMENT.TENANT_ID, e.tenant().value())
        .set(ENTITLEMENT.ENTITLEMENT_ID, e.id().value())
        .set(ENTITLEMENT.KIND, kind)
        .set(ENTITLEMENT.GRANT_KIND, grantKind)
        .set(ENTITLEMENT.METER, meter)
        .set(ENTITLEMENT.AMOUNT, amount)
        .set(ENTITLEMENT.TIER, tier)
        .set(ENTITLEMENT.DRAWN, drawn)
        .set(ENTITLEMENT.VALID_FROM, micros(e.validFrom()))
        .set(ENTITLEMENT.VALID_UNTIL, micros(e.validUntil()))
        .set(ENTITLEMENT.CREATED_BY, e.createdBy().id())
        .set(ENTITLEMENT.REASON, e.reason())
        .set(ENTITLEMENT.REVOKED_AT, revocation == null ? null : micros(revocation.at()))
        .set(ENTITLEMENT.REVOKED_BY, revocation == null ? null : revocation.by().id())
        .set(ENTITLEMENT.REVOKE_REASON, revocation == null ? null : revocation.reason());
  }

  /**
   * Finds an entitlement by id alone.
   *
   * @param db the statements' runner
   * @param id the entitlement
   * @return it, if it exists
   */
  static Optional<Entitlement> find(Db db, EntitlementId id) {
    return db.read(dsl -> dsl.selectFrom(ENTITLEMENT).where(ENTITLEMENT.ENTITLEMENT_ID.eq(id.value()))
        .fetchOptional(r -> entitlement(TenantId.of(r.get(ENTITLEMENT.TENANT_ID)), r)));
  }

  /**
   * Finds a tenant's entitlement and locks its row, in the caller's transaction.
   *
   * @param dsl the transaction's context
   * @param tenant the tenant
   * @param id the entitlement
   * @return it, if the tenant has it
   */
  static Optional<Entitlement> lock(DSLContext dsl, TenantId tenant, EntitlementId id) {
    return dsl.selectFrom(ENTITLEMENT)
        .where(ENTITLEMENT.TENANT_ID.eq(tenant.value()), ENTITLEMENT.ENTITLEMENT_ID.eq(id.value()))
        .forUpdate()
        .fetchOptional(r -> entitlement(tenant, r));
  }

  /**
   * Lists all entitlements of a tenant, newest first.
   *
   * @param db the statements' runner
   * @param tenant the tenant
   * @return the entitlements
   */
  static List<Entitlement> ofTenant(Db db, TenantId tenant) {
    return db.read(dsl -> dsl.selectFrom(ENTITLEMENT)
        .where(ENTITLEMENT.TENANT_ID.eq(tenant.value()))
        .orderBy(ENTITLEMENT.SEQ.desc())
        .fetch(r -> entitlement(tenant, r)));
  }
}

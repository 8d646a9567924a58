package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.generated.Tables.TENANT;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.max;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import dev.quota.TenantId;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.spi.ParentOutcome;
import java.util.List;
import java.util.Optional;
import org.jooq.CommonTableExpression;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record2;
import org.jooq.impl.SQLDataType;

/**
 * The tenant tree: changes of a tenant's parent, checked for cycles and depth, and the look-up of a tenant's children.
 *
 * <p>Every change of a parent takes one transaction-scoped advisory lock of the schema before it reads the tree, so
 * changes are checked one after another: two moves that are each fine alone (A under B, B under A) cannot both pass
 * their checks on a tree that neither has changed yet.
 *
 * <p>Caches: a move increments the moved tenant's version and announces it like every admin change, so every instance
 * drops its cached states of that tenant, whose parent pointer changed. Its descendants' own parent pointers did not
 * change, so their cached states stay right; a path is assembled from each level's own state, and the moved tenant's
 * is read again. A write computed on the old path carries the moved tenant's old version for that level's counters and
 * is refused as stale.
 */
public final class TenantTree {
  /** The first key of the tree's advisory lock (the second is the schema's): "QT" + "RE". */
  private static final int TREE_LOCK = 0x5154_5245;

  // the columns of the recursive statements, named apart from the tenant table's so that they are referred to
  // unqualified (a qualified reference to a common table expression would be rendered in quota's schema)
  private static final Field<String> ID = field(name("level_id"), SQLDataType.VARCHAR);
  private static final Field<Integer> LEVEL = field(name("level"), SQLDataType.INTEGER);

  private final Db db;
  private final AdminWrites admin;
  private final ChangeSink sink;
  private final int schemaKey;

  /**
   * @param db the statements' runner
   * @param admin moves versions on, writes the audit entry and announces the change
   * @param sink hears about committed changes
   * @param schema the schema of quota's tables: changes in another schema do not wait for this one's
   */
  public TenantTree(Db db, AdminWrites admin, ChangeSink sink, String schema) {
    this.db = db;
    this.admin = admin;
    this.sink = sink;
    this.schemaKey = schema.hashCode();
  }

  /**
   * Sets or clears a tenant's parent, as {@link dev.quota.spi.AdminStore#setParent} says, in one transaction under the
   * tree's lock.
   *
   * @param tenant the tenant
   * @param parent the new parent, or empty for none
   * @param maxDepth the most levels a path may have
   * @param audit the audit entry
   * @return the outcome
   */
  public ParentOutcome setParent(TenantId tenant, Optional<TenantId> parent, int maxDepth, AuditEntry audit) {
    if (parent.isPresent() && parent.get().equals(tenant)) {
      return ParentOutcome.WOULD_CYCLE;
    }
    ParentOutcome outcome = db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      dsl.select(function(name("pg_advisory_xact_lock"), SQLDataType.OTHER, val(TREE_LOCK), val(schemaKey))).fetch();
      if (parent.isPresent()) {
        List<String> path = pathUp(dsl, parent.get(), maxDepth + 1);
        if (path.contains(tenant.value())) {
          return ParentOutcome.WOULD_CYCLE;
        }
        // a path cut at maxDepth + 1 levels is too deep already
        if (path.size() + height(dsl, tenant, maxDepth + 1) > maxDepth) {
          return ParentOutcome.TOO_DEEP;
        }
      }
      String parentId = parent.map(TenantId::value).orElse(null);
      long version = dsl.insertInto(TENANT, TENANT.TENANT_ID, TENANT.VERSION, TENANT.PARENT_ID)
          .values(tenant.value(), 1L, parentId)
          .onConflict(TENANT.TENANT_ID).doUpdate()
          .set(TENANT.VERSION, TENANT.VERSION.plus(1))
          .set(TENANT.PARENT_ID, parentId)
          .returningResult(TENANT.VERSION)
          .fetchSingle(TENANT.VERSION);
      AdminWrites.stampVersion(dsl, tenant, version);
      admin.audited(dsl, audit);
      return ParentOutcome.CHANGED;
    });
    if (outcome == ParentOutcome.CHANGED) {
      sink.tenantChanged(tenant);
    }
    return outcome;
  }

  /**
   * The path from a tenant up to its root, the tenant first: one recursive statement on the tenant table by primary
   * key, cut after {@code limit} levels (so a cycle written by hand cannot make it run forever).
   */
  static List<String> pathUp(DSLContext dsl, TenantId from, int limit) {
    CommonTableExpression<Record2<String, Integer>> up = name("up").fields(ID.getName(), LEVEL.getName()).as(
        select(TENANT.TENANT_ID, inline(1)).from(TENANT).where(TENANT.TENANT_ID.eq(from.value()))
            .unionAll(select(TENANT.PARENT_ID, LEVEL.plus(1)).from(table("{0}", name("up")))
                .join(TENANT).on(TENANT.TENANT_ID.eq(ID))
                .where(TENANT.PARENT_ID.isNotNull(), LEVEL.lt(limit))));
    List<String> path = dsl.withRecursive(up).select(ID).from(up).orderBy(LEVEL).fetch(ID);
    // a tenant without a row (a parent never written to) is a root of one level
    return path.isEmpty() ? List.of(from.value()) : path;
  }

  /**
   * The height of a tenant's subtree in levels (1 for a tenant without children), by the index on (parent, tenant),
   * counted up to {@code limit}.
   */
  static int height(DSLContext dsl, TenantId tenant, int limit) {
    CommonTableExpression<Record2<String, Integer>> down = name("down").fields(ID.getName(), LEVEL.getName()).as(
        select(val(tenant.value()).cast(SQLDataType.VARCHAR), inline(1))
            .unionAll(select(TENANT.TENANT_ID.cast(SQLDataType.VARCHAR), LEVEL.plus(1)).from(table("{0}", name("down")))
                .join(TENANT).on(TENANT.PARENT_ID.eq(ID))
                .where(LEVEL.lt(limit))));
    Integer height = dsl.withRecursive(down).select(max(LEVEL)).from(down).fetchOne(0, Integer.class);
    return height == null ? 1 : height;
  }

  /**
   * A tenant's direct children by tenant id in code point order ({@code COLLATE "C"}), paged in the database; the
   * index on (parent, tenant) finds them.
   *
   * @param tenant the parent
   * @param page the slice
   * @return the children
   */
  public Page<TenantId> children(TenantId tenant, PageRequest page) {
    List<TenantId> children = db.read(dsl -> dsl.select(TENANT.TENANT_ID).from(TENANT)
        .where(TENANT.PARENT_ID.eq(tenant.value()))
        .orderBy(TENANT.TENANT_ID.collate("C"))
        .offset(page.offset())
        .limit(page.size() + 1)
        .fetch(r -> TenantId.of(r.get(TENANT.TENANT_ID))));
    boolean more = children.size() > page.size();
    return new Page<>(more ? children.subList(0, page.size()) : children, page, more);
  }
}

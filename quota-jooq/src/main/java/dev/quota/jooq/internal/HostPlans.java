package dev.quota.jooq.internal;

import static org.jooq.impl.DSL.cast;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import dev.quota.TenantId;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Table;
import org.jooq.impl.SQLDataType;

/**
 * Plans kept in the host's own table: the tier of a tenant is the tier column of the row whose id column equals
 * the tenant id. Every identifier is a jOOQ {@link Name}, rendered quoted, so a table called {@code user} (a
 * reserved word) works and nothing the host configures is spliced into SQL as text.
 */
public final class HostPlans {
  private final Name tableName;
  private final Table<?> table;
  private final Field<Object> id;
  private final Field<Object> tier;
  private final DataType<?> idType;

  /**
   * Describes the host's table.
   *
   * @param schema the table's schema
   * @param table the table
   * @param idColumn the column holding tenant ids
   * @param tierColumn the column holding tier names
   * @param idType the SQL type of the id column; tenant ids are cast to it, so its index is used
   */
  public HostPlans(String schema, String table, String idColumn, String tierColumn, DataType<?> idType) {
    this.tableName = name(schema, table);
    this.table = table(tableName);
    this.id = field(name(schema, table, idColumn));
    this.tier = field(name(schema, table, tierColumn));
    this.idType = idType;
  }

  /** For the precompiled read: the tenant id is a parameter. */
  Field<String> tierOf(Field<String> tenant) {
    return field(select(tier.cast(SQLDataType.VARCHAR)).from(table).where(id.eq(cast(tenant, idType))));
  }

  Field<String> tierOf(TenantId tenant) {
    return field(select(tier.cast(SQLDataType.VARCHAR)).from(table).where(id.eq(cast(val(tenant.value()), idType))));
  }

  /** For listings across tenants: compares as text, so that no tenant id fails a cast. */
  Field<String> tierOfCorrelated(Field<String> tenantId) {
    return field(select(tier.cast(SQLDataType.VARCHAR)).from(table).where(id.cast(SQLDataType.VARCHAR).eq(tenantId)));
  }

  String describe() {
    return tableName.toString();
  }
}

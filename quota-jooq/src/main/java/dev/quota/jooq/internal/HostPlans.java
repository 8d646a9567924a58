package dev.quota.jooq.internal;

import static org.jooq.impl.DSL.cast;
import static org.jooq.impl.DSL.charLength;
import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import dev.quota.InvalidRequestException;
import dev.quota.TenantId;
import dev.quota.admin.PlanSource;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jooq.Condition;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Record1;
import org.jooq.Select;
import org.jooq.Table;
import org.jooq.impl.SQLDataType;

/**
 * Plans kept in the host's own table: the tier of a tenant is the tier column of the row whose id column equals
 * the tenant id. Every identifier is a jOOQ {@link Name}, rendered quoted, so a table called {@code user} (a
 * reserved word) works and nothing the host configures is spliced into SQL as text.
 */
public final class HostPlans {
  /**
   * What PostgreSQL reads as a {@code uuid}: 32 hexadecimal digits, a hyphen allowed after any group of four, the
   * whole optionally in braces.
   */
  private static final Pattern UUID_TEXT = Pattern.compile("\\{?[0-9a-fA-F]{4}(-?[0-9a-fA-F]{4}){7}\\}?");

  private final Name tableName;
  private final Table<?> table;
  private final Field<Object> id;
  private final Field<Object> tier;
  private final DataType<?> idType;
  private final PlanSource.HostTable source;

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
    this.source = new PlanSource.HostTable(schema, table, idColumn, tierColumn,
        idType.getSQLDataType().getTypeName().toLowerCase(Locale.ROOT));
  }

  /** @return the table as the service's recorded configuration names it */
  public PlanSource.HostTable source() {
    return source;
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

  /**
   * Refuses a tenant id that the id column's type cannot hold, before any statement: PostgreSQL would fail the cast
   * ({@code invalid input syntax for type bigint}), which is the caller's input, not a failure of the store.
   *
   * @param tenant the tenant id
   * @throws InvalidRequestException naming the tenant if its id is no value of the id column's type
   */
  public void requireValidId(TenantId tenant) {
    if (!holds(tenant.value())) {
      String type = typeName();
      throw new InvalidRequestException("tenant", "must be " + (type.equals("integer") ? "an " : "a ") + type
          + ", the type of the id column of the host's plan table " + describe() + "; was '" + tenant.value() + "'");
    }
  }

  /** Whether the id column's type can hold the text: what PostgreSQL's cast would accept. */
  private boolean holds(String id) {
    return switch (typeName()) {
      case "bigint" -> parses(() -> Long.parseLong(id));
      case "integer" -> parses(() -> Integer.parseInt(id));
      case "smallint" -> parses(() -> Short.parseShort(id));
      case "uuid" -> UUID_TEXT.matcher(id).matches();
      default -> true; // text, or a type quota does not know: PostgreSQL decides
    };
  }

  private String typeName() {
    return idType.getSQLDataType() == null ? "" : idType.getSQLDataType().getTypeName();
  }

  private static boolean parses(Runnable parse) {
    try {
      parse.run();
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * The condition that the host's table has a row for a tenant, comparing in the id column's type so that its index
   * serves; empty when the tenant id cannot be a value of that type (a text id against a numeric or UUID column),
   * so that no cast fails.
   */
  Optional<Condition> hasRow(TenantId tenant) {
    if (!holds(tenant.value())) {
      return Optional.empty();
    }
    return Optional.of(exists(selectOne().from(table).where(id.eq(cast(val(tenant.value()), idType)))));
  }

  /** The host's ids as text whose length is within a range, for suggestions. */
  Select<Record1<String>> idsOfLength(int min, int max) {
    Field<String> text = id.cast(SQLDataType.VARCHAR);
    return select(text).from(table).where(id.isNotNull(), charLength(text).between(min, max));
  }

  String describe() {
    return tableName.toString();
  }
}

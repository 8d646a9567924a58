package dev.quota.cli;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.lower;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import dev.quota.admin.TenantKey;
import java.util.List;
import javax.sql.DataSource;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Finds tenants by a human key in the host's own table, as the service recorded it ({@link TenantKey}): reads only,
 * one statement, every name a quoted jOOQ {@link org.jooq.Name} and the key a bind value, so neither the configured
 * names nor what the operator types is spliced into SQL as text.
 */
final class TenantFinder {
  private TenantFinder() {}

  /**
   * Lists the ids of the rows whose key equals a value: exactly, except that an e-mail address (a value with
   * {@code @}) is compared without regard to case, as mail systems treat the address.
   *
   * @param dataSource the database
   * @param key the table and columns
   * @param value what the ticket says, e.g. {@code alice@example.com}
   * @param limit how many ids at most
   * @return the ids, in order
   */
  static List<String> find(DataSource dataSource, TenantKey key, String value, int limit) {
    DSLContext dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
    Field<String> column = field(name(key.schema(), key.table(), key.keyColumn())).cast(SQLDataType.VARCHAR);
    Field<String> id = field(name(key.schema(), key.table(), key.idColumn())).cast(SQLDataType.VARCHAR);
    Condition matches = isEmail(value) ? lower(column).eq(lower(val(value))) : column.eq(val(value));
    return dsl.selectDistinct(id).from(table(name(key.schema(), key.table()))).where(matches).orderBy(id)
        .limit(limit).fetch(id);
  }

  /** @return whether a value reads as an e-mail address, which names a tenant only through the tenant key */
  static boolean isEmail(String value) {
    return value.indexOf('@') >= 0;
  }
}

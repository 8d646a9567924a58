package dev.quota.admin;

import dev.quota.internal.Checks;

/**
 * How operators find a tenant by what a ticket says: a column of the host's own table holding a human key (an
 * e-mail address, a user name) beside the tenant id. quota only reads that table, never writes it; recorded with
 * the {@link ServiceConfiguration} so that tools (the {@code quota find} command) can search it without the
 * service's code. Names are kept as written (case-sensitive), as quota quotes them in SQL.
 *
 * @param schema the table's schema
 * @param table the table, e.g. {@code app_user}
 * @param keyColumn the column holding the human key, e.g. {@code email}
 * @param idColumn the column holding the tenant id, e.g. {@code id}
 */
public record TenantKey(String schema, String table, String keyColumn, String idColumn) {
  /** Validates the names. */
  public TenantKey {
    Checks.identifier("tenant key schema", schema, 63);
    Checks.identifier("tenant key table", table, 63);
    Checks.identifier("tenant key column", keyColumn, 63);
    Checks.identifier("tenant key id column", idColumn, 63);
  }

  /** @return the key in words, e.g. {@code public.app_user.email -> id} */
  public String describe() {
    return schema + "." + table + "." + keyColumn + " -> " + idColumn;
  }
}

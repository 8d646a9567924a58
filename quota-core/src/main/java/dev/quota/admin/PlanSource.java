package dev.quota.admin;

import dev.quota.internal.Checks;
import java.util.Locale;

/**
 * Where a service's tenants' plans come from, as {@link ServiceConfiguration} records it: quota's own plan table
 * (written by {@link QuotaAdmin#setPlan}), a table of the host's own, which quota only reads (and where a plan
 * written to quota's table would be ignored), or the host's own code.
 */
public sealed interface PlanSource {
  /** Plans kept in quota's own table, set with {@link QuotaAdmin#setPlan}. */
  PlanSource QUOTA_TABLE = new QuotaTable();

  /** @return the source in words, e.g. {@code quota's plan table} or {@code public.app_user(id:bigint,tier)} */
  String describe();

  /** Plans looked up by the host's own code (such as a test store's lookup): no table tools could read. */
  PlanSource HOST_LOOKUP = new HostLookup();

  /** Plans looked up by the host's own code. */
  record HostLookup() implements PlanSource {
    @Override
    public String describe() {
      return "the service's own lookup";
    }
  }

  /** Plans in quota's own table. */
  record QuotaTable() implements PlanSource {
    @Override
    public String describe() {
      return "quota's plan table";
    }
  }

  /**
   * Plans in the host's table: the tier of a tenant is the tier column of the row whose id column equals the tenant
   * id. Names are kept as written (case-sensitive), as quota quotes them in SQL.
   *
   * @param schema the table's schema
   * @param table the table
   * @param idColumn the column holding tenant ids
   * @param tierColumn the column holding tier names
   * @param idType the id column's SQL type, lower case, such as {@code varchar}, {@code bigint}, {@code integer} or
   *     {@code uuid}
   */
  record HostTable(String schema, String table, String idColumn, String tierColumn, String idType)
      implements PlanSource {
    /** Validates the names and the type. */
    public HostTable {
      Checks.identifier("host table schema", schema, 63);
      Checks.identifier("host table", table, 63);
      Checks.identifier("host table id column", idColumn, 63);
      Checks.identifier("host table tier column", tierColumn, 63);
      idType = Checks.identifier("host table id type", idType, 63).toLowerCase(Locale.ROOT);
    }

    @Override
    public String describe() {
      return schema + "." + table + "(" + idColumn + (idType.equals("varchar") ? "" : ":" + idType) + ","
          + tierColumn + ")";
    }
  }
}

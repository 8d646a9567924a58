package dev.quota.cli;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's own table of tenants' tiers, for services whose store reads plans from it (quota-jooq's
 * {@code plansFromHostTable}, such as the seed's {@code "user".tier}): {@code --plans-from SCHEMA.TABLE(ID,TIER)},
 * with the id column's type after a colon when it is not text, e.g. {@code public.user(id:bigint,tier)}.
 * Names are taken as written (case-sensitive), as quota-jooq quotes them.
 *
 * @param schema the table's schema
 * @param table the table
 * @param idColumn the column holding the tenant id
 * @param idType the id column's type: {@code varchar}, {@code bigint}, {@code integer} or {@code uuid}
 * @param tierColumn the column holding the tier's name
 */
record PlanTable(String schema, String table, String idColumn, String idType, String tierColumn) {
  /** The id column types the store can cast a tenant id to. */
  static final Set<String> ID_TYPES = Set.of("varchar", "bigint", "integer", "uuid");

  private static final Pattern FORM =
      Pattern.compile("([^.()\\s]+)\\.([^()\\s]+)\\(\\s*([^,():\\s]+)\\s*(?::\\s*(\\w+)\\s*)?,\\s*([^,()\\s]+)\\s*\\)");

  /**
   * Reads the option's value.
   *
   * @param text e.g. {@code public.user(id:bigint,tier)}
   * @return the table
   * @throws CliException (bad usage) if the text is not of that form or names an unknown type
   */
  static PlanTable parse(String text) {
    Matcher m = FORM.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw CliException.usage("--plans-from must read SCHEMA.TABLE(ID_COLUMN[:TYPE],TIER_COLUMN), e.g. "
          + "public.user(id:bigint,tier), was '" + text + "'");
    }
    String type = m.group(4) == null ? "varchar" : m.group(4).toLowerCase(Locale.ROOT);
    if (!ID_TYPES.contains(type)) {
      throw CliException.usage("--plans-from: the id column's type must be one of varchar, bigint, integer, uuid, "
          + "was '" + m.group(4) + "'");
    }
    return new PlanTable(m.group(1), m.group(2), m.group(3), type, m.group(5));
  }

  /** @return the table as the option writes it */
  String describe() {
    return schema + "." + table + "(" + idColumn + (idType.equals("varchar") ? "" : ":" + idType) + "," + tierColumn
        + ")";
  }
}

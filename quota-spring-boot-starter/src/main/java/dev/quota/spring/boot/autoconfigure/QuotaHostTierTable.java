package dev.quota.spring.boot.autoconfigure;

import dev.quota.InvalidRequestException;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.spring.boot.autoconfigure.QuotaProperties.IdType;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Record1;
import org.jooq.Record5;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * The application's table that holds tenants' tiers ({@code quota.host-tier-table.*}), checked at start-up and
 * readable by any store.
 *
 * <p><b>Checked at start-up.</b> Before the application takes its first request, the table, its two columns, the
 * id column's type and the application's right to read them are checked, and start-up fails naming the property
 * that is wrong: a misspelt table, a missing column, or an id column of type {@code bigint} while
 * {@code quota.host-tier-table.id-type} is {@code text} (the default) would otherwise fail every call of the guard.
 * If the database cannot be reached at start-up, the check is skipped with a warning, as for quota's own tables.
 *
 * <p><b>Readable by any store.</b> The PostgreSQL store the starter builds reads the table itself. An application
 * that defines its own store, such as the in-memory store in its tests, gives it this bean's lookup, so that a pro
 * tenant in the table is pro there too:
 *
 * {@snippet :
 * @Bean
 * QuotaStore quotaStore(QuotaHostTierTable hostTierTable) {
 *   return InMemoryQuotaStore.builder().plansFrom(hostTierTable::tierOf).build();
 * }
 * }
 */
public class QuotaHostTierTable implements InitializingBean {
  private static final Logger LOG = LoggerFactory.getLogger(QuotaHostTierTable.class);

  /** quota-jooq's field names, as its builder reports them, mapped to the properties they come from. */
  private static final Map<String, String> PROPERTIES = Map.of(
      "host plan schema", "quota.host-tier-table.schema",
      "host plan table", "quota.host-tier-table.table",
      "host plan id column", "quota.host-tier-table.id-column",
      "host plan tier column", "quota.host-tier-table.tier-column");

  private final DataSource dataSource;
  private final String schema;
  private final String table;
  private final String idColumn;
  private final String tierColumn;
  private final IdType idType;

  /**
   * Describes the table; {@link #afterPropertiesSet()} checks it in the database.
   *
   * @param dataSource the database
   * @param properties {@code quota.host-tier-table.*}
   * @throws InvalidConfigurationPropertyValueException naming the property whose value is no valid name
   */
  public QuotaHostTierTable(DataSource dataSource, QuotaProperties.HostTierTable properties) {
    JooqSetup.beforeFirstUse();
    this.dataSource = dataSource;
    this.schema = required("quota.host-tier-table.schema", properties.getSchema());
    this.table = required("quota.host-tier-table.table", properties.getTable());
    this.idColumn = required("quota.host-tier-table.id-column", properties.getIdColumn());
    this.tierColumn = required("quota.host-tier-table.tier-column", properties.getTierColumn());
    this.idType = required("quota.host-tier-table.id-type", properties.getIdType());
    try {
      // quota-jooq's own rules for the names, so that they fail here as they would in the store
      PostgresQuotaStore.builder().plansFromHostTable(schema, table, idColumn, tierColumn, idDataType());
    } catch (InvalidRequestException e) {
      String property = PROPERTIES.getOrDefault(e.field(), "quota.host-tier-table");
      throw new InvalidConfigurationPropertyValueException(property, null, e.getMessage());
    }
  }

  /** @return the table's schema */
  public String schema() {
    return schema;
  }

  /** @return the table */
  public String table() {
    return table;
  }

  /** @return the column holding tenant ids */
  public String idColumn() {
    return idColumn;
  }

  /** @return the column holding tier names */
  public String tierColumn() {
    return tierColumn;
  }

  /** @return the id column's type, as configured */
  public IdType idType() {
    return idType;
  }

  /** @return the id column's type as jOOQ's, for {@link PostgresQuotaStore.Builder#plansFromHostTable} */
  public DataType<?> idDataType() {
    return switch (idType) {
      case TEXT -> SQLDataType.VARCHAR;
      case BIGINT -> SQLDataType.BIGINT;
      case INTEGER -> SQLDataType.INTEGER;
      case UUID -> SQLDataType.UUID;
    };
  }

  /**
   * Reads a tenant's tier from the table, as the PostgreSQL store does: the tier column of the row whose id is the
   * tenant's. For a store of the application's own, such as {@code InMemoryQuotaStore.builder().plansFrom(...)}.
   *
   * @param tenant the tenant
   * @return its tier; empty without a row, with a null tier, or with text that is no tier name
   * @throws InvalidRequestException if the tenant id is no value of the id column's type
   * @throws StoreUnavailableException if the table cannot be read
   */
  public Optional<Tier> tierOf(TenantId tenant) {
    Optional<String> name;
    try {
      name = dsl().select(DSL.field(DSL.name(schema, table, tierColumn)).cast(SQLDataType.VARCHAR))
          .from(DSL.table(tableName()))
          .where(DSL.field(DSL.name(schema, table, idColumn)).eq(DSL.cast(DSL.val(tenant.value()), idDataType())))
          .fetchOptional()
          .map(Record1::value1);
    } catch (DataAccessException e) {
      String state = sqlState(e);
      if ("22P02".equals(state) || "22003".equals(state)) {
        throw new InvalidRequestException("tenant", "must be " + (idType == IdType.INTEGER ? "an " : "a ")
            + idType.name().toLowerCase(java.util.Locale.ROOT) + ", the type of the id column of the host's plan "
            + "table " + describe() + "; was '" + tenant.value() + "'");
      }
      throw new StoreUnavailableException("the host's plan table " + describe() + " cannot be read: "
          + e.getMessage(), e);
    }
    return name.flatMap(QuotaHostTierTable::tierNamed);
  }

  /** @return the table's qualified name, quoted as PostgreSQL reads it */
  public String describe() {
    return dsl().render(tableName());
  }

  @Override
  public void afterPropertiesSet() {
    Map<String, Column> columns;
    try {
      if (!schemaExists()) {
        throw new InvalidConfigurationPropertyValueException("quota.host-tier-table.schema", schema,
            "names no schema of the database (names are case-sensitive)");
      }
      columns = columns();
    } catch (DataAccessException e) {
      LOG.warn("quota: could not check the host tier table {} at start-up; the failure policy decides until the "
          + "database answers: {}", describe(), e.getMessage());
      return;
    }
    if (columns == null) {
      throw new InvalidConfigurationPropertyValueException("quota.host-tier-table.table", table,
          "names no table or view in schema '" + schema + "' (names are case-sensitive)");
    }
    Column id = column(columns, "quota.host-tier-table.id-column", idColumn);
    Column tier = column(columns, "quota.host-tier-table.tier-column", tierColumn);
    checkIdType(id);
    if (!tier.holdsText()) {
      throw new InvalidConfigurationPropertyValueException("quota.host-tier-table.tier-column", tierColumn,
          "is of type " + tier.type() + ", but must hold tier names: text, varchar or an enum");
    }
    if (!id.readable() || !tier.readable()) {
      throw new QuotaStartupException("quota reads tenants' tiers from " + describe() + " (quota.host-tier-table), "
          + "but the application's database user may not read its columns " + idColumn + " and " + tierColumn + ".",
          "Grant it: GRANT SELECT (" + dsl().render(DSL.name(idColumn)) + ", " + dsl().render(DSL.name(tierColumn))
              + ") ON " + describe() + " TO <the application's role>;");
    }
    LOG.info("quota: reads tenants' tiers from {}.{} (id {} of type {})", describe(), tierColumn, idColumn, id.type());
  }

  private void checkIdType(Column id) {
    @Nullable IdType matching = id.idType();
    if (matching == idType) {
      return;
    }
    String idTypes = "the values are text, bigint, integer and uuid";
    if (matching == null) {
      throw new InvalidConfigurationPropertyValueException("quota.host-tier-table.id-column", idColumn,
          "is of type " + id.type() + ", by which quota cannot look tenants up: the id column must be of type text "
              + "(or varchar), bigint, integer or uuid");
    }
    throw new InvalidConfigurationPropertyValueException("quota.host-tier-table.id-type",
        idType.name().toLowerCase(java.util.Locale.ROOT), "does not match the id column " + describe() + "."
            + idColumn + ", which is of type " + id.type() + ": set quota.host-tier-table.id-type="
            + matching.name().toLowerCase(java.util.Locale.ROOT) + " (" + idTypes + ")");
  }

  private Column column(Map<String, Column> columns, String property, String name) {
    Column column = columns.get(name);
    if (column == null) {
      throw new InvalidConfigurationPropertyValueException(property, name, "names no column of " + describe()
          + " (names are case-sensitive); its columns are " + columns.keySet());
    }
    return column;
  }

  /**
   * A column as PostgreSQL's catalog describes it.
   *
   * @param type its type, as PostgreSQL writes it ({@code bigint}, {@code character varying(40)})
   * @param category the type's category: {@code S} for strings
   * @param kind the type's kind: {@code e} for enums
   * @param readable whether the application's user may select it
   */
  private record Column(String type, String category, String kind, boolean readable) {
    boolean holdsText() {
      return category.equals("S") || kind.equals("e");
    }

    @Nullable IdType idType() {
      if (category.equals("S")) {
        return IdType.TEXT;
      }
      return switch (type) {
        case "bigint" -> IdType.BIGINT;
        case "integer" -> IdType.INTEGER;
        case "uuid" -> IdType.UUID;
        default -> null;
      };
    }
  }

  private boolean schemaExists() {
    DSLContext dsl = dsl();
    return dsl.select(DSL.function(DSL.name("to_regnamespace"), SQLDataType.VARCHAR,
        DSL.val(dsl.render(DSL.name(schema)))).isNotNull()).fetchSingle().value1();
  }

  /** The table's columns by name, or {@code null} if there is no such table. */
  private @Nullable Map<String, Column> columns() {
    DSLContext dsl = dsl();
    Table<?> attribute = DSL.table(DSL.name("pg_catalog", "pg_attribute")).as("a");
    Table<?> type = DSL.table(DSL.name("pg_catalog", "pg_type")).as("t");
    Field<Object> relation = DSL.field(DSL.name("a", "attrelid"));
    Field<String> name = DSL.field(DSL.name("a", "attname")).cast(SQLDataType.VARCHAR);
    Field<Object> typeId = DSL.field(DSL.name("a", "atttypid"));
    Field<String> typeName = DSL.function(DSL.name("format_type"), SQLDataType.VARCHAR, typeId,
        DSL.field(DSL.name("a", "atttypmod")));
    Field<String> category = DSL.field(DSL.name("t", "typcategory")).cast(SQLDataType.VARCHAR);
    Field<String> kind = DSL.field(DSL.name("t", "typtype")).cast(SQLDataType.VARCHAR);
    Field<Boolean> readable = DSL.function(DSL.name("has_column_privilege"), SQLDataType.BOOLEAN, relation,
        DSL.field(DSL.name("a", "attname")).cast(SQLDataType.VARCHAR), DSL.val("SELECT"));
    Field<Object> regclass = DSL.function(DSL.name("to_regclass"), Object.class, DSL.val(describe()));

    if (!dsl.select(regclass.isNotNull()).fetchSingle().value1()) {
      return null;
    }
    Map<String, Column> columns = new LinkedHashMap<>();
    for (Record5<String, String, String, String, Boolean> column : dsl
        .select(name, typeName, category, kind, readable)
        .from(attribute)
        .join(type).on(DSL.field(DSL.name("t", "oid")).eq(typeId))
        .where(relation.eq(regclass))
        .and(DSL.field(DSL.name("a", "attnum"), SQLDataType.SMALLINT).gt((short) 0))
        .and(DSL.field(DSL.name("a", "attisdropped"), SQLDataType.BOOLEAN).isFalse())
        .orderBy(DSL.field(DSL.name("a", "attnum")))
        .fetch()) {
      columns.put(column.get(name), new Column(column.get(typeName), column.get(category), column.get(kind),
          Boolean.TRUE.equals(column.get(readable))));
    }
    return columns;
  }

  private static Optional<Tier> tierNamed(String name) {
    try {
      return Optional.of(Tier.of(name));
    } catch (InvalidRequestException e) {
      return Optional.empty(); // as the store reads it: text that is no tier name is no plan
    }
  }

  private Name tableName() {
    return DSL.name(schema, table);
  }

  private DSLContext dsl() {
    return DSL.using(dataSource, SQLDialect.POSTGRES);
  }

  private static @Nullable String sqlState(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        return sql.getSQLState();
      }
    }
    return null;
  }

  private static <T> T required(String property, @Nullable T value) {
    if (value == null) {
      throw PropertyChecks.invalid(property, null, "must be set");
    }
    return value;
  }
}

package dev.quota.spring.boot.autoconfigure;

import dev.quota.TenantId;
import dev.quota.notify.EmailRecipients;
import dev.quota.spring.boot.autoconfigure.QuotaProperties.IdType;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * A tenant's alert addresses from a column of the application's own table ({@code quota.alerts.email.recipients.*}),
 * read on every delivery attempt, so that a changed address applies to the next one. Names are quoted and the tenant
 * id is a bind value, cast to the id column's type so that its index serves the look-up.
 */
final class HostEmailRecipientsTable implements EmailRecipients {
  private final DataSource dataSource;
  private final String schema;
  private final String table;
  private final String idColumn;
  private final String emailColumn;
  private final IdType idType;

  /**
   * @param dataSource the application's database
   * @param schema the table's schema
   * @param table the table
   * @param idColumn the column holding the tenant id
   * @param emailColumn the column holding the address
   * @param idType the id column's type
   */
  HostEmailRecipientsTable(DataSource dataSource, String schema, String table, String idColumn, String emailColumn,
      IdType idType) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.schema = required("schema", schema);
    this.table = table;
    this.idColumn = required("id-column", idColumn);
    this.emailColumn = required("email-column", emailColumn);
    this.idType = Objects.requireNonNull(idType, "idType");
  }

  private static String required(String name, @Nullable String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidConfigurationPropertyValueException("quota.alerts.email.recipients." + name, value, "must not be blank");
    }
    return value;
  }

  /**
   * {@inheritDoc}
   *
   * @return the tenant's non-blank addresses, in the table's order; none for a tenant id that cannot be of the id
   *     column's type (no row can match it), which the channel reports without retrying
   */
  @Override
  public List<String> recipientsOf(TenantId tenant) {
    if (!fitsIdType(tenant.value())) {
      return List.of();
    }
    Field<String> email = DSL.field(DSL.name(schema, table, emailColumn)).cast(SQLDataType.VARCHAR);
    return dsl().select(email)
        .from(DSL.table(DSL.name(schema, table)))
        .where(DSL.field(DSL.name(schema, table, idColumn)).eq(DSL.cast(DSL.val(tenant.value()), idDataType())))
        .and(email.isNotNull())
        .fetch(email)
        .stream().filter(address -> !address.isBlank()).toList();
  }

  /** Fails now, naming the table, if it cannot be read as configured: checked at start-up. */
  void check() {
    Field<String> email = DSL.field(DSL.name(schema, table, emailColumn)).cast(SQLDataType.VARCHAR);
    dsl().select(email, DSL.field(DSL.name(schema, table, idColumn)))
        .from(DSL.table(DSL.name(schema, table)))
        .where(DSL.falseCondition())
        .fetch();
  }

  /** @return the table as SQL names it, for messages */
  String describe() {
    return dsl().render(DSL.name(schema, table)) + " (" + dsl().render(DSL.name(idColumn)) + ", "
        + dsl().render(DSL.name(emailColumn)) + ")";
  }

  private boolean fitsIdType(String id) {
    try {
      Object parsed = switch (idType) {
        case TEXT -> id;
        case BIGINT -> Long.valueOf(id);
        case INTEGER -> Integer.valueOf(id);
        case UUID -> UUID.fromString(id);
      };
      return parsed != null;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private DataType<?> idDataType() {
    return switch (idType) {
      case TEXT -> SQLDataType.VARCHAR;
      case BIGINT -> SQLDataType.BIGINT;
      case INTEGER -> SQLDataType.INTEGER;
      case UUID -> SQLDataType.UUID;
    };
  }

  private DSLContext dsl() {
    return DSL.using(dataSource, SQLDialect.POSTGRES);
  }
}

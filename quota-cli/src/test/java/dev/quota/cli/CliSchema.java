package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.jooq.testsupport.PostgresDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A fresh schema for one test class, created by the jar's own {@code migrate} before the class and dropped after
 * it, and the service side of the story: a {@link Quota} on quota-jooq's store in the same schema, recording
 * usage as an application would.
 */
final class CliSchema implements BeforeAllCallback, AfterAllCallback {
  private final List<String> schemas = new ArrayList<>();
  private final List<PostgresQuotaStore> stores = new ArrayList<>();
  private String schema;
  private CliJar cli;
  private CliJar.Result migration;
  private Quota service;

  @Override
  public void beforeAll(ExtensionContext context) throws SQLException {
    schema = newSchemaName(context.getRequiredTestClass().getSimpleName());
    cli = new CliJar(PostgresDatabase.url(), schema);
    migration = cli.run("migrate");
    assertThat(migration.exitCode()).as("quota migrate: %s", migration.err()).isZero();
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(dataSource()).schema(schema).strict()
        .listenForChanges(false).build();
    stores.add(store);
    service = Quota.builder().store(store).build();
  }

  @Override
  public void afterAll(ExtensionContext context) throws SQLException {
    stores.forEach(PostgresQuotaStore::close);
    if (schemas.isEmpty()) {
      return; // no database was found: beforeAll said so
    }
    try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
      for (String name : schemas) {
        // a name this class made up: letters, digits and underscores only
        s.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
      }
    }
  }

  /**
   * Makes up a schema name, dropped after the class.
   *
   * @param prefix what the schema is for
   * @return the name
   */
  String newSchemaName(String prefix) throws SQLException {
    String name = ("cli_" + prefix + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT)
        .replaceAll("[^a-z0-9_]", "_");
    name = name.length() > 63 ? name.substring(name.length() - 63) : name;
    schemas.add(name);
    try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
    }
    return name;
  }

  String schema() {
    return schema;
  }

  /** @return the jar, pointed at this class's schema */
  CliJar cli() {
    return cli;
  }

  /** @return what the class's {@code migrate} printed */
  CliJar.Result migration() {
    return migration;
  }

  /** @return the application's quota instance on this class's schema */
  Quota service() {
    return service;
  }

  /** Records usage as the application would. */
  void use(String tenant, long tokens) {
    service.guard().record(UsageEvent.of(TenantId.of(tenant), Meter.AI_TOKENS, tokens,
        UsageKey.of(UUID.randomUUID().toString())));
  }

  /**
   * Runs a statement as the database's administrator, outside quota: to change data behind its back.
   *
   * @param sql the statement, with {@code ?} for the values
   * @param values the values, bound in order
   */
  void execute(String sql, Object... values) throws SQLException {
    try (Connection c = dataSource().getConnection(); var s = c.prepareStatement(sql)) {
      for (int i = 0; i < values.length; i++) {
        s.setObject(i + 1, values[i]);
      }
      s.execute();
    }
  }

  static PGSimpleDataSource dataSource() {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(PostgresDatabase.url());
    return dataSource;
  }
}

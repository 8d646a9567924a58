package dev.quota.cli;

import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.jooq.QuotaSchemaException;
import dev.quota.admin.TenantKey;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.StoredServiceConfiguration;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jooq.DataType;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.SQLDataType;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * quota-jooq's PostgreSQL store in one schema, over the driver's own non-pooling {@code DataSource} whose
 * connections the command reuses ({@link ReusedConnections}): a command needs a connection or two at a time, and a
 * pool's threads would only delay the exit. The store runs without its cache, so every
 * command reads the database as it is now; its admin changes still notify the services' caches.
 */
final class PostgresBackend implements Backend {
  /** How long to wait for a connection before reporting the database unavailable, in seconds. */
  static final int CONNECT_TIMEOUT_SECONDS = 10;

  private final ReusedConnections dataSource;
  private final String schema;
  private Optional<PlanTable> planTable;
  private PostgresQuotaStore store;
  /** A store without a plan table, built to read the service's record before the plan table is settled. */
  private PostgresQuotaStore reader;

  private PostgresBackend(ReusedConnections dataSource, String schema, Optional<PlanTable> planTable) {
    this.dataSource = dataSource;
    this.schema = schema;
    this.planTable = planTable;
  }

  /**
   * Connects to a database and checks that it answers.
   *
   * @param jdbcUrl a {@code jdbc:postgresql:} URL
   * @param schema the schema of quota's tables
   * @param planTable the host's table of tiers, when the services read plans from it
   * @return the backend
   * @throws CliException bad usage for a URL that is not PostgreSQL's, database unavailable if no connection
   *     can be made
   */
  static Backend open(String jdbcUrl, String schema, Optional<PlanTable> planTable) {
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw CliException.usage("--jdbc-url must be a PostgreSQL JDBC URL such as "
          + "jdbc:postgresql://127.0.0.1:5432/app?user=ops, was '" + redact(jdbcUrl) + "'");
    }
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    try {
      dataSource.setURL(jdbcUrl);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("--jdbc-url is not a valid PostgreSQL JDBC URL: '" + redact(jdbcUrl) + "'");
    }
    dataSource.setApplicationName("quota-cli");
    dataSource.setConnectTimeout(CONNECT_TIMEOUT_SECONDS);
    ReusedConnections connections = new ReusedConnections(dataSource);
    try (Connection probe = connections.getConnection()) {
      probe.isValid(CONNECT_TIMEOUT_SECONDS);
    } catch (SQLException e) {
      connections.close();
      throw new CliException(ExitCode.UNAVAILABLE, "database unavailable: cannot connect to " + redact(jdbcUrl)
          + ": " + e.getMessage(), e);
    }
    return new PostgresBackend(connections, schema, planTable);
  }

  /**
   * Hides the credentials of a JDBC URL, for messages.
   *
   * @param jdbcUrl the URL
   * @return the URL with the value of every {@code password} parameter, and any user information, replaced by
   *     {@code ***}
   */
  static String redact(String jdbcUrl) {
    return jdbcUrl.replaceAll("(?i)(password=)[^&]*", "$1***").replaceAll("//[^/@]*@", "//***@");
  }

  @Override
  public QuotaStore store() {
    if (store == null) {
      store = reader != null && planTable.isEmpty() ? reader : build(planTable);
    }
    return store;
  }

  @Override
  public Optional<StoredServiceConfiguration> serviceConfiguration() {
    if (store != null) {
      return store.latestServiceConfiguration();
    }
    if (reader == null) {
      reader = build(Optional.empty());
    }
    return reader.latestServiceConfiguration();
  }

  @Override
  public void readPlansFrom(PlanTable table) {
    if (store != null) {
      throw new IllegalStateException("the store was built before its plan table was settled");
    }
    this.planTable = Optional.of(table);
  }

  private PostgresQuotaStore build(Optional<PlanTable> plans) {
    // strict: an operator reads the database as it is now, never a cached state
    PostgresQuotaStore.Builder builder = PostgresQuotaStore.builder().dataSource(dataSource).schema(schema)
        .strict().listenForChanges(false);
    plans.ifPresent(t -> builder.plansFromHostTable(t.schema(), t.table(), t.idColumn(), t.tierColumn(),
        idType(t.idType())));
    try {
      return builder.build();
    } catch (QuotaSchemaException e) {
      // the library's own words: what is missing and what to run
      throw new CliException(ExitCode.UNAVAILABLE, e.getMessage(), e);
    }
  }

  private static DataType<?> idType(String name) {
    return switch (name) {
      case "bigint" -> SQLDataType.BIGINT;
      case "integer" -> SQLDataType.INTEGER;
      case "uuid" -> SQLDataType.UUID;
      default -> SQLDataType.VARCHAR;
    };
  }

  @Override
  public List<String> findTenants(TenantKey key, String value, int limit) {
    try {
      return TenantFinder.find(dataSource, key, value, limit);
    } catch (DataAccessException e) {
      throw new CliException(ExitCode.UNAVAILABLE, "the tenant key " + key.describe() + " the service recorded "
          + "cannot be read: " + e.getMessage(), e);
    }
  }

  @Override
  public Migration migrate() {
    return new Migration(schema, PostgresQuotaStore.createSchema(dataSource, schema));
  }

  @Override
  public Archival archive(Instant before) {
    store();
    return new Archival(before, store.archiveUsage(before));
  }

  @Override
  public void close() {
    if (store != null) {
      store.close();
    }
    if (reader != null && reader != store) {
      reader.close();
    }
    dataSource.close();
  }
}

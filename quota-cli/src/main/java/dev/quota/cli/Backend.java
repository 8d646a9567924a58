package dev.quota.cli;

import dev.quota.admin.TenantKey;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.StoredServiceConfiguration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The database the commands work on: quota's store in one schema, plus the two maintenance operations
 * that are not part of the storage SPI (schema migration and archival).
 *
 * <p>Opening a backend checks that the database can be reached; the store is created on first use, so
 * that {@code migrate} can run on an empty schema.
 */
interface Backend extends AutoCloseable {

  /**
   * Returns the store, created on first call.
   *
   * @return the store of the schema
   * @throws CliException (database unavailable) if the schema has no quota tables
   */
  QuotaStore store();

  /**
   * Reads the configuration the service last recorded in the schema, without building {@link #store()}: what it
   * records settles the plan table the store is built with.
   *
   * @return the latest record; empty if no service recorded one
   * @throws CliException (database unavailable) if the schema has no quota tables
   */
  Optional<StoredServiceConfiguration> serviceConfiguration();

  /**
   * Makes {@link #store()} read plans from the host's table, as the service recorded it does; called before the
   * store is first used.
   *
   * @param table the host's table of tiers
   */
  void readPlansFrom(PlanTable table);

  /**
   * Finds tenants by a human key in the host's table ({@link TenantFinder}); reads only.
   *
   * @param key the table and columns, as the service recorded them
   * @param value what the ticket says
   * @param limit how many ids at most
   * @return the matching tenant ids, in order
   */
  List<String> findTenants(TenantKey key, String value, int limit);

  /**
   * Creates the schema and quota's tables in it, unless they exist.
   *
   * @return what was done
   */
  Migration migrate();

  /**
   * Moves ledger entries that occurred before an instant to the archive. Balances do not change.
   *
   * @param before the first instant kept in the ledger
   * @return what was moved
   */
  Archival archive(Instant before);

  /** Releases the connections. */
  @Override
  void close();

  /**
   * What {@link #migrate()} did.
   *
   * @param schema the schema
   * @param created whether scripts ran now (tables created or upgraded); {@code false} if they were up to date
   */
  record Migration(String schema, boolean created) {}

  /**
   * What {@link #archive(Instant)} did.
   *
   * @param before the cut-off: entries that occurred before it were moved
   * @param entries how many ledger entries were moved
   */
  record Archival(Instant before, long entries) {}

  /** Opens a backend. */
  @FunctionalInterface
  interface Opener {
    /**
     * Connects to a database and checks that it answers.
     *
     * @param jdbcUrl the JDBC URL, credentials included if the database needs them
     * @param schema the schema quota's tables live in
     * @param planTable the host's table of tiers given with {@code --plans-from}, if any
     * @return the backend
     * @throws CliException (database unavailable) if the database cannot be reached
     */
    Backend open(String jdbcUrl, String schema, Optional<PlanTable> planTable);
  }
}

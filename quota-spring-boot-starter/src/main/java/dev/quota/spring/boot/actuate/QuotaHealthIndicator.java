package dev.quota.spring.boot.actuate;

import dev.quota.jooq.PostgresQuotaStore;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The {@code quota} health contributor: whether quota's tables in PostgreSQL can be reached, and whether the
 * listener that hears other instances' admin changes is connected.
 *
 * <p>DOWN when the database cannot be reached or quota's tables are missing: the failure policy is deciding.
 * A disconnected listener does not make the application DOWN, since the store keeps working and the cache's
 * staleness bounds what this instance misses; it shows as {@code "notifications": "reconnecting"} (or
 * {@code "off"} when the cache or the listener is turned off).
 */
public class QuotaHealthIndicator extends AbstractHealthIndicator {
  private final PostgresQuotaStore store;
  private final DataSource dataSource;
  private final boolean listenerExpected;

  /**
   * Creates the indicator.
   *
   * @param store the store
   * @param dataSource the store's data source
   * @param listenerExpected whether the store was built with its cache and change listener on
   */
  public QuotaHealthIndicator(PostgresQuotaStore store, DataSource dataSource, boolean listenerExpected) {
    super("quota health check failed");
    this.store = store;
    this.dataSource = dataSource;
    this.listenerExpected = listenerExpected;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    builder.withDetail("schema", store.schema());
    builder.withDetail("notifications", !listenerExpected ? "off" : store.isListening() ? "listening" : "reconnecting");
    // Throws when the database cannot be reached, which makes the status DOWN with the error as detail.
    DSLContext dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
    boolean tables = dsl.select(DSL.function(DSL.name("to_regclass"), SQLDataType.VARCHAR,
        DSL.val(dsl.render(DSL.name(store.schema(), "tenant")))).isNotNull()).fetchSingle().value1();
    builder.withDetail("database", tables ? "reachable" : "reachable, but quota's tables are missing");
    if (tables) {
      builder.up();
    } else {
      builder.down();
    }
  }
}

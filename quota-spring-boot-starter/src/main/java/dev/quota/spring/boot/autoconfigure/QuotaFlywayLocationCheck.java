package dev.quota.spring.boot.autoconfigure;

import dev.quota.jooq.PostgresQuotaStore;
import org.flywaydb.core.api.Location;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.flyway.autoconfigure.FlywayConfigurationCustomizer;

/**
 * Stops the application's own Flyway from also running quota's scripts. Flyway scans a location's sub-folders,
 * so a location such as {@code classpath:db} takes in quota's {@code db/quota} too: its version 1 then clashes
 * with the application's, or quota's tables are silently created a second time in the application's schema.
 * (Flyway's default {@code classpath:db/migration} does not: quota keeps its scripts outside it for this
 * reason.) Since quota migrates its scripts in a run of its own, such a location is refused at start-up with a
 * message saying what to change.
 */
final class QuotaFlywayLocationCheck implements FlywayConfigurationCustomizer {
  private static final Location QUOTA = new Location(PostgresQuotaStore.MIGRATION_LOCATION);

  private final String schema;

  QuotaFlywayLocationCheck(String schema) {
    this.schema = schema;
  }

  @Override
  public void customize(FluentConfiguration configuration) {
    for (Location location : configuration.getLocations()) {
      if (covers(location)) {
        throw new InvalidConfigurationPropertyValueException("spring.flyway.locations", location.getDescriptor(),
            "takes in quota's scripts (" + PostgresQuotaStore.MIGRATION_LOCATION + "), which quota migrates in "
                + "schema '" + schema + "' in a Flyway run of its own. Keep the application's scripts in a folder "
                + "of their own, such as classpath:db/migration/app, and set spring.flyway.locations to it (or set "
                + "quota.schema.use-flyway=false to migrate quota's scripts yourself).");
      }
    }
  }

  static boolean covers(Location location) {
    if (!location.isClassPath()) {
      return false;
    }
    String quotaPath = QUOTA.getPath();
    if (location.getPathRegex() != null) {
      return location.matchesPath(quotaPath);
    }
    String root = location.getRootPath();
    return root.isEmpty() || quotaPath.equals(root) || quotaPath.startsWith(root + "/");
  }
}

package dev.quota.cli;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.TierCatalogue;
import dev.quota.admin.Actor;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.TenantKey;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One run's connection to quota: the backend, the catalogue, the operator's zone and actor, and the output.
 * The {@link Quota} instance is built on first use, so that {@code migrate} and {@code archive} work on a
 * schema that has no tables yet.
 */
final class Session implements AutoCloseable {
  /** How many tenants an ambiguous key lists. */
  static final int MAX_CANDIDATES = 20;

  private final Environment env;
  private final Backend backend;
  private final String schema;
  private final Optional<Tiers.Given<CatalogueFile>> givenCatalogue;
  private final ZoneId zone;
  private final String actorId;
  private final Output output;
  private final Optional<Tiers.Given<PlanTable>> givenPlans;
  private Tiers tiers;
  private Quota quota;

  Session(Environment env, Backend backend, String schema, Optional<Tiers.Given<CatalogueFile>> givenCatalogue,
      ZoneId zone, String actorId, boolean json, Optional<Tiers.Given<PlanTable>> givenPlans) {
    this.givenPlans = givenPlans;
    this.env = env;
    this.backend = backend;
    this.schema = schema;
    this.givenCatalogue = givenCatalogue;
    this.zone = zone;
    this.actorId = actorId;
    this.output = new Output(env.out(), json);
  }

  /**
   * Settles the tiers on first call: what the service recorded, unless overridden (with a warning where they
   * differ), else the options or the defaults.
   *
   * @return the tiers of this run
   */
  Tiers tiers() {
    if (tiers == null) {
      tiers = Tiers.resolve(givenCatalogue, givenPlans, backend.serviceConfiguration(), schema, zone, env.err());
      if (givenPlans.isEmpty()) {
        tiers.planTable().ifPresent(backend::readPlansFrom); // as the service recorded them
      }
    }
    return tiers;
  }

  /**
   * Reads a tenant argument: a tenant id, or an e-mail address (text with {@code @}) found by the tenant key the
   * service recorded, saying on stderr which tenant it resolved to. An address that matches no row is taken as a
   * tenant id (ids may be addresses), which the commands then find known or not.
   *
   * @param given what the operator typed
   * @return the tenant id
   * @throws CliException (bad usage) if the address matches several tenants, listing them
   */
  TenantId tenant(String given) {
    if (!TenantFinder.isEmail(given) || tiers().tenantKey().isEmpty()) {
      return TenantId.of(given);
    }
    TenantKey key = tiers().tenantKey().get();
    List<String> ids = backend.findTenants(key, given, MAX_CANDIDATES + 1);
    if (ids.isEmpty()) {
      env.err().println("quota: no row of " + key.describe() + " matches '" + given + "'; taken as a tenant id");
      return TenantId.of(given);
    }
    if (ids.size() > 1) {
      throw CliException.usage("'" + given + "' matches several tenants in " + key.describe() + ": "
          + String.join(", ", ids.subList(0, Math.min(ids.size(), MAX_CANDIDATES)))
          + (ids.size() > MAX_CANDIDATES ? " and more" : "") + "; give the tenant id; nothing was changed");
    }
    env.err().println("quota: " + given + " is tenant " + ids.get(0) + " (" + key.describe() + ")");
    return TenantId.of(ids.get(0));
  }

  /**
   * Finds tenants by the tenant key the service recorded.
   *
   * @param value what the ticket says
   * @return the key and the matching ids (at most {@value #MAX_CANDIDATES} + 1, to tell that more exist)
   * @throws CliException (bad usage) if the service recorded no tenant key
   */
  Map.Entry<TenantKey, List<String>> find(String value) {
    TenantKey key = tiers().tenantKey().orElseThrow(() -> CliException.usage("the service recorded no tenant key, "
        + "so tenants can only be named by id (" + tiers().source() + "); a service says how tenants are found with "
        + "quota.tenant-key.key-column (Spring Boot starter) or Quota.Builder.tenantKey(...)"));
    return Map.entry(key, backend.findTenants(key, value, MAX_CANDIDATES + 1));
  }

  /** @return the quota instance over the schema's store, built on first call */
  Quota quota() {
    if (quota == null) {
      CatalogueFile catalogueFile = tiers().catalogue();
      quota = Quota.builder()
          .store(backend.store())
          .catalogue(catalogueFile.catalogue())
          .clock(env.clock())
          .alertThresholds(catalogueFile.alertThresholds().stream().mapToInt(Integer::intValue).toArray())
          // the thresholds the services use: an admin change re-arms those it brings usage back below
          .build();
    }
    return quota;
  }

  QuotaGuard guard() {
    return quota().guard();
  }

  QuotaAdmin admin() {
    return quota().admin();
  }

  /** @return the host's table of tiers, when plans are read from it */
  Optional<PlanTable> planTable() {
    return tiers().planTable();
  }

  Backend backend() {
    return backend;
  }

  String schema() {
    return schema;
  }

  TierCatalogue catalogue() {
    return tiers().catalogue().catalogue();
  }

  /**
   * Resolves a meter option.
   *
   * @param name the meter's name, or null for the catalogue's default meter
   * @return a meter of the catalogue
   * @throws InvalidRequestException if the catalogue does not declare it
   */
  Meter meter(String name) {
    return name == null ? catalogue().defaultMeter() : catalogue().requireMeter(Meter.of(name));
  }

  /**
   * Resolves a time option against now and, for {@code end-of-period} and {@code start-of-period}, the
   * tenant's current period on a meter.
   *
   * @param option the option's name, for messages
   * @param when the parsed time
   * @param tenant the tenant whose period counts, or null when the command has none
   * @param meter the meter whose period counts
   * @return the instant
   */
  Instant resolve(String option, When when, TenantId tenant, Meter meter) {
    Supplier<Period> period = () -> {
      if (tenant == null) {
        throw CliException.usage(option + ": end-of-period and start-of-period need a tenant; give an instant, "
            + "a date or a relative time");
      }
      return guard().usage(tenant, meter).period();
    };
    return when.resolve(now(), zone, period);
  }

  Instant now() {
    return env.clock().instant();
  }

  ZoneId zone() {
    return zone;
  }

  Actor actor() {
    return Actor.of(actorId);
  }

  Output out() {
    return output;
  }

  Environment env() {
    return env;
  }

  @Override
  public void close() {
    backend.close();
  }
}

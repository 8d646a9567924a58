package dev.quota.cli;

import dev.quota.InvalidRequestException;
import dev.quota.admin.PlanSource;
import dev.quota.admin.ServiceConfiguration;
import dev.quota.admin.TenantKey;
import dev.quota.spi.StoredServiceConfiguration;
import java.io.PrintStream;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;

/**
 * The tiers, limits and plan source the command line evaluates with, and where they come from: by default what the
 * service recorded in quota's schema at its start ({@link ServiceConfiguration}); {@code --catalogue} and
 * {@code --plans-from} override it, with a warning on stderr naming what differs from the record; with nothing
 * recorded, the options or the library's defaults, as said in {@link #source()}.
 *
 * @param catalogue the tiers, meters and alert thresholds to evaluate with
 * @param planTable the host's table of tiers to read plans from, if any
 * @param plans where plans come from, as far as the command line knows
 * @param tenantKey how tenants are found by a human key, if the service said
 * @param source where the tiers come from, for the operator: e.g. {@code as recorded by planner 1.4.2 at ...}
 * @param plansOrigin who says where plans come from: e.g. {@code --plans-from} or {@code as recorded by ...}
 */
record Tiers(CatalogueFile catalogue, Optional<PlanTable> planTable, PlanSource plans, Optional<TenantKey> tenantKey,
    String source, String plansOrigin) {

  /**
   * Settles the tiers of a run.
   *
   * @param given the catalogue of {@code --catalogue} or {@code $QUOTA_CATALOGUE}, and how it was given
   * @param givenPlans the table of {@code --plans-from} or {@code $QUOTA_PLANS_FROM}
   * @param stored the service's latest record, if any
   * @param schema quota's schema, for messages
   * @param zone the operator's zone, for the record's time
   * @param err where warnings go
   * @return the tiers
   */
  static Tiers resolve(Optional<Given<CatalogueFile>> given, Optional<Given<PlanTable>> givenPlans,
      Optional<StoredServiceConfiguration> stored, String schema, ZoneId zone, PrintStream err) {
    if (stored.isEmpty()) {
      return fallback(given, givenPlans, "no service has recorded its configuration in schema " + schema);
    }
    StoredServiceConfiguration record = stored.get();
    String by = record.service() + " " + record.serviceVersion() + " at " + Text.time(record.writtenAt(), zone)
        + " (version " + record.version() + ")";
    ServiceConfiguration recorded;
    try {
      recorded = ServiceConfiguration.fromText(record.service(), record.serviceVersion(), record.content());
    } catch (InvalidRequestException e) {
      err.println("quota: warning: the configuration recorded by " + by + " cannot be read without the service's "
          + "code (" + e.getMessage() + ")");
      return fallback(given, givenPlans, "the configuration recorded by " + by + " is unreadable");
    }
    CatalogueFile catalogue = given.map(Given::value)
        .orElseGet(() -> new CatalogueFile(recorded.catalogue(), recorded.alertThresholds()));
    given.ifPresent(g -> warnIfDifferent(err, g.option(), by, recorded,
        new ServiceConfiguration(recorded.service(), recorded.serviceVersion(), g.value().catalogue(),
            g.value().alertThresholds(), recorded.plans(), recorded.tenantKey())));
    PlanSource plans = recorded.plans();
    Optional<PlanTable> planTable = recorded.plans() instanceof PlanSource.HostTable host
        ? Optional.of(new PlanTable(host.schema(), host.table(), host.idColumn(), host.idType(), host.tierColumn()))
        : Optional.empty();
    if (givenPlans.isPresent()) {
      PlanTable table = givenPlans.get().value();
      plans = source(table);
      planTable = Optional.of(table);
      warnIfDifferent(err, givenPlans.get().option(), by, recorded, new ServiceConfiguration(recorded.service(),
          recorded.serviceVersion(), recorded.catalogue(), recorded.alertThresholds(), plans, recorded.tenantKey()));
    }
    return new Tiers(catalogue, planTable, plans, Optional.ofNullable(recorded.tenantKey()),
        "as recorded by " + by + (given.isPresent() || givenPlans.isPresent() ? ", overridden by "
            + String.join(" and ", options(given, givenPlans)) : ""),
        givenPlans.map(Given::option).orElse("as recorded by " + by));
  }

  private static Tiers fallback(Optional<Given<CatalogueFile>> given, Optional<Given<PlanTable>> givenPlans,
      String why) {
    CatalogueFile catalogue = given.map(Given::value).orElse(CatalogueFile.defaults());
    String from = given.map(g -> "from " + g.option()).orElse("the library's defaults");
    Optional<PlanTable> planTable = givenPlans.map(Given::value);
    return new Tiers(catalogue, planTable, planTable.map(Tiers::source).orElse(PlanSource.QUOTA_TABLE),
        Optional.empty(), from + ": " + why, givenPlans.map(Given::option).orElse("quota's own plans"));
  }

  private static List<String> options(Optional<Given<CatalogueFile>> given, Optional<Given<PlanTable>> plans) {
    return java.util.stream.Stream.concat(given.stream().map(Given::option), plans.stream().map(Given::option))
        .toList();
  }

  private static void warnIfDifferent(PrintStream err, String option, String by, ServiceConfiguration recorded,
      ServiceConfiguration given) {
    List<String> differences = given.differencesFrom(recorded);
    if (!differences.isEmpty()) {
      err.println("quota: warning: " + option + " disagrees with what " + by + " recorded (recorded -> given): "
          + String.join("; ", differences));
    }
  }

  private static PlanSource source(PlanTable table) {
    return new PlanSource.HostTable(table.schema(), table.table(), table.idColumn(), table.tierColumn(),
        table.idType());
  }

  /**
   * An override and how it was given.
   *
   * @param value the value
   * @param option e.g. {@code --catalogue tiers.properties}, {@code --plans-from} or {@code $QUOTA_PLANS_FROM}
   * @param <T> the value's type
   */
  record Given<T>(T value, String option) {}
}

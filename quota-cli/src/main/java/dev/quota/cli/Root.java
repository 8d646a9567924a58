package dev.quota.cli;

import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code quota} command: the global options, which may be given before or after the command's name,
 * and the session they open.
 */
@Command(name = "quota",
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = "Operate quota on its PostgreSQL store: read usage, unblock tenants without destroying "
        + "history, change plans, read the audit log.",
    subcommands = {
        UsageCommand.class,
        FindCommand.class,
        TopCommand.class,
        ResetCommand.class,
        GrantCommand.class,
        CreditCommand.class,
        LimitCommand.class,
        OverrideTierCommand.class,
        BypassCommand.class,
        RevokeCommand.class,
        PlanCommand.class,
        ParentCommand.class,
        TreeCommand.class,
        AuditCommand.class,
        NotificationsCommand.class,
        HistoryCommand.class,
        VerifyCommand.class,
        MigrateCommand.class,
        ArchiveCommand.class,
        PurgeCommand.class,
        SimulateCommand.class,
        ConsoleCommand.class
    },
    footerHeading = "%nExit codes:%n",
    footer = {
        "  0  done; for usage: the tenant may proceed",
        "  1  refused or blocked: not authorized, no such entitlement, usage of a",
        "     blocked tenant, verify found a drift, purge not confirmed",
        "  2  bad usage: unknown command or option, missing argument or --reason,",
        "     bad value, a change to a tenant quota does not know (see --new-tenant)",
        "  3  database unavailable, or the schema has no quota tables (run migrate)",
        "  4  unexpected failure (--verbose shows the stack trace)",
        "",
        "Environment: QUOTA_JDBC_URL, QUOTA_SCHEMA, QUOTA_CATALOGUE and",
        "QUOTA_PLANS_FROM stand in for --jdbc-url, --schema, --catalogue and",
        "--plans-from."
    })
final class Root implements Runnable {
  /** The schema without {@code --schema} or {@code QUOTA_SCHEMA}. */
  static final String DEFAULT_SCHEMA = "quota";

  private final Environment env;
  private Session session;

  @Spec
  CommandSpec spec;

  @Option(names = "--jdbc-url", paramLabel = "URL", scope = ScopeType.INHERIT,
      description = "The PostgreSQL database, e.g. jdbc:postgresql://db:5432/app?user=ops "
          + "(default: $QUOTA_JDBC_URL). Passwords: in the URL, or in ~/.pgpass.")
  String jdbcUrl;

  @Option(names = "--schema", paramLabel = "NAME", scope = ScopeType.INHERIT,
      description = "The schema of quota's tables (default: $QUOTA_SCHEMA, else " + DEFAULT_SCHEMA + ").")
  String schema;

  @Option(names = "--catalogue", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "Tiers, limits, meters and periods instead of those the service recorded in the schema at its "
          + "start (warns where they differ); without a record, instead of the defaults free 100k / pro 1M / "
          + "enterprise 10M ai-tokens per calendar month, UTC (default: $QUOTA_CATALOGUE). Format: "
          + "quota-cli/catalogue.example.properties.")
  Path catalogue;

  @Option(names = "--plans-from", paramLabel = "TABLE", scope = ScopeType.INHERIT,
      description = "Read tenants' tiers from the host's table, as services built with plansFromHostTable do: "
          + "SCHEMA.TABLE(ID_COLUMN[:TYPE],TIER_COLUMN), e.g. public.user(id:bigint,tier) (default: "
          + "$QUOTA_PLANS_FROM, else where the service recorded its plans come from, else quota's own plans; warns "
          + "where it differs from the record).")
  String plansFrom;

  @Option(names = "--zone", paramLabel = "ZONE", scope = ScopeType.INHERIT,
      description = "The zone times are shown and dates are read in, e.g. Europe/Berlin (default: the "
          + "system's zone).")
  String zone;

  @Option(names = "--actor", paramLabel = "ID", scope = ScopeType.INHERIT,
      description = "Who makes the change, for the audit log (default: the operating system's user).")
  String actor;

  @Option(names = "--json", scope = ScopeType.INHERIT,
      description = "Print machine-readable JSON instead of tables.")
  boolean json;

  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "Show the library's log lines and the stack trace of a failure.")
  boolean verbose;

  Root(Environment env) {
    this.env = env;
  }

  /** Without a command: bad usage. */
  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a command is required: usage, find, top, reset, grant, "
        + "credit, limit, override-tier, bypass, revoke, plan, parent, tree, audit, notifications, history, verify, "
        + "migrate, archive, purge, simulate or console");
  }

  Environment env() {
    return env;
  }

  /** @return the operator's zone: {@code --zone}, else the system's */
  ZoneId zone() {
    if (zone == null) {
      return env.systemZone();
    }
    try {
      return ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw CliException.usage("--zone: '" + zone + "' is not a zone; use a region such as Europe/Berlin, "
          + "UTC or an offset such as +01:00");
    }
  }

  /**
   * Opens the session on first call: reads the catalogue, then connects to the database.
   *
   * @return the session of this run
   */
  Session session() {
    if (session == null) {
      ZoneId operatorZone = zone();
      Optional<Tiers.Given<CatalogueFile>> tiers = catalogueFile();
      String url = jdbcUrl != null ? jdbcUrl : env.variable("QUOTA_JDBC_URL").orElseThrow(() -> CliException.usage(
          "no database given: pass --jdbc-url URL or set QUOTA_JDBC_URL"));
      String schemaName = schema != null ? schema : env.variable("QUOTA_SCHEMA").orElse(DEFAULT_SCHEMA);
      Optional<Tiers.Given<PlanTable>> planTable = plansFrom != null
          ? Optional.of(new Tiers.Given<>(PlanTable.parse(plansFrom), "--plans-from"))
          : env.variable("QUOTA_PLANS_FROM").map(v -> new Tiers.Given<>(PlanTable.parse(v), "$QUOTA_PLANS_FROM"));
      Backend backend = env.backends().open(url, schemaName, planTable.map(Tiers.Given::value));
      session = new Session(env, backend, schemaName, tiers, operatorZone, actorId(), json, planTable);
    }
    return session;
  }

  /** @return the catalogue given with {@code --catalogue} or {@code $QUOTA_CATALOGUE}, read now to fail early */
  private Optional<Tiers.Given<CatalogueFile>> catalogueFile() {
    if (catalogue != null) {
      return Optional.of(new Tiers.Given<>(CatalogueFile.read(catalogue), "--catalogue " + catalogue));
    }
    return env.variable("QUOTA_CATALOGUE").map(Path::of)
        .map(file -> new Tiers.Given<>(CatalogueFile.read(file), "$QUOTA_CATALOGUE (" + file + ")"));
  }

  private String actorId() {
    if (actor != null) {
      return actor;
    }
    if (env.userName().isBlank()) {
      throw CliException.usage("the operating system's user is unknown: pass --actor ID");
    }
    return env.userName();
  }

  boolean json() {
    return json;
  }

  boolean verbose() {
    return verbose;
  }

  /** The schema as configured, for messages before a session exists. */
  String schemaName() {
    return schema != null ? schema : env.variable("QUOTA_SCHEMA").orElse(DEFAULT_SCHEMA);
  }

  /** Closes the session's connections, if one was opened. */
  void close() {
    if (session != null) {
      session.close();
    }
  }
}

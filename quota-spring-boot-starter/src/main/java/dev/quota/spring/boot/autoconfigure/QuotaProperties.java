package dev.quota.spring.boot.autoconfigure;

import dev.quota.EnforcementMode;
import dev.quota.FailurePolicy;
import dev.quota.PlanFallback;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code quota.*} properties: the tier catalogue, the enforcement mode, the failure policy, alert
 * thresholds, and the PostgreSQL store's schema, cache and plan source.
 *
 * <p>Without any property the defaults are quota's: tiers {@code free} 100,000, {@code pro} 1,000,000 and
 * {@code enterprise} 10,000,000 {@code ai-tokens} a calendar month in UTC; tenants without a plan or with an
 * unknown tier on {@code free}; enforcement on; deny while the database is unreachable; alerts at 80, 90 and
 * 100 percent. Invalid values stop the application at start-up with a message naming the property.
 *
 * {@snippet lang=yaml :
 * quota:
 *   period:
 *     zone: Europe/Berlin
 *   tiers:
 *     - name: free
 *       limits: { ai-tokens: 100000, ai-calls: 50 }
 *     - name: pro
 *       limits: { ai-tokens: 1000000, ai-calls: 1000 }
 *       rollover: { ai-tokens: 50% }
 *       windows: { ai-tokens: { minute: 60000 } }
 *   meters:
 *     ai-calls:
 *       period: day
 * }
 */
@ConfigurationProperties("quota")
public class QuotaProperties {

  /** Whether denials block (enforce) or are only reported while everything is let through (shadow). */
  private EnforcementMode mode = EnforcementMode.ENFORCE;

  /**
   * The tiers from the least to the most generous, each with its limit per period on every meter. Unset: free
   * 100000, pro 1000000 and enterprise 10000000 ai-tokens.
   */
  private List<TierLimits> tiers = defaultTiers();

  /**
   * Per meter, how its usage is cut into periods. A meter named only in the tiers' limits gets calendar months
   * in quota.period.zone, anchored at quota.period.billing-day.
   */
  private Map<String, MeterPeriod> meters = new LinkedHashMap<>();

  /**
   * The meter that canProceed(tenant) checks and the usage endpoint shows first. Unset: ai-tokens if the tiers
   * name it, else the only meter.
   */
  private @Nullable String defaultMeter;

  /** The tier of tenants without a plan or with an unknown tier, when those fall back to a default. */
  private String defaultTier = "free";

  /** What happens to a tenant without a plan: use-default-tier or reject (denied everything). */
  private PlanFallback whenNoPlan = PlanFallback.USE_DEFAULT_TIER;

  /** What happens to a tenant whose plan names a tier that is not configured: use-default-tier or reject. */
  private PlanFallback whenUnknownTier = PlanFallback.USE_DEFAULT_TIER;

  /** The default periods of monthly meters. */
  private final PeriodDefaults period = new PeriodDefaults();

  /** What the guard decides while the database cannot be reached. */
  private final Failure failure = new Failure();

  /** Threshold alerts. */
  private final Alerts alerts = new Alerts();

  /** The longest time-to-live a reservation may ask for. */
  private Duration maxReservationTtl = Duration.ofHours(1);

  /** The longest a grant, tier override or bypass may last. */
  private Duration maxEntitlementDuration = Duration.ofDays(90);

  /**
   * The zone usage history (QuotaAdmin.usageHistory, quota history, usage pages) is cut into days and hours in.
   * Unset: quota.period.zone.
   */
  private @Nullable ZoneId historyZone;

  /** Where quota's tables live and how they are created. */
  private final Schema schema = new Schema();

  /** The PostgreSQL store's cache of tenant states on the canProceed and usage path. */
  private final Cache cache = new Cache();

  /** Tenants' tiers from a table of the application instead of quota's own plans. */
  private final HostTierTable hostTierTable = new HostTierTable();

  /** Micrometer metrics. */
  private final Metrics metrics = new Metrics();

  /** How the service records the configuration it enforces, for the quota command line and the console. */
  private final Service service = new Service();

  /** How operators find tenants by a human key, such as an e-mail column of the application's user table. */
  private final TenantKey tenantKey = new TenantKey();

  private static List<TierLimits> defaultTiers() {
    List<TierLimits> tiers = new ArrayList<>();
    tiers.add(TierLimits.of("free", 100_000));
    tiers.add(TierLimits.of("pro", 1_000_000));
    tiers.add(TierLimits.of("enterprise", 10_000_000));
    return tiers;
  }

  /** @return whether denials block */
  public EnforcementMode getMode() {
    return mode;
  }

  /** @param mode whether denials block */
  public void setMode(EnforcementMode mode) {
    this.mode = mode;
  }

  /** @return the tiers, least generous first */
  public List<TierLimits> getTiers() {
    return tiers;
  }

  /** @param tiers the tiers, least generous first */
  public void setTiers(List<TierLimits> tiers) {
    this.tiers = tiers;
  }

  /** @return the period settings per meter name */
  public Map<String, MeterPeriod> getMeters() {
    return meters;
  }

  /** @param meters the period settings per meter name */
  public void setMeters(Map<String, MeterPeriod> meters) {
    this.meters = meters;
  }

  /** @return the default meter's name, or {@code null} to derive it */
  public @Nullable String getDefaultMeter() {
    return defaultMeter;
  }

  /** @param defaultMeter the default meter's name */
  public void setDefaultMeter(@Nullable String defaultMeter) {
    this.defaultMeter = defaultMeter;
  }

  /** @return the default tier's name */
  public String getDefaultTier() {
    return defaultTier;
  }

  /** @param defaultTier the default tier's name */
  public void setDefaultTier(String defaultTier) {
    this.defaultTier = defaultTier;
  }

  /** @return what happens to a tenant without a plan */
  public PlanFallback getWhenNoPlan() {
    return whenNoPlan;
  }

  /** @param whenNoPlan what happens to a tenant without a plan */
  public void setWhenNoPlan(PlanFallback whenNoPlan) {
    this.whenNoPlan = whenNoPlan;
  }

  /** @return what happens to a tenant with an unknown tier */
  public PlanFallback getWhenUnknownTier() {
    return whenUnknownTier;
  }

  /** @param whenUnknownTier what happens to a tenant with an unknown tier */
  public void setWhenUnknownTier(PlanFallback whenUnknownTier) {
    this.whenUnknownTier = whenUnknownTier;
  }

  /** @return the default periods */
  public PeriodDefaults getPeriod() {
    return period;
  }

  /** @return the failure policy settings */
  public Failure getFailure() {
    return failure;
  }

  /** @return the alert settings */
  public Alerts getAlerts() {
    return alerts;
  }

  /** @return the longest reservation */
  public Duration getMaxReservationTtl() {
    return maxReservationTtl;
  }

  /** @param maxReservationTtl the longest reservation */
  public void setMaxReservationTtl(Duration maxReservationTtl) {
    this.maxReservationTtl = maxReservationTtl;
  }

  /** @return the longest grant, override or bypass */
  public Duration getMaxEntitlementDuration() {
    return maxEntitlementDuration;
  }

  /** @param maxEntitlementDuration the longest grant, override or bypass */
  public void setMaxEntitlementDuration(Duration maxEntitlementDuration) {
    this.maxEntitlementDuration = maxEntitlementDuration;
  }

  /** @return the zone usage history is cut into days and hours in, or {@code null} for quota.period.zone */
  public @Nullable ZoneId getHistoryZone() {
    return historyZone;
  }

  /** @param historyZone the zone usage history is cut into days and hours in */
  public void setHistoryZone(@Nullable ZoneId historyZone) {
    this.historyZone = historyZone;
  }

  /** @return the schema settings */
  public Schema getSchema() {
    return schema;
  }

  /** @return the cache settings */
  public Cache getCache() {
    return cache;
  }

  /** @return the host tier table settings */
  public HostTierTable getHostTierTable() {
    return hostTierTable;
  }

  /** @return how the service records its configuration */
  public Service getService() {
    return service;
  }

  /** @return how tenants are found by a human key */
  public TenantKey getTenantKey() {
    return tenantKey;
  }

  /** @return the metrics settings */
  public Metrics getMetrics() {
    return metrics;
  }

  /** A tier and its limits. */
  public static class TierLimits {
    /** The tier's name, as plans and tier overrides name it (case-sensitive). */
    private @Nullable String name;

    /**
     * Its limit per period on every meter, in the meter's unit (tokens for ai-tokens), keyed by meter name. Write
     * keys with dots in brackets: limits[ai.calls].
     */
    private Map<String, Long> limits = new LinkedHashMap<>();

    /**
     * Per meter, how much of the tier's unused allowance rolls over into the next period, as a share of the limit: 1%
     * to 100% (such as 50%), keyed by meter name; only on meters where the tier has a limit. Unset: nothing rolls
     * over.
     */
    private Map<String, String> rollover = new LinkedHashMap<>();

    /**
     * Per meter, the tier's limits in short windows besides its limit per period, in the meter's unit, keyed by meter
     * name and then by window: minute, hour or day, each aligned to UTC (windows.ai-tokens.minute=60000). A shorter
     * window must not allow more than a longer one, nor more than the limit per period. Usage counts in every window
     * any tier declares on the meter. Unset: only the limit per period.
     */
    private Map<String, Map<String, String>> windows = new LinkedHashMap<>();

    static TierLimits of(String name, long aiTokens) {
      TierLimits tier = new TierLimits();
      tier.setName(name);
      tier.getLimits().put("ai-tokens", aiTokens);
      return tier;
    }

    /** @return the tier's name */
    public @Nullable String getName() {
      return name;
    }

    /** @param name the tier's name */
    public void setName(@Nullable String name) {
      this.name = name;
    }

    /** @return the limits by meter name, in the meter's unit */
    public Map<String, Long> getLimits() {
      return limits;
    }

    /** @param limits the limits by meter name, in the meter's unit */
    public void setLimits(Map<String, Long> limits) {
      this.limits = limits;
    }

    /** @return the rollover caps by meter name, such as 50% */
    public Map<String, String> getRollover() {
      return rollover;
    }

    /** @param rollover the rollover caps by meter name, such as 50% */
    public void setRollover(Map<String, String> rollover) {
      this.rollover = rollover;
    }

    /** @return the short-window limits by meter name and then by window (minute, hour or day) */
    public Map<String, Map<String, String>> getWindows() {
      return windows;
    }

    /** @param windows the short-window limits by meter name and then by window (minute, hour or day) */
    public void setWindows(Map<String, Map<String, String>> windows) {
      this.windows = windows;
    }
  }

  /** How a meter's usage is cut into periods. */
  public static class MeterPeriod {
    /** The kind of period: month (monthly, at the billing day), day (calendar days) or fixed. */
    private PeriodKind period = PeriodKind.MONTH;

    /** For fixed periods: their length, counted from the Unix epoch; at least one second. */
    private @Nullable Duration length;

    /** The zone of the period boundaries. Unset: quota.period.zone. */
    private @Nullable ZoneId zone;

    /** For monthly periods: the day of the month a period starts, 1 to 31 (clamped to short months). Unset: quota.period.billing-day. */
    private @Nullable Integer billingDay;

    /**
     * The largest amount of one usage event (record, consume, reserve, commit) on this meter, in its unit; a larger
     * one is refused as bad input. Unset: 10^12.
     */
    private @Nullable Long maxEventAmount;

    /** @return the kind of period */
    public PeriodKind getPeriod() {
      return period;
    }

    /** @param period the kind of period */
    public void setPeriod(PeriodKind period) {
      this.period = period;
    }

    /** @return the length of fixed periods */
    public @Nullable Duration getLength() {
      return length;
    }

    /** @param length the length of fixed periods */
    public void setLength(@Nullable Duration length) {
      this.length = length;
    }

    /** @return the zone, or {@code null} for the default */
    public @Nullable ZoneId getZone() {
      return zone;
    }

    /** @param zone the zone */
    public void setZone(@Nullable ZoneId zone) {
      this.zone = zone;
    }

    /** @return the billing day, or {@code null} for the default */
    public @Nullable Integer getBillingDay() {
      return billingDay;
    }

    /** @param billingDay the billing day, 1 to 31 */
    public void setBillingDay(@Nullable Integer billingDay) {
      this.billingDay = billingDay;
    }

    /** @return the largest amount of one usage event, or {@code null} for the catalogue's default */
    public @Nullable Long getMaxEventAmount() {
      return maxEventAmount;
    }

    /** @param maxEventAmount the largest amount of one usage event, in the meter's unit */
    public void setMaxEventAmount(@Nullable Long maxEventAmount) {
      this.maxEventAmount = maxEventAmount;
    }
  }

  /** The kinds of period a meter can have. */
  public enum PeriodKind {
    /** Months starting at 00:00 on the billing day in the zone: calendar months for billing day 1. */
    MONTH,
    /** Calendar days in the zone. */
    DAY,
    /** Periods of a fixed length, counted from the Unix epoch. */
    FIXED
  }

  /** The default periods of monthly meters. */
  public static class PeriodDefaults {
    /** The zone whose midnight starts a period (the database's time zone never matters). */
    private ZoneId zone = ZoneOffset.UTC;

    /** The day of the month monthly periods start, 1 to 31; a day beyond a month's end means its last day. */
    private int billingDay = 1;

    /** @return the zone */
    public ZoneId getZone() {
      return zone;
    }

    /** @param zone the zone */
    public void setZone(ZoneId zone) {
      this.zone = zone;
    }

    /** @return the billing day */
    public int getBillingDay() {
      return billingDay;
    }

    /** @param billingDay the billing day, 1 to 31 */
    public void setBillingDay(int billingDay) {
      this.billingDay = billingDay;
    }
  }

  /** What the guard decides while the store cannot be reached. */
  public static class Failure {
    /**
     * The policy: deny (fail closed), allow (fail open; consumes are reported unrecorded) or
     * last-known-state (decide from a standing read at most max-age ago, else deny).
     */
    private FailurePolicy.Kind policy = FailurePolicy.Kind.DENY;

    /** For last-known-state: the oldest standing still trusted. */
    private Duration maxAge = Duration.ofMinutes(1);

    /** @return the policy */
    public FailurePolicy.Kind getPolicy() {
      return policy;
    }

    /** @param policy the policy */
    public void setPolicy(FailurePolicy.Kind policy) {
      this.policy = policy;
    }

    /** @return the oldest standing trusted by {@code last-known-state} */
    public Duration getMaxAge() {
      return maxAge;
    }

    /** @param maxAge the oldest standing trusted by {@code last-known-state} */
    public void setMaxAge(Duration maxAge) {
      this.maxAge = maxAge;
    }
  }

  /** Threshold alerts. */
  public static class Alerts {
    /** The thresholds in percent of limit plus grants, each 1 to 1000; empty for no alerts. */
    private List<Integer> thresholds = new ArrayList<>(List.of(80, 90, 100));

    /** @return the thresholds in percent */
    public List<Integer> getThresholds() {
      return thresholds;
    }

    /** @param thresholds the thresholds in percent */
    public void setThresholds(List<Integer> thresholds) {
      this.thresholds = thresholds;
    }
  }

  /** Where quota's tables live and how they are created. */
  public static class Schema {
    /** The PostgreSQL schema of quota's tables: ASCII letters, digits and underscores, at most 63. */
    private String name = "quota";

    /**
     * Whether to migrate quota's schema with Flyway at start-up when Flyway is on the class path. Quota's scripts
     * run in their own schema with their own history table (quota_schema_history), apart from the application's
     * migrations; spring.flyway.enabled=false turns off only the application's own migrations, not this one.
     */
    private boolean useFlyway = true;

    /**
     * Whether to create quota's schema at start-up when Flyway is not used (it is created only if missing).
     * Without Flyway and without this, start-up fails if the tables are missing.
     */
    private boolean create;

    /** @return the schema's name */
    public String getName() {
      return name;
    }

    /** @param name the schema's name */
    public void setName(String name) {
      this.name = name;
    }

    /** @return whether Flyway migrates quota's schema when it is on the class path */
    public boolean isUseFlyway() {
      return useFlyway;
    }

    /** @param useFlyway whether Flyway migrates quota's schema when it is on the class path */
    public void setUseFlyway(boolean useFlyway) {
      this.useFlyway = useFlyway;
    }

    /** @return whether the schema is created without Flyway */
    public boolean isCreate() {
      return create;
    }

    /** @param create whether the schema is created without Flyway */
    public void setCreate(boolean create) {
      this.create = create;
    }
  }

  /** The PostgreSQL store's cache. */
  public static class Cache {
    /**
     * Whether canProceed and usage may read tenant states from memory. Off (strict mode), every check reads the
     * database. Consumes and reservations are decided by the database either way.
     */
    private boolean enabled = true;

    /** The longest a cached state is used: how far a check may lag behind other instances' usage. At most 1 hour. */
    private Duration staleness = Duration.ofSeconds(1);

    /** The most tenant-and-meter states kept in memory. */
    private long maximumSize = 100_000;

    /**
     * Whether to LISTEN for other instances' admin changes (a reset, a grant) so that they reach this instance's
     * cache at once instead of after the staleness. Holds one database connection.
     */
    private boolean listenForChanges = true;

    /** @return whether the cache is on */
    public boolean isEnabled() {
      return enabled;
    }

    /** @param enabled whether the cache is on */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** @return the longest a cached state is used */
    public Duration getStaleness() {
      return staleness;
    }

    /** @param staleness the longest a cached state is used */
    public void setStaleness(Duration staleness) {
      this.staleness = staleness;
    }

    /** @return the most cached states */
    public long getMaximumSize() {
      return maximumSize;
    }

    /** @param maximumSize the most cached states */
    public void setMaximumSize(long maximumSize) {
      this.maximumSize = maximumSize;
    }

    /** @return whether the change listener is on */
    public boolean isListenForChanges() {
      return listenForChanges;
    }

    /** @param listenForChanges whether the change listener is on */
    public void setListenForChanges(boolean listenForChanges) {
      this.listenForChanges = listenForChanges;
    }
  }

  /** Tenants' tiers from the application's own table. */
  public static class HostTierTable {
    /** The table holding each tenant's tier, such as user. Unset: plans are kept by quota (setPlan). */
    private @Nullable String table;

    /** The table's schema. */
    private String schema = "public";

    /** The column holding the tenant id. */
    private String idColumn = "id";

    /** The column holding the tier's name. */
    private String tierColumn = "tier";

    /**
     * The id column's SQL type: text (also for varchar), bigint, integer or uuid. The tenant id is cast to it, so the
     * column's index serves the lookup; start-up fails if it does not match the column.
     */
    private IdType idType = IdType.TEXT;

    /** @return the table, or {@code null} for quota's own plans */
    public @Nullable String getTable() {
      return table;
    }

    /** @param table the table */
    public void setTable(@Nullable String table) {
      this.table = table;
    }

    /** @return the table's schema */
    public String getSchema() {
      return schema;
    }

    /** @param schema the table's schema */
    public void setSchema(String schema) {
      this.schema = schema;
    }

    /** @return the id column */
    public String getIdColumn() {
      return idColumn;
    }

    /** @param idColumn the id column */
    public void setIdColumn(String idColumn) {
      this.idColumn = idColumn;
    }

    /** @return the tier column */
    public String getTierColumn() {
      return tierColumn;
    }

    /** @param tierColumn the tier column */
    public void setTierColumn(String tierColumn) {
      this.tierColumn = tierColumn;
    }

    /** @return the id column's type */
    public IdType getIdType() {
      return idType;
    }

    /** @param idType the id column's type */
    public void setIdType(IdType idType) {
      this.idType = idType;
    }
  }

  /**
   * The service's record of what it enforces: at start-up the tiers, meters, limits, periods, alert thresholds,
   * where plans come from and the tenant key are written to quota's schema (a new version only when they change),
   * so that the quota command line shows what the service really enforces.
   */
  public static class Service {
    /** Whether to record the configuration at start-up. */
    private boolean recordConfiguration = true;

    /** The service's name in the record. Unset: spring.application.name, else "application". */
    private @Nullable String name;

    /** The service's version in the record. Unset: the build's version (BuildProperties), else "unknown". */
    private @Nullable String version;

    /** @return whether the configuration is recorded at start-up */
    public boolean isRecordConfiguration() {
      return recordConfiguration;
    }

    /** @param recordConfiguration whether the configuration is recorded at start-up */
    public void setRecordConfiguration(boolean recordConfiguration) {
      this.recordConfiguration = recordConfiguration;
    }

    /** @return the service's name, or {@code null} for the default */
    public @Nullable String getName() {
      return name;
    }

    /** @param name the service's name */
    public void setName(@Nullable String name) {
      this.name = name;
    }

    /** @return the service's version, or {@code null} for the default */
    public @Nullable String getVersion() {
      return version;
    }

    /** @param version the service's version */
    public void setVersion(@Nullable String version) {
      this.version = version;
    }
  }

  /**
   * A column of the application's own table by which operators find a tenant (quota find alice@example.com): only
   * recorded with the service's configuration, and only ever read.
   */
  public static class TenantKey {
    /** The column holding the human key, such as email. Unset: no tenant key is recorded. */
    private @Nullable String keyColumn;

    /** The table holding it, such as app_user. Unset: quota.host-tier-table.table. */
    private @Nullable String table;

    /** The table's schema. Unset: quota.host-tier-table.schema. */
    private @Nullable String schema;

    /** The column holding the tenant id. Unset: quota.host-tier-table.id-column. */
    private @Nullable String idColumn;

    /** @return the key column, or {@code null} for none */
    public @Nullable String getKeyColumn() {
      return keyColumn;
    }

    /** @param keyColumn the key column */
    public void setKeyColumn(@Nullable String keyColumn) {
      this.keyColumn = keyColumn;
    }

    /** @return the table, or {@code null} for the host tier table's */
    public @Nullable String getTable() {
      return table;
    }

    /** @param table the table */
    public void setTable(@Nullable String table) {
      this.table = table;
    }

    /** @return the schema, or {@code null} for the host tier table's */
    public @Nullable String getSchema() {
      return schema;
    }

    /** @param schema the schema */
    public void setSchema(@Nullable String schema) {
      this.schema = schema;
    }

    /** @return the id column, or {@code null} for the host tier table's */
    public @Nullable String getIdColumn() {
      return idColumn;
    }

    /** @param idColumn the id column */
    public void setIdColumn(@Nullable String idColumn) {
      this.idColumn = idColumn;
    }
  }

  /** SQL types of a host table's id column. */
  public enum IdType {
    /** {@code text} or {@code varchar}. */
    TEXT,
    /** {@code bigint}. */
    BIGINT,
    /** {@code integer}. */
    INTEGER,
    /** {@code uuid}. */
    UUID
  }

  /** Micrometer metrics. */
  public static class Metrics {
    /** Whether to record quota's meters when the application has a MeterRegistry. */
    private boolean enabled = true;

    /** @return whether metrics are recorded */
    public boolean isEnabled() {
      return enabled;
    }

    /** @param enabled whether metrics are recorded */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }
}

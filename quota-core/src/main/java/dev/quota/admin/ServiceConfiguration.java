package dev.quota.admin;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.PlanFallback;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.Window;
import dev.quota.internal.Checks;
import dev.quota.period.PeriodPolicy;
import dev.quota.period.PeriodPolicyText;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * What a service enforces and where it reads plans, as it records it in quota's schema at start-up
 * ({@link QuotaAdmin#recordServiceConfiguration}) so that operator tools show the tiers and limits the service
 * really uses instead of defaults of their own.
 *
 * <p>Its {@linkplain #toText() text} is the recorded form: one {@code key = value} line per setting, in the words
 * of the command line's catalogue files, plus where plans come from and how tenants are found:
 * {@snippet lang=properties :
 * meters = ai-tokens
 * meter.ai-tokens.period = calendar-month UTC
 * meter.ai-tokens.max-event = 5000000
 * zone = Europe/Berlin
 * tiers = free, pro, enterprise
 * tier.free.ai-tokens = 100000
 * tier.pro.ai-tokens = 1000000
 * tier.pro.window.ai-tokens.minute = 60000
 * tier.enterprise.ai-tokens = 10000000
 * default-tier = free
 * when-no-plan = default-tier
 * when-unknown-tier = default-tier
 * alert-thresholds = 80, 90, 100
 * plans = host-table
 * plans.schema = public
 * plans.table = app_user
 * plans.id-column = id
 * plans.id-type = bigint
 * plans.tier-column = tier
 * tenant-key.schema = public
 * tenant-key.table = app_user
 * tenant-key.key-column = email
 * tenant-key.id-column = id
 * }
 * {@code meter.M.max-event} and {@code zone} appear only when they differ from their defaults
 * ({@link TierCatalogue#DEFAULT_MAX_EVENT_AMOUNT}, UTC), so that a service that does not set them records what it
 * recorded before. {@code tier.T.window.M.W} lines record a tier's short-window limits
 * ({@link TierCatalogue#windowLimits}, {@code W} one of {@code minute}, {@code hour}, {@code day}), after the tier's
 * period limits and only where it has some: a text without them, as services recorded before windows existed,
 * reads back to a catalogue without windows.
 * Two configurations with the same text are the same content: the service's name and version are not part of it.
 *
 * @param service the service's name, e.g. {@code planner}
 * @param serviceVersion the service's version, e.g. {@code 1.4.2}
 * @param catalogue the tiers, meters, limits and periods it enforces
 * @param alertThresholds its alert thresholds, ascending percentages
 * @param plans where its tenants' plans come from
 * @param tenantKey how its tenants are found by a human key; {@code null} if it does not say
 */
public record ServiceConfiguration(String service, String serviceVersion, TierCatalogue catalogue,
    List<Integer> alertThresholds, PlanSource plans, @Nullable TenantKey tenantKey) {
  /** The longest accepted service name or version, in characters. */
  public static final int MAX_NAME_LENGTH = 200;

  private static final String UNLIMITED = "unlimited";
  private static final String CUSTOM = "custom ";
  private static final String NONE = "none";
  private static final String WINDOW = ".window.";

  /** Validates the configuration and freezes the thresholds. */
  public ServiceConfiguration {
    Checks.identifier("service", service, MAX_NAME_LENGTH);
    Checks.identifier("service version", serviceVersion, MAX_NAME_LENGTH);
    Checks.notNull("catalogue", catalogue);
    Checks.notNull("alert thresholds", alertThresholds);
    alertThresholds = List.copyOf(alertThresholds);
    Checks.notNull("plans", plans);
  }

  /** @return the recorded form: {@code key = value} lines as described above, ending with a line feed */
  public String toText() {
    StringBuilder text = new StringBuilder();
    settings().forEach((key, value) -> text.append(key).append(" = ").append(value).append('\n'));
    return text.toString();
  }

  /**
   * Lists how this configuration differs from another, one setting a line, in the order of the text.
   *
   * @param other e.g. what a service recorded
   * @return lines such as {@code tier.pro.ai-tokens: 1000000 -> 2000000} (the other's value first), {@code (none)}
   *     for a setting one of them lacks; empty if the contents are the same
   */
  public List<String> differencesFrom(ServiceConfiguration other) {
    return differences(other.toText(), toText());
  }

  /**
   * Lists how two recorded texts differ, as {@link #differencesFrom} does; also for texts that cannot be
   * {@linkplain #fromText read back} without the service's code.
   *
   * @param before the earlier or recorded text
   * @param after the later or given text
   * @return lines such as {@code tier.pro.ai-tokens: 1000000 -> 2000000}; empty if the contents are the same
   */
  public static List<String> differences(String before, String after) {
    Map<String, String> theirs = lines(before);
    Map<String, String> mine = lines(after);
    Set<String> keys = new LinkedHashSet<>(theirs.keySet());
    keys.addAll(mine.keySet());
    List<String> differences = new ArrayList<>();
    for (String key : keys) {
      String was = theirs.getOrDefault(key, "(none)");
      String is = mine.getOrDefault(key, "(none)");
      if (!was.equals(is)) {
        differences.add(key + ": " + was + " -> " + is);
      }
    }
    return differences;
  }

  /**
   * Reads a recorded text back.
   *
   * @param service the service's name
   * @param serviceVersion the service's version
   * @param text what {@link #toText()} wrote
   * @return the configuration
   * @throws InvalidRequestException naming the setting that is missing or cannot be read, such as a period policy of
   *     the service's own (code, not configuration, so not readable without the service)
   */
  public static ServiceConfiguration fromText(String service, String serviceVersion, String text) {
    Map<String, String> settings = lines(text);
    TierCatalogue.Builder builder = TierCatalogue.builder();
    List<Meter> meters = list(settings, "meters").stream().map(Meter::of).toList();
    for (Meter meter : meters) {
      String key = "meter." + meter.name() + ".period";
      String period = required(settings, key);
      if (period.startsWith(CUSTOM)) {
        throw new InvalidRequestException(key, "is a period policy of the service's own (" + period.substring(
            CUSTOM.length()) + "), which only the service's code can compute");
      }
      builder.meter(meter, PeriodPolicyText.parse(period));
      String maxEventKey = "meter." + meter.name() + ".max-event";
      if (settings.containsKey(maxEventKey)) {
        try {
          builder.maxEventAmount(meter, Long.parseLong(settings.get(maxEventKey)));
        } catch (NumberFormatException e) {
          throw new InvalidRequestException(maxEventKey, "must be a count, was '" + settings.get(maxEventKey) + "'");
        }
      }
    }
    if (settings.containsKey("zone")) {
      try {
        builder.zone(ZoneId.of(settings.get("zone")));
      } catch (DateTimeException e) {
        throw new InvalidRequestException("zone", "must be a time zone id such as UTC or Europe/Berlin, was '"
            + settings.get("zone") + "'");
      }
    }
    Set<String> windowKeys = new LinkedHashSet<>();
    for (Tier tier : list(settings, "tiers").stream().map(Tier::of).toList()) {
      Map<Meter, Long> limits = new LinkedHashMap<>();
      for (Meter meter : meters) {
        String key = "tier." + tier.name() + "." + meter.name();
        limits.put(meter, amount(key, required(settings, key)));
      }
      builder.tier(tier, limits);
      for (Meter meter : meters) {
        for (Window window : Window.values()) {
          String key = windowKey(tier, meter, window);
          if (window.isFixed() && settings.containsKey(key)) {
            windowKeys.add(key);
            builder.limit(tier, meter, window, amount(key, settings.get(key)));
          }
        }
      }
    }
    for (String key : settings.keySet()) {
      if (key.startsWith("tier.") && key.contains(WINDOW) && !windowKeys.contains(key)) {
        // a window limit the catalogue would silently lose: a typo, or a tier or meter the text does not declare
        throw new InvalidRequestException(key, "names no declared tier and meter with a window of minute, hour or "
            + "day");
      }
    }
    if (settings.containsKey("default-tier")) {
      builder.defaultTier(Tier.of(settings.get("default-tier")));
    }
    builder.whenNoPlan(fallback(required(settings, "when-no-plan")));
    builder.whenUnknownTier(fallback(required(settings, "when-unknown-tier")));
    List<Integer> thresholds = new ArrayList<>();
    if (!required(settings, "alert-thresholds").equals(NONE)) {
      for (String percent : list(settings, "alert-thresholds")) {
        try {
          thresholds.add(Integer.valueOf(percent));
        } catch (NumberFormatException e) {
          throw new InvalidRequestException("alert-thresholds", "must be whole percentages, was '" + percent + "'");
        }
      }
    }
    PlanSource plans = switch (required(settings, "plans")) {
      case "quota" -> PlanSource.QUOTA_TABLE;
      case "host-lookup" -> PlanSource.HOST_LOOKUP;
      case "host-table" -> new PlanSource.HostTable(required(settings, "plans.schema"),
          required(settings, "plans.table"), required(settings, "plans.id-column"),
          required(settings, "plans.tier-column"), required(settings, "plans.id-type"));
      default -> throw new InvalidRequestException("plans", "must be quota, host-table or host-lookup, was '"
          + settings.get("plans") + "'");
    };
    TenantKey tenantKey = settings.containsKey("tenant-key.table")
        ? new TenantKey(required(settings, "tenant-key.schema"), required(settings, "tenant-key.table"),
            required(settings, "tenant-key.key-column"), required(settings, "tenant-key.id-column"))
        : null;
    return new ServiceConfiguration(service, serviceVersion, builder.build(), thresholds, plans, tenantKey);
  }

  private static Map<String, String> lines(String text) {
    Map<String, String> settings = new LinkedHashMap<>();
    for (String line : Checks.notNull("text", text).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      int equals = line.indexOf('=');
      if (equals < 0) {
        throw new InvalidRequestException("text", "lines must read 'key = value', was '" + line + "'");
      }
      settings.put(line.substring(0, equals).strip(), line.substring(equals + 1).strip());
    }
    return settings;
  }

  /** Every setting in the text's order: the one list {@link #toText()} and {@link #differencesFrom} share. */
  private Map<String, String> settings() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("meters", catalogue.meters().keySet().stream().map(Meter::name).collect(Collectors.joining(", ")));
    catalogue.meters().forEach((meter, policy) -> {
      settings.put("meter." + meter.name() + ".period", period(policy));
      if (catalogue.maxEventAmount(meter) != TierCatalogue.DEFAULT_MAX_EVENT_AMOUNT) {
        settings.put("meter." + meter.name() + ".max-event", Long.toString(catalogue.maxEventAmount(meter)));
      }
    });
    if (!catalogue.zone().equals(ZoneOffset.UTC)) {
      settings.put("zone", catalogue.zone().getId());
    }
    settings.put("tiers", catalogue.tiers().stream().map(Tier::name).collect(Collectors.joining(", ")));
    for (Tier tier : catalogue.tiers()) {
      for (Meter meter : catalogue.meters().keySet()) {
        long limit = catalogue.limit(tier, meter);
        settings.put("tier." + tier.name() + "." + meter.name(), amount(limit));
      }
      for (Meter meter : catalogue.meters().keySet()) {
        catalogue.windowLimits(tier, meter).forEach((window, limit) ->
            settings.put(windowKey(tier, meter, window), amount(limit)));
      }
    }
    Tier defaultTier = catalogue.defaultTier();
    if (defaultTier != null) {
      settings.put("default-tier", defaultTier.name());
    }
    settings.put("when-no-plan", fallback(catalogue.whenNoPlan()));
    settings.put("when-unknown-tier", fallback(catalogue.whenUnknownTier()));
    settings.put("alert-thresholds", alertThresholds.isEmpty() ? NONE
        : alertThresholds.stream().map(String::valueOf).collect(Collectors.joining(", ")));
    switch (plans) {
      case PlanSource.QuotaTable own -> settings.put("plans", "quota");
      case PlanSource.HostLookup lookup -> settings.put("plans", "host-lookup");
      case PlanSource.HostTable host -> {
        settings.put("plans", "host-table");
        settings.put("plans.schema", host.schema());
        settings.put("plans.table", host.table());
        settings.put("plans.id-column", host.idColumn());
        settings.put("plans.id-type", host.idType());
        settings.put("plans.tier-column", host.tierColumn());
      }
    }
    if (tenantKey != null) {
      settings.put("tenant-key.schema", tenantKey.schema());
      settings.put("tenant-key.table", tenantKey.table());
      settings.put("tenant-key.key-column", tenantKey.keyColumn());
      settings.put("tenant-key.id-column", tenantKey.idColumn());
    }
    return settings;
  }

  /** The key of a tier's limit on a meter in a short window, e.g. {@code tier.pro.window.ai-tokens.minute}. */
  private static String windowKey(Tier tier, Meter meter, Window window) {
    return "tier." + tier.name() + WINDOW + meter.name() + "." + window.name().toLowerCase(Locale.ROOT);
  }

  private static String amount(long limit) {
    return limit == TierCatalogue.UNLIMITED ? UNLIMITED : Long.toString(limit);
  }

  private static long amount(String key, String limit) {
    try {
      return limit.equals(UNLIMITED) ? TierCatalogue.UNLIMITED : Long.parseLong(limit);
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(key, "must be a count or 'unlimited', was '" + limit + "'");
    }
  }

  private static String period(PeriodPolicy policy) {
    // a policy of the service's own is recorded as such, so that tools say they cannot compute it
    return PeriodPolicyText.format(policy).orElseGet(() -> CUSTOM + policy);
  }

  private static String fallback(PlanFallback fallback) {
    return fallback == PlanFallback.REJECT ? "reject" : "default-tier";
  }

  private static PlanFallback fallback(String text) {
    return switch (text) {
      case "reject" -> PlanFallback.REJECT;
      case "default-tier" -> PlanFallback.USE_DEFAULT_TIER;
      default -> throw new InvalidRequestException("fallback", "must be default-tier or reject, was '" + text + "'");
    };
  }

  private static String required(Map<String, String> settings, String key) {
    String value = settings.get(key);
    if (value == null || value.isEmpty()) {
      throw new InvalidRequestException(key, "is missing from the recorded configuration");
    }
    return value;
  }

  private static List<String> list(Map<String, String> settings, String key) {
    List<String> values = new ArrayList<>();
    for (String part : required(settings, key).split(",")) {
      if (!part.isBlank()) {
        values.add(part.strip());
      }
    }
    return values;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ServiceConfiguration other && service.equals(other.service)
        && serviceVersion.equals(other.serviceVersion) && toText().equals(other.toText());
  }

  @Override
  public int hashCode() {
    return Objects.hash(service, serviceVersion, toText());
  }
}

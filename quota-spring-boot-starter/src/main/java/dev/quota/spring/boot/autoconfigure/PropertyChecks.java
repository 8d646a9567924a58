package dev.quota.spring.boot.autoconfigure;

import dev.quota.EnforcementMode;
import dev.quota.FailurePolicy;
import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.Window;
import dev.quota.admin.TenantKey;
import dev.quota.period.PeriodPolicy;
import dev.quota.spring.boot.autoconfigure.QuotaProperties.MeterPeriod;
import dev.quota.spring.boot.autoconfigure.QuotaProperties.TierLimits;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Turns {@link QuotaProperties} into quota-core's values. quota-core validates every value and names the field
 * it refuses; here each call is made on behalf of one property, so a refusal becomes an
 * {@link InvalidConfigurationPropertyValueException} naming that property, which Spring Boot reports at
 * start-up with the value and where it came from.
 */
final class PropertyChecks {
  private PropertyChecks() {}

  /**
   * Builds the tier catalogue.
   *
   * @param properties the bound properties
   * @return the catalogue
   * @throws InvalidConfigurationPropertyValueException naming the first property that is invalid
   */
  static TierCatalogue catalogue(QuotaProperties properties) {
    List<TierLimits> tiers = properties.getTiers();
    if (tiers == null || tiers.isEmpty()) {
      throw invalid("quota.tiers", tiers, "must declare at least one tier");
    }
    Map<String, Meter> meters = meters(properties, tiers);
    Meter defaultMeter = defaultMeter(properties, meters);

    TierCatalogue.Builder builder = TierCatalogue.builder();
    builder.meter(defaultMeter, periodPolicy(properties, defaultMeter.name()));
    for (Meter meter : meters.values()) {
      if (!meter.equals(defaultMeter)) {
        builder.meter(meter, periodPolicy(properties, meter.name()));
      }
    }

    Set<String> tierNames = new LinkedHashSet<>();
    for (int i = 0; i < tiers.size(); i++) {
      String prefix = "quota.tiers[" + i + "]";
      TierLimits limits = tiers.get(i);
      if (limits == null || limits.getName() == null) {
        throw invalid(prefix + ".name", null, "must be set");
      }
      String name = limits.getName();
      Tier tier = check(prefix + ".name", name, () -> Tier.of(name));
      if (!tierNames.add(name)) {
        throw invalid(prefix + ".name", name, "must not repeat: tier '" + name + "' is declared twice");
      }
      Map<Meter, Long> perMeter = new LinkedHashMap<>();
      for (Meter meter : meters.values()) {
        Long limit = limits.getLimits().get(meter.name());
        String property = prefix + ".limits[" + meter.name() + "]";
        if (limit == null) {
          throw invalid(property, null, "must be set: every tier needs a limit on every meter, and meter '"
              + meter.name() + "' is " + (properties.getMeters().containsKey(meter.name())
                  ? "declared under quota.meters" : "named by another tier"));
        }
        if (limit < 0) {
          throw invalid(property, limit, "must be 0 or more (units of the meter per period)");
        }
        perMeter.put(meter, limit);
      }
      builder.tier(tier, perMeter);
      for (Map.Entry<String, String> rollover : limits.getRollover().entrySet()) {
        String property = prefix + ".rollover[" + rollover.getKey() + "]";
        Meter meter = meters.get(rollover.getKey());
        if (meter == null) {
          throw invalid(property, rollover.getValue(), "must name a meter of the tiers' limits " + meters.keySet());
        }
        int percent = percent(property, rollover.getValue());
        check(property, rollover.getValue(), () -> builder.rollover(tier, meter, percent));
      }
      Map<String, Map<String, String>> windows = limits.getWindows();
      if (windows != null) {
        for (Map.Entry<String, Map<String, String>> meterWindows : windows.entrySet()) {
          windowLimits(builder, prefix, tier, meters, perMeter, meterWindows.getKey(), meterWindows.getValue());
        }
      }
    }

    String defaultTier = properties.getDefaultTier();
    if (defaultTier != null) {
      Tier tier = check("quota.default-tier", defaultTier, () -> Tier.of(defaultTier));
      if (!tierNames.contains(defaultTier)) {
        throw invalid("quota.default-tier", defaultTier, "must be one of the tiers " + tierNames);
      }
      builder.defaultTier(tier);
    }
    for (Meter meter : meters.values()) {
      MeterPeriod settings = properties.getMeters().get(meter.name());
      Long max = settings == null ? null : settings.getMaxEventAmount();
      if (max != null) {
        check("quota.meters." + meter.name() + ".max-event-amount", max, () -> builder.maxEventAmount(meter, max));
      }
    }
    ZoneId historyZone = properties.getHistoryZone() != null ? properties.getHistoryZone()
        : properties.getPeriod().getZone();
    if (historyZone == null) {
      throw invalid("quota.period.zone", null, "must be set");
    }
    builder.zone(historyZone);
    builder.whenNoPlan(check("quota.when-no-plan", null, () -> properties.getWhenNoPlan()));
    builder.whenUnknownTier(check("quota.when-unknown-tier", null, () -> properties.getWhenUnknownTier()));
    // What is left for build() to refuse is a missing default tier while a fallback needs one.
    return check("quota.default-tier", defaultTier, builder::build);
  }

  /**
   * The tenant key from {@code quota.tenant-key.*}, the table, schema and id column defaulting to the host tier
   * table's.
   *
   * @param properties the properties
   * @return the key; {@code null} when {@code quota.tenant-key.key-column} is not set
   */
  static @Nullable TenantKey tenantKey(QuotaProperties properties) {
    QuotaProperties.TenantKey key = properties.getTenantKey();
    String column = key.getKeyColumn();
    if (column == null) {
      return null;
    }
    QuotaProperties.HostTierTable host = properties.getHostTierTable();
    String table = key.getTable() != null ? key.getTable() : host.getTable();
    if (table == null) {
      throw invalid("quota.tenant-key.table", null, "must be set with quota.tenant-key.key-column (or "
          + "quota.host-tier-table.table, its default)");
    }
    String schema = key.getSchema() != null ? key.getSchema() : host.getSchema();
    String idColumn = key.getIdColumn() != null ? key.getIdColumn() : host.getIdColumn();
    try {
      return new TenantKey(schema, table, column, idColumn);
    } catch (InvalidRequestException e) {
      String property = switch (e.field()) {
        case "tenant key schema" -> "quota.tenant-key.schema";
        case "tenant key table" -> "quota.tenant-key.table";
        case "tenant key id column" -> "quota.tenant-key.id-column";
        default -> "quota.tenant-key.key-column";
      };
      throw invalid(property, null, String.valueOf(e.getMessage()));
    }
  }

  /**
   * Sets everything but the store, the catalogue, the clock and the listeners on a quota builder.
   *
   * @param builder the builder
   * @param properties the bound properties
   * @throws InvalidConfigurationPropertyValueException naming the first property that is invalid
   */
  static void configure(Quota.Builder builder, QuotaProperties properties) {
    EnforcementMode mode = properties.getMode();
    check("quota.mode", mode, () -> builder.mode(mode));
    QuotaProperties.Failure failure = properties.getFailure();
    FailurePolicy policy = failurePolicy(failure);
    builder.failurePolicy(policy);
    List<Integer> thresholds = properties.getAlerts().getThresholds();
    check("quota.alerts.thresholds", thresholds, () -> {
      List<Integer> given = thresholds == null ? List.of() : thresholds;
      int[] percents = new int[given.size()];
      for (int i = 0; i < percents.length; i++) {
        if (given.get(i) == null) {
          throw new InvalidRequestException("alert thresholds", "must not be empty");
        }
        percents[i] = given.get(i);
      }
      return builder.alertThresholds(percents);
    });
    Duration ttl = properties.getMaxReservationTtl();
    check("quota.max-reservation-ttl", ttl, () -> builder.maxReservationTtl(ttl));
    Duration entitlement = properties.getMaxEntitlementDuration();
    check("quota.max-entitlement-duration", entitlement, () -> builder.maxEntitlementDuration(entitlement));
  }

  private static FailurePolicy failurePolicy(QuotaProperties.Failure failure) {
    FailurePolicy.Kind kind = failure.getPolicy();
    if (kind == null) {
      throw invalid("quota.failure.policy", null, "must be set");
    }
    return switch (kind) {
      case DENY -> FailurePolicy.deny();
      case ALLOW -> FailurePolicy.allow();
      case LAST_KNOWN_STATE -> check("quota.failure.max-age", failure.getMaxAge(),
          () -> FailurePolicy.lastKnownState(failure.getMaxAge()));
    };
  }

  /** The meters: those with period settings, then those the tiers name, each once, in that order. */
  private static Map<String, Meter> meters(QuotaProperties properties, List<TierLimits> tiers) {
    Map<String, Meter> meters = new LinkedHashMap<>();
    for (String name : properties.getMeters().keySet()) {
      meters.put(name, check("quota.meters", name, () -> Meter.of(name)));
    }
    for (int i = 0; i < tiers.size(); i++) {
      TierLimits tier = tiers.get(i);
      if (tier == null || tier.getLimits() == null) {
        continue;
      }
      for (String name : tier.getLimits().keySet()) {
        if (!meters.containsKey(name)) {
          meters.put(name, check("quota.tiers[" + i + "].limits", name, () -> Meter.of(name)));
        }
      }
    }
    if (meters.isEmpty()) {
      throw invalid("quota.tiers[0].limits", null, "must name at least one meter, such as ai-tokens");
    }
    return meters;
  }

  private static Meter defaultMeter(QuotaProperties properties, Map<String, Meter> meters) {
    String name = properties.getDefaultMeter();
    if (name != null) {
      if (!meters.containsKey(name)) {
        throw invalid("quota.default-meter", name, "must be one of the meters " + meters.keySet());
      }
      return meters.get(name);
    }
    if (meters.containsKey(Meter.AI_TOKENS.name())) {
      return Meter.AI_TOKENS;
    }
    if (meters.size() == 1) {
      return meters.values().iterator().next();
    }
    throw invalid("quota.default-meter", null, "must be set when the tiers name several meters "
        + meters.keySet() + " and none is ai-tokens");
  }

  private static PeriodPolicy periodPolicy(QuotaProperties properties, String meter) {
    QuotaProperties.PeriodDefaults defaults = properties.getPeriod();
    MeterPeriod settings = properties.getMeters().getOrDefault(meter, new MeterPeriod());
    String prefix = properties.getMeters().containsKey(meter) ? "quota.meters." + meter : "quota.period";
    ZoneId zone = settings.getZone() != null ? settings.getZone() : defaults.getZone();
    if (zone == null) {
      throw invalid(settings.getZone() != null ? prefix + ".zone" : "quota.period.zone", null, "must be set");
    }
    QuotaProperties.PeriodKind kind = settings.getPeriod();
    if (kind == null) {
      throw invalid(prefix + ".period", null, "must be month, day or fixed");
    }
    return switch (kind) {
      case MONTH -> {
        String dayProperty = settings.getBillingDay() != null ? prefix + ".billing-day" : "quota.period.billing-day";
        int day = settings.getBillingDay() != null ? settings.getBillingDay() : defaults.getBillingDay();
        yield check(dayProperty, day, () -> PeriodPolicy.monthlyOn(day, zone));
      }
      case DAY -> PeriodPolicy.calendarDay(zone);
      case FIXED -> {
        Duration length = settings.getLength();
        if (length == null) {
          throw invalid(prefix + ".length", null, "must be set for fixed periods");
        }
        yield check(prefix + ".length", length, () -> PeriodPolicy.fixed(length));
      }
    };
  }

  /**
   * Adds a tier's short-window limits on one meter, {@code quota.tiers[N].windows.<meter>.<window>}.
   *
   * @param builder the catalogue's builder, which has the tier already
   * @param prefix {@code quota.tiers[N]}
   * @param tier the tier
   * @param meters the catalogue's meters by name
   * @param periodLimits the tier's limit per period on each meter
   * @param meterName the meter's name as written
   * @param perWindow the limits by window name as written
   */
  private static void windowLimits(TierCatalogue.Builder builder, String prefix, Tier tier, Map<String, Meter> meters,
      Map<Meter, Long> periodLimits, String meterName, @Nullable Map<String, String> perWindow) {
    String meterProperty = prefix + ".windows[" + meterName + "]";
    Meter meter = meters.get(meterName);
    if (meter == null) {
      throw invalid(meterProperty, perWindow, "must name a meter of the tiers' limits " + meters.keySet());
    }
    List<WindowLimit> given = new ArrayList<>();
    for (Map.Entry<String, String> limit : perWindow == null ? Map.<String, String>of().entrySet()
        : perWindow.entrySet()) {
      String property = meterProperty + "." + limit.getKey();
      Window window = shortWindow(property, prefix + ".limits[" + meterName + "]", limit.getKey(), limit.getValue());
      long amount = amount(property, window, limit.getValue());
      // refuses a negative amount, and a window written twice (minute and MINUTE)
      check(property, limit.getValue(), () -> builder.limit(tier, meter, window, amount));
      given.add(new WindowLimit(window, amount, property));
    }
    // The catalogue refuses a shorter window allowing more than a longer one (or than the period) only when it is
    // built, and build() cannot name a property. So the rule is applied here by the catalogue itself, on one of this
    // tier and meter alone, the windows added the longest first and built after each: the first refusal is the
    // window just added.
    TierCatalogue.Builder alone = TierCatalogue.builder()
        .meter(meter, PeriodPolicy.calendarMonth())
        .tier(tier, Map.of(meter, Objects.requireNonNull(periodLimits.get(meter), "every meter has a limit")))
        .defaultTier(tier);
    given.sort(Comparator.comparing((WindowLimit w) -> w.window().length().orElseThrow()).reversed());
    for (WindowLimit limit : given) {
      alone.limit(tier, meter, limit.window(), limit.amount());
      check(limit.property(), limit.amount(), alone::build);
    }
  }

  /** A short-window limit as a property gave it. */
  private record WindowLimit(Window window, long amount, String property) {}

  /** A short window's name: minute, hour or day, in any case. */
  private static Window shortWindow(String property, String periodProperty, String name, @Nullable String value) {
    Window window;
    try {
      window = Window.parse(name);
    } catch (InvalidRequestException e) {
      throw invalid(property, value, "must name a window: minute, hour or day, was '" + name + "'");
    }
    if (!window.isFixed()) {
      throw invalid(property, value, "must name a short window: minute, hour or day; the limit per period is "
          + periodProperty);
    }
    return window;
  }

  /** A short window's limit: a whole number of the meter's units (the catalogue checks it is 0 or more). */
  private static long amount(String property, Window window, @Nullable String value) {
    try {
      return Long.parseLong(value == null ? "" : value.strip());
    } catch (NumberFormatException e) {
      throw invalid(property, value, "must be a whole number of the meter's units per "
          + window.name().toLowerCase(Locale.ROOT) + ", 0 or more");
    }
  }

  /** A share of a limit written as {@code 50%} or {@code 50}, in whole percent (the catalogue checks the range). */
  private static int percent(String property, @Nullable String value) {
    String digits = value == null ? "" : value.strip();
    if (digits.endsWith("%")) {
      digits = digits.substring(0, digits.length() - 1).strip();
    }
    try {
      return Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      throw invalid(property, value, "must be a share of the limit in whole percent from 1% to 100%, such as 50%");
    }
  }

  /**
   * Runs a quota-core call made for one property, turning its refusal into a failure naming the property.
   *
   * @param property the property's full name
   * @param value the property's value, shown in the failure
   * @param call the call
   * @param <T> what the call returns
   * @return what the call returned
   */
  static <T> T check(String property, @Nullable Object value, Supplier<T> call) {
    try {
      T result = call.get();
      if (result == null) {
        throw invalid(property, value, "must be set");
      }
      return result;
    } catch (InvalidRequestException e) {
      throw new InvalidConfigurationPropertyValueException(property, value, e.getMessage());
    }
  }

  static InvalidConfigurationPropertyValueException invalid(String property, @Nullable Object value,
      String reason) {
    return new InvalidConfigurationPropertyValueException(property, value, reason);
  }
}

package dev.quota.cli;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.PlanFallback;
import dev.quota.Quota;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.Window;
import dev.quota.period.PeriodPolicy;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tiers, meters and alert thresholds the command line evaluates usage with: {@link TierCatalogue#defaults()}
 * and 80/90/100 % unless {@code --catalogue FILE} names a file like this one (Java properties, UTF-8):
 *
 * <pre>
 * # meters, in order; the first is the default meter (the one canProceed checks)
 * meters = ai-tokens, ai-calls
 * # calendar-month [ZONE] | monthly-on DAY [ZONE] | calendar-day [ZONE] | fixed LENGTH [ORIGIN]; ZONE defaults to UTC
 * meter.ai-tokens.period = calendar-month UTC
 * meter.ai-calls.period = calendar-day Europe/Berlin
 * # tiers from the least to the most generous, each with a limit per period on every meter
 * tiers = free, pro, enterprise
 * tier.free.ai-tokens = 100k
 * tier.free.ai-calls = 50
 * tier.pro.ai-tokens = 1M
 * tier.pro.ai-calls = 1000
 * tier.enterprise.ai-tokens = 10M
 * tier.enterprise.ai-calls = unlimited
 * # optional: a tier's limits in short windows (minute, hour or day) besides its period's
 * tier.pro.window.ai-tokens.minute = 60k
 * # optional: default-tier (required while a fallback is default-tier), when-no-plan and
 * # when-unknown-tier (default-tier or reject; default default-tier), alert-thresholds (percent; 80, 90, 100)
 * default-tier = free
 * when-no-plan = default-tier
 * when-unknown-tier = reject
 * alert-thresholds = 80, 90, 100
 * </pre>
 *
 * Limits are counts ({@code 100000}, {@code 100_000}, {@code 100k}, {@code 1M}) or {@code unlimited}; a fixed
 * period's LENGTH is ISO-8601 ({@code PT1H}) or short ({@code 30m}, {@code 1h}, {@code 7d}), its ORIGIN an ISO
 * instant. Unknown keys are refused, so a typo cannot silently leave a limit at its default. The file must
 * describe the same catalogue the services use: the command line computes periods and limits from it.
 *
 * @param catalogue the tiers and meters
 * @param alertThresholds the alert thresholds, in percent of {@code limit + granted}
 */
record CatalogueFile(TierCatalogue catalogue, List<Integer> alertThresholds) {
  private static final List<Integer> DEFAULT_THRESHOLDS = List.of(80, 90, 100);
  private static final Pattern SHORT_LENGTH = Pattern.compile("(\\d{1,9})([smhd])");
  private static final Set<String> SINGLE_KEYS =
      Set.of("meters", "tiers", "default-tier", "when-no-plan", "when-unknown-tier", "alert-thresholds", "zone");

  /** Freezes the thresholds. */
  CatalogueFile {
    alertThresholds = List.copyOf(alertThresholds);
  }

  /** @return the library's default catalogue with alerts at 80, 90 and 100 % */
  static CatalogueFile defaults() {
    return new CatalogueFile(TierCatalogue.defaults(), DEFAULT_THRESHOLDS);
  }

  /**
   * Reads a catalogue file.
   *
   * @param file the file
   * @return its catalogue
   * @throws CliException (bad usage) naming the file and the offending key if it cannot be read or breaks a rule
   */
  static CatalogueFile read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw CliException.usage("catalogue " + file + ": cannot read it (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
    }
    return parse(file.toString(), text);
  }

  /**
   * Reads a catalogue from text.
   *
   * @param name the file's name, for messages
   * @param text the file's contents
   * @return its catalogue
   */
  static CatalogueFile parse(String name, String text) {
    Properties properties = new Properties();
    try (Reader reader = new StringReader(text)) {
      properties.load(reader);
    } catch (IOException | IllegalArgumentException e) {
      throw CliException.usage("catalogue " + name + ": not a properties file (" + e.getMessage() + ")");
    }
    Map<String, String> entries = new LinkedHashMap<>();
    for (String key : new TreeSet<>(properties.stringPropertyNames())) {
      entries.put(key, properties.getProperty(key).strip());
    }
    try {
      return build(entries);
    } catch (CliException | InvalidRequestException e) {
      throw CliException.usage("catalogue " + name + ": " + e.getMessage());
    }
  }

  private static CatalogueFile build(Map<String, String> entries) {
    Set<String> used = new LinkedHashSet<>();
    List<Meter> meters = new ArrayList<>();
    for (String name : list(entries, "meters", used)) {
      meters.add(Meter.of(name));
    }
    List<Tier> tiers = new ArrayList<>();
    for (String name : list(entries, "tiers", used)) {
      tiers.add(Tier.of(name));
    }
    TierCatalogue.Builder builder = TierCatalogue.builder();
    for (Meter meter : meters) {
      String key = "meter." + meter.name() + ".period";
      builder.meter(meter, period(key, required(entries, key, used)));
      String maxKey = "meter." + meter.name() + ".max-event";
      if (entries.containsKey(maxKey)) {
        builder.maxEventAmount(meter, Amount.parseLimit(maxKey, required(entries, maxKey, used)));
      }
    }
    if (entries.containsKey("zone")) {
      String zone = required(entries, "zone", used);
      try {
        builder.zone(ZoneId.of(zone).normalized());
      } catch (java.time.DateTimeException e) {
        throw CliException.usage("zone must be a time zone such as UTC or Europe/Berlin, was '" + zone + "'");
      }
    }
    for (Tier tier : tiers) {
      Map<Meter, Long> limits = new LinkedHashMap<>();
      for (Meter meter : meters) {
        String key = "tier." + tier.name() + "." + meter.name();
        limits.put(meter, Amount.parseLimit(key, required(entries, key, used)));
      }
      builder.tier(tier, limits);
      for (Meter meter : meters) {
        for (Window window : Window.values()) {
          // the key the service records for a short-window limit, so that a file can say what the record says
          String key = "tier." + tier.name() + ".window." + meter.name() + "."
              + window.name().toLowerCase(Locale.ROOT);
          if (window.isFixed() && entries.containsKey(key)) {
            builder.limit(tier, meter, window, Amount.parseLimit(key, required(entries, key, used)));
          }
        }
      }
    }
    if (entries.containsKey("default-tier")) {
      builder.defaultTier(Tier.of(entries.get("default-tier")));
      used.add("default-tier");
    }
    builder.whenNoPlan(fallback(entries, "when-no-plan", used));
    builder.whenUnknownTier(fallback(entries, "when-unknown-tier", used));
    List<Integer> thresholds = DEFAULT_THRESHOLDS;
    if (entries.containsKey("alert-thresholds")) {
      thresholds = new ArrayList<>();
      for (String value : list(entries, "alert-thresholds", used)) {
        try {
          thresholds.add(Integer.parseInt(value));
        } catch (NumberFormatException e) {
          throw CliException.usage("alert-thresholds must be whole percentages such as 80, 90, 100, was '"
              + value + "'");
        }
      }
      // the library's own rules (1 to 1000, no repeats), checked now rather than after connecting
      Quota.builder().alertThresholds(thresholds.stream().mapToInt(Integer::intValue).toArray());
    }
    for (String key : entries.keySet()) {
      if (!used.contains(key)) {
        throw CliException.usage("unknown key '" + key + "'" + hint(key));
      }
    }
    return new CatalogueFile(builder.build(), thresholds);
  }

  private static String hint(String key) {
    if (key.startsWith("tier.")) {
      return ": limits are tier.TIER.METER, and tier.TIER.window.METER.WINDOW (minute, hour or day), for a TIER "
          + "listed in 'tiers' and a METER listed in 'meters'";
    }
    if (key.startsWith("meter.")) {
      return ": meters take meter.METER.period and meter.METER.max-event for a METER listed in 'meters'";
    }
    return SINGLE_KEYS.contains(key) ? "" : ": known keys are " + new TreeSet<>(SINGLE_KEYS)
        + ", meter.METER.period, meter.METER.max-event, tier.TIER.METER and tier.TIER.window.METER.WINDOW";
  }

  private static List<String> list(Map<String, String> entries, String key, Set<String> used) {
    List<String> values = new ArrayList<>();
    for (String part : required(entries, key, used).split(",")) {
      if (!part.isBlank()) {
        values.add(part.strip());
      }
    }
    if (values.isEmpty()) {
      throw CliException.usage(key + " must list at least one value");
    }
    return values;
  }

  private static String required(Map<String, String> entries, String key, Set<String> used) {
    String value = entries.get(key);
    if (value == null || value.isEmpty()) {
      throw CliException.usage("'" + key + "' is missing");
    }
    used.add(key);
    return value;
  }

  private static PlanFallback fallback(Map<String, String> entries, String key, Set<String> used) {
    String value = entries.get(key);
    if (value == null) {
      return PlanFallback.USE_DEFAULT_TIER;
    }
    used.add(key);
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "default-tier" -> PlanFallback.USE_DEFAULT_TIER;
      case "reject" -> PlanFallback.REJECT;
      default -> throw CliException.usage(key + " must be default-tier or reject, was '" + value + "'");
    };
  }

  /**
   * Reads a period policy: {@code calendar-month [ZONE]}, {@code monthly-on DAY [ZONE]}, {@code calendar-day [ZONE]}
   * or {@code fixed LENGTH [ORIGIN]}.
   *
   * @param key the key, for messages
   * @param text the value
   * @return the policy
   */
  static PeriodPolicy period(String key, String text) {
    String[] words = text.strip().split("\\s+");
    String kind = words[0].toLowerCase(Locale.ROOT);
    try {
      switch (kind) {
        case "calendar-month":
          expectWords(key, words, 1, 2, "calendar-month [ZONE]");
          return PeriodPolicy.calendarMonth(zone(words, 1));
        case "monthly-on":
          expectWords(key, words, 2, 3, "monthly-on DAY [ZONE]");
          return PeriodPolicy.monthlyOn(day(key, words[1]), zone(words, 2));
        case "calendar-day":
          expectWords(key, words, 1, 2, "calendar-day [ZONE]");
          return PeriodPolicy.calendarDay(zone(words, 1));
        case "fixed":
          expectWords(key, words, 2, 3, "fixed LENGTH [ORIGIN]");
          Duration length = length(key, words[1]);
          return words.length == 3 ? PeriodPolicy.fixed(length, Instant.parse(words[2])) : PeriodPolicy.fixed(length);
        default:
          throw CliException.usage(key + " must be calendar-month [ZONE], monthly-on DAY [ZONE], calendar-day [ZONE] "
              + "or fixed LENGTH [ORIGIN], was '" + text + "'");
      }
    } catch (DateTimeException e) {
      throw CliException.usage(key + ": " + e.getMessage());
    }
  }

  private static void expectWords(String key, String[] words, int min, int max, String form) {
    if (words.length < min || words.length > max) {
      throw CliException.usage(key + " must read '" + form + "', was '" + String.join(" ", words) + "'");
    }
  }

  private static ZoneId zone(String[] words, int index) {
    // normalized: "UTC" is the same policy as the library's ZoneOffset.UTC
    return words.length > index ? ZoneId.of(words[index]).normalized() : ZoneOffset.UTC;
  }

  private static int day(String key, String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw CliException.usage(key + ": the billing day must be a day of the month from 1 to 31, was '" + text + "'");
    }
  }

  private static Duration length(String key, String text) {
    Matcher m = SHORT_LENGTH.matcher(text.toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw CliException.usage(key + ": the length must be ISO-8601 (PT1H) or short (30m, 1h, 7d), was '" + text + "'");
    }
  }
}

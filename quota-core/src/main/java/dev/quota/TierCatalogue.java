package dev.quota;

import dev.quota.internal.Checks;
import dev.quota.period.PeriodPolicy;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The tiers, the meters, and the limit of every tier on every meter.
 *
 * <p>Tiers are declared from the least to the most generous; that order decides which of several active
 * tier overrides wins. Every tier has a limit on every declared meter ({@link #UNLIMITED} for none), and
 * every meter has a {@link PeriodPolicy}. The catalogue is immutable.
 *
 * {@snippet :
 * Meter aiCalls = Meter.of("ai-calls");
 * TierCatalogue catalogue = TierCatalogue.builder()
 *     .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
 *     .meter(aiCalls, PeriodPolicy.calendarDay(ZoneOffset.UTC))
 *     .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 100_000L, aiCalls, 50L))
 *     .tier(Tier.PRO, Map.of(Meter.AI_TOKENS, 1_000_000L, aiCalls, 1_000L))
 *     .defaultTier(Tier.FREE)
 *     .whenNoPlan(PlanFallback.USE_DEFAULT_TIER)
 *     .whenUnknownTier(PlanFallback.REJECT)
 *     .build();
 * }
 */
public final class TierCatalogue {
  /** A limit meaning "no limit": ceilings saturate at it instead of overflowing. */
  public static final long UNLIMITED = Long.MAX_VALUE;

  /**
   * The default bound on the amount of one usage event (one record, consume, reserve or commit), in the meter's unit:
   * 10<sup>12</sup>, a million times more tokens than any single AI call spends, yet far enough below
   * {@link Long#MAX_VALUE} that no period's sum of events can overflow in practice. A larger amount is refused as bad
   * input; {@link Builder#maxEventAmount} sets another bound per meter.
   */
  public static final long DEFAULT_MAX_EVENT_AMOUNT = 1_000_000_000_000L;

  /** Orders short windows the longest first; initialised before {@link #DEFAULTS}, whose construction uses it. */
  private static final Comparator<Window> LONGEST_FIRST =
      Comparator.comparing((Window w) -> w.length().orElseThrow()).reversed();

  private static final TierCatalogue DEFAULTS = builder()
      .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
      .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 100_000L))
      .tier(Tier.PRO, Map.of(Meter.AI_TOKENS, 1_000_000L))
      .tier(Tier.ENTERPRISE, Map.of(Meter.AI_TOKENS, 10_000_000L))
      .defaultTier(Tier.FREE)
      .build();

  private final Map<Meter, PeriodPolicy> meters;
  private final Map<Meter, Long> maxEventAmounts;
  private final ZoneId zone;
  private final Map<Tier, Map<Meter, Long>> limits;
  private final Map<Tier, Integer> rank;
  /** Per tier, the meters whose unused allowance rolls over, with the cap in percent of the limit. */
  private final Map<Tier, Map<Meter, Integer>> rollovers;
  /** Per tier and meter, the short windows' limits, longest window first. */
  private final Map<Tier, Map<Meter, Map<Window, Long>>> windowLimits;
  /** Per meter, the short windows some tier declares on it, longest first; absent for a meter without any. */
  private final Map<Meter, List<Window>> windowsPerMeter;
  private final Meter defaultMeter;
  private final @Nullable Tier defaultTier;
  private final PlanFallback whenNoPlan;
  private final PlanFallback whenUnknownTier;

  private TierCatalogue(Builder b) {
    this.meters = Collections.unmodifiableMap(new LinkedHashMap<>(b.meters));
    this.maxEventAmounts = Map.copyOf(b.maxEventAmounts);
    this.zone = b.zone;
    Map<Tier, Map<Meter, Long>> copy = new LinkedHashMap<>();
    Map<Tier, Integer> ranks = new LinkedHashMap<>();
    b.limits.forEach((tier, perMeter) -> {
      copy.put(tier, Collections.unmodifiableMap(new LinkedHashMap<>(perMeter)));
      ranks.put(tier, ranks.size());
    });
    this.limits = Collections.unmodifiableMap(copy);
    this.rank = Collections.unmodifiableMap(ranks);
    Map<Tier, Map<Meter, Integer>> rolls = new LinkedHashMap<>();
    b.rollovers.forEach((tier, perMeter) -> rolls.put(tier, Map.copyOf(perMeter)));
    this.rollovers = Collections.unmodifiableMap(rolls);
    Map<Tier, Map<Meter, Map<Window, Long>>> windowCopy = new LinkedHashMap<>();
    Map<Meter, List<Window>> perMeterWindows = new LinkedHashMap<>();
    b.windowLimits.forEach((tier, perMeter) -> {
      Map<Meter, Map<Window, Long>> meterCopy = new LinkedHashMap<>();
      perMeter.forEach((meter, perWindow) -> {
        meterCopy.put(meter, longestFirst(perWindow));
        List<Window> known = perMeterWindows.computeIfAbsent(meter, m -> new ArrayList<>());
        for (Window w : perWindow.keySet()) {
          if (!known.contains(w)) {
            known.add(w);
          }
        }
      });
      windowCopy.put(tier, Collections.unmodifiableMap(meterCopy));
    });
    this.windowLimits = Collections.unmodifiableMap(windowCopy);
    perMeterWindows.replaceAll((meter, list) -> list.stream().sorted(LONGEST_FIRST).toList());
    this.windowsPerMeter = Collections.unmodifiableMap(perMeterWindows);
    // build() checked that a meter is declared; the first one is the default
    this.defaultMeter = this.meters.keySet().iterator().next();
    this.defaultTier = b.defaultTier;
    this.whenNoPlan = b.whenNoPlan;
    this.whenUnknownTier = b.whenUnknownTier;
  }

  /**
   * The seed system's catalogue: one meter, {@link Meter#AI_TOKENS}, in calendar months (UTC); tiers
   * {@code free} 100,000, {@code pro} 1,000,000 and {@code enterprise} 10,000,000 tokens a month; tenants
   * without a plan or with an unknown tier are treated as {@code free}.
   *
   * @return the default catalogue
   */
  public static TierCatalogue defaults() {
    return DEFAULTS;
  }

  /** @return a builder for a catalogue of your own */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the declared meters with their period policies, in declaration order */
  public Map<Meter, PeriodPolicy> meters() {
    return meters;
  }

  /** @return the declared tiers, from the least to the most generous */
  public List<Tier> tiers() {
    return List.copyOf(limits.keySet());
  }

  /** @return the meter that {@link QuotaGuard#canProceed(TenantId)} checks: the first one declared */
  public Meter defaultMeter() {
    return defaultMeter;
  }

  /**
   * @return the tier of tenants that fall back to a default; {@code null} if none was set, which the builder allows
   *     only while neither fallback is {@link PlanFallback#USE_DEFAULT_TIER}
   */
  public @Nullable Tier defaultTier() {
    return defaultTier;
  }

  /** @return what happens to a tenant without a plan */
  public PlanFallback whenNoPlan() {
    return whenNoPlan;
  }

  /** @return what happens to a tenant whose plan names a tier this catalogue does not know */
  public PlanFallback whenUnknownTier() {
    return whenUnknownTier;
  }

  /**
   * Tells whether a tier is declared.
   *
   * @param tier the tier
   * @return {@code true} if the catalogue has limits for it
   */
  public boolean contains(Tier tier) {
    return limits.containsKey(tier);
  }

  /**
   * Tells whether a meter is declared.
   *
   * @param meter the meter
   * @return {@code true} if the catalogue has a period policy and limits for it
   */
  public boolean contains(Meter meter) {
    return meters.containsKey(meter);
  }

  /**
   * Returns a tier's limit on a meter.
   *
   * @param tier a declared tier
   * @param meter a declared meter
   * @return the limit per period, in the meter's unit; {@link #UNLIMITED} for none
   * @throws InvalidRequestException if the tier or the meter is not declared
   */
  public long limit(Tier tier, Meter meter) {
    // build() checked that every declared tier has a limit on every declared meter
    Map<Meter, Long> perMeter = Objects.requireNonNull(limits.get(requireTier(tier)));
    return Objects.requireNonNull(perMeter.get(requireMeter(meter)));
  }

  /**
   * Returns how much of a tier's unused allowance on a meter rolls over into the next period, as
   * {@link Builder#rollover} set it; 0 (the default) for none.
   *
   * @param tier a tier
   * @param meter a meter
   * @return the cap in percent of the tier's limit, 1 to 100; 0 if the tier rolls nothing over on the meter (also for
   *     an undeclared tier or meter)
   */
  public int rolloverPercent(Tier tier, Meter meter) {
    Map<Meter, Integer> perMeter = rollovers.get(tier);
    Integer percent = perMeter == null ? null : perMeter.get(meter);
    return percent == null ? 0 : percent;
  }

  /**
   * Tells whether any tier rolls unused allowance over on a meter: the guard's cheap test before it looks for a
   * rollover to settle, so meters without one cost nothing.
   *
   * @param meter a meter
   * @return whether some tier has a {@link Builder#rollover} on it
   */
  public boolean hasRollover(Meter meter) {
    for (Map<Meter, Integer> perMeter : rollovers.values()) {
      if (perMeter.containsKey(meter)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns a tier's short-window limits on a meter, as {@link Builder#limit(Tier, Meter, Window, long)} set them.
   *
   * @param tier a declared tier
   * @param meter a declared meter
   * @return each short window's limit, the longest window first; empty if the tier sets none on the meter (its
   *     {@link #limit(Tier, Meter) period limit} is then the only one)
   * @throws InvalidRequestException if the tier or the meter is not declared
   */
  public Map<Window, Long> windowLimits(Tier tier, Meter meter) {
    requireTier(tier);
    requireMeter(meter);
    Map<Meter, Map<Window, Long>> perMeter = windowLimits.get(tier);
    Map<Window, Long> perWindow = perMeter == null ? null : perMeter.get(meter);
    return perWindow == null ? Map.of() : perWindow;
  }

  /**
   * Returns the short windows any tier declares on a meter: a tenant's usage of the meter is counted in each of
   * them, whatever its tier (a tier without a limit in a window counts without one).
   *
   * @param meter a declared meter
   * @return the windows, the longest first; empty if no tier declares one
   * @throws InvalidRequestException if the meter is not declared
   */
  public List<Window> windows(Meter meter) {
    List<Window> windows = windowsPerMeter.get(requireMeter(meter));
    return windows == null ? List.of() : windows;
  }

  /**
   * Tells whether any tier declares a short window on a meter: the guard's cheap test on the hot path, so meters
   * without windows keep the flat write.
   *
   * @param meter a meter
   * @return whether {@link #windows(Meter)} is not empty
   */
  public boolean hasWindows(Meter meter) {
    return windowsPerMeter.containsKey(meter);
  }

  /**
   * Returns a meter's period policy.
   *
   * @param meter a declared meter
   * @return its period policy
   * @throws InvalidRequestException if the meter is not declared
   */
  public PeriodPolicy periodPolicy(Meter meter) {
    return Objects.requireNonNull(meters.get(requireMeter(meter)));
  }

  /**
   * Compares two declared tiers by generosity.
   *
   * @param tier a declared tier
   * @param other a declared tier
   * @return negative if {@code tier} is declared before (less generous than) {@code other}, 0 if equal, else
   *     positive
   * @throws InvalidRequestException if a tier is not declared
   */
  public int compareGenerosity(Tier tier, Tier other) {
    return Integer.compare(Objects.requireNonNull(rank.get(requireTier("tier", tier))),
        Objects.requireNonNull(rank.get(requireTier("other", other))));
  }

  /**
   * The largest amount one usage event of a meter may have, in the meter's unit; {@link #DEFAULT_MAX_EVENT_AMOUNT}
   * unless {@link Builder#maxEventAmount} set another.
   *
   * @param meter a declared meter
   * @return the bound, positive
   */
  public long maxEventAmount(Meter meter) {
    return maxEventAmounts.getOrDefault(meter, DEFAULT_MAX_EVENT_AMOUNT);
  }

  /**
   * The zone that usage history is cut into days and hours in ({@code QuotaAdmin.usageHistory}); UTC unless
   * {@link Builder#zone} set another. Periods follow each meter's own {@link PeriodPolicy}.
   *
   * @return the zone
   */
  public ZoneId zone() {
    return zone;
  }

  /**
   * Fails unless the meter is declared.
   *
   * @param meter the meter to check
   * @return the meter
   * @throws InvalidRequestException naming the field {@code meter} if it is unknown
   */
  public Meter requireMeter(Meter meter) {
    Checks.notNull("meter", meter);
    if (!meters.containsKey(meter)) {
      throw new InvalidRequestException("meter", "must be one of the catalogue's meters " + meters.keySet()
          + ", was '" + meter.name() + "'");
    }
    return meter;
  }

  /**
   * Fails unless the tier is declared.
   *
   * @param tier the tier to check
   * @return the tier
   * @throws InvalidRequestException naming the field {@code tier} if it is unknown
   */
  public Tier requireTier(Tier tier) {
    return requireTier("tier", tier);
  }

  private Tier requireTier(String field, Tier tier) {
    Checks.notNull(field, tier);
    if (!limits.containsKey(tier)) {
      throw new InvalidRequestException(field, "must be one of the catalogue's tiers " + limits.keySet()
          + ", was '" + tier.name() + "'");
    }
    return tier;
  }

  @Override
  public String toString() {
    return "TierCatalogue{meters=" + meters + ", limits=" + limits + ", windowLimits=" + windowLimits
        + ", rollovers=" + rollovers
        + ", defaultTier=" + defaultTier
        + ", whenNoPlan=" + whenNoPlan + ", whenUnknownTier=" + whenUnknownTier + ", maxEventAmounts="
        + maxEventAmounts + ", zone=" + zone + "}";
  }

  /**
   * Builds a {@link TierCatalogue}. Every setter validates at once and names the value it refuses;
   * {@link #build()} checks that the whole is complete.
   */
  public static final class Builder {
    private final Map<Meter, PeriodPolicy> meters = new LinkedHashMap<>();
    private final Map<Meter, Long> maxEventAmounts = new LinkedHashMap<>();
    private ZoneId zone = ZoneOffset.UTC;
    private final Map<Tier, Map<Meter, Long>> limits = new LinkedHashMap<>();
    private final Map<Tier, Map<Meter, Integer>> rollovers = new LinkedHashMap<>();
    private final Map<Tier, Map<Meter, Map<Window, Long>>> windowLimits = new LinkedHashMap<>();
    private @Nullable Tier defaultTier;
    private PlanFallback whenNoPlan = PlanFallback.USE_DEFAULT_TIER;
    private PlanFallback whenUnknownTier = PlanFallback.USE_DEFAULT_TIER;

    private Builder() {}

    /**
     * Declares a meter. The first meter declared is the default meter, the one
     * {@link QuotaGuard#canProceed(TenantId)} checks.
     *
     * @param meter the meter
     * @param periods how its usage is cut into periods
     * @return this builder
     * @throws InvalidRequestException if the meter was already declared
     */
    public Builder meter(Meter meter, PeriodPolicy periods) {
      Checks.notNull("meter", meter);
      Checks.notNull("periods", periods);
      if (meters.containsKey(meter)) {
        throw new InvalidRequestException("meter", "was already declared: '" + meter.name() + "'");
      }
      meters.put(meter, periods);
      return this;
    }

    /**
     * Bounds the amount of one usage event of a meter (one record, consume, reserve or commit); a larger amount is
     * refused as bad input and nothing is written. Default {@link #DEFAULT_MAX_EVENT_AMOUNT}.
     *
     * @param meter a meter declared before
     * @param max the largest amount of one event, in the meter's unit; from 1 to {@link #DEFAULT_MAX_EVENT_AMOUNT}
     *     times 1000 (10<sup>15</sup>), so that a period's sum of events cannot overflow in practice
     * @return this builder
     * @throws InvalidRequestException if the meter is not declared yet or {@code max} is out of range
     */
    public Builder maxEventAmount(Meter meter, long max) {
      Checks.notNull("meter", meter);
      if (!meters.containsKey(meter)) {
        throw new InvalidRequestException("meter", "must be declared with meter(...) before its max event amount: '"
            + meter.name() + "'");
      }
      if (max < 1 || max > DEFAULT_MAX_EVENT_AMOUNT * 1000) {
        throw new InvalidRequestException("max event amount of " + meter, "must be from 1 to "
            + DEFAULT_MAX_EVENT_AMOUNT * 1000 + ", was " + max);
      }
      maxEventAmounts.put(meter, max);
      return this;
    }

    /**
     * Sets the zone usage history is cut into days and hours in (its midnights and hours, summer time included);
     * default UTC.
     *
     * @param zone the zone
     * @return this builder
     */
    public Builder zone(ZoneId zone) {
      this.zone = Checks.notNull("zone", zone);
      return this;
    }

    /**
     * Declares a tier, more generous than every tier declared before it.
     *
     * @param tier the tier
     * @param limitsPerMeter its limit per period on every declared meter, in the meter's unit; 0 or more,
     *     {@link #UNLIMITED} for none
     * @return this builder
     * @throws InvalidRequestException if the tier was already declared or a limit is negative
     */
    public Builder tier(Tier tier, Map<Meter, Long> limitsPerMeter) {
      Checks.notNull("tier", tier);
      Checks.notNull("limits of tier " + tier, limitsPerMeter);
      if (limits.containsKey(tier)) {
        throw new InvalidRequestException("tier", "was already declared: '" + tier.name() + "'");
      }
      Map<Meter, Long> copy = new LinkedHashMap<>();
      limitsPerMeter.forEach((meter, limit) -> {
        Checks.notNull("meter of tier " + tier, meter);
        Checks.notNull("limit of tier " + tier + " on " + meter, limit);
        Checks.notNegative("limit of tier " + tier + " on " + meter, limit);
        copy.put(meter, limit);
      });
      limits.put(tier, copy);
      return this;
    }

    /**
     * Adds a short-window limit to a tier's meter, besides its limit per period: e.g. 60,000 AI tokens a minute for
     * {@code pro}. Usage of the meter then also counts in that window ({@link Window}), at the tenant and every
     * ancestor, and a write must fit every window's limit. Overrides and grants raise only the period limit; a short
     * window's limit is always its tier's.
     *
     * @param tier a tier declared before with {@link #tier}
     * @param meter a declared meter
     * @param window {@link Window#MINUTE}, {@link Window#HOUR} or {@link Window#DAY}
     * @param amount the most usage in one such window, in the meter's unit; 0 or more, {@link #UNLIMITED} for none.
     *     Must not exceed the limit of a longer window of the tier and meter, the period limit included
     *     (checked by {@link #build()})
     * @return this builder
     * @throws InvalidRequestException if the window is {@link Window#PERIOD}, the amount is negative, the tier or
     *     meter is not declared yet, or the window was already set for the tier and meter
     */
    public Builder limit(Tier tier, Meter meter, Window window, long amount) {
      Checks.notNull("tier", tier);
      Checks.notNull("meter", meter);
      Checks.notNull("window", window);
      if (window == Window.PERIOD) {
        throw new InvalidRequestException("window", "must be a short window (MINUTE, HOUR or DAY); set the PERIOD "
            + "limit with tier(...)");
      }
      String field = "limit of tier " + tier + " on " + meter + " per " + window;
      Checks.notNegative(field, amount);
      if (!limits.containsKey(tier)) {
        throw new InvalidRequestException("tier", "must be declared with tier(...) before its window limits: '"
            + tier.name() + "'");
      }
      if (!meters.containsKey(meter)) {
        throw new InvalidRequestException("meter", "must be declared with meter(...) before window limits on it: '"
            + meter.name() + "'");
      }
      Map<Window, Long> perWindow = windowLimits.computeIfAbsent(tier, t -> new LinkedHashMap<>())
          .computeIfAbsent(meter, m -> new EnumMap<>(Window.class));
      if (perWindow.containsKey(window)) {
        throw new InvalidRequestException(field, "was already set (" + perWindow.get(window)
            + "); a tier cannot have two limits of the same length on one meter");
      }
      perWindow.put(window, amount);
      return this;
    }

    /**
     * Lets a tier roll unused allowance of a meter over into the next period, up to a cap; off unless set. At a
     * tenant's first denial or usage report in a period, the part of the previous period's allowance it did not use,
     * at most {@code capPercent} percent of the limit, is added to the period's ceiling (an audited grant of kind
     * {@link dev.quota.admin.Grant.Kind#ROLLOVER} that ends with the period). The tier in force at the end of the
     * previous period decides; see the README's "Rollover" section for the exact rule.
     *
     * @param tier a tier declared before with {@link #tier}
     * @param meter a meter on which that tier has a limit other than {@link #UNLIMITED}
     * @param capPercent the most that rolls over, in percent of the limit: 1 to 100
     * @return this builder
     * @throws InvalidRequestException if the tier is not declared yet, its limit on the meter is missing or
     *     unlimited, the rollover was already set, or {@code capPercent} is not from 1 to 100
     */
    public Builder rollover(Tier tier, Meter meter, int capPercent) {
      Checks.notNull("tier", tier);
      Checks.notNull("meter", meter);
      String field = "rollover of tier " + tier + " on " + meter;
      Map<Meter, Long> perMeter = limits.get(tier);
      if (perMeter == null) {
        throw new InvalidRequestException("tier", "must be declared with tier(...) before its rollover: '"
            + tier.name() + "'");
      }
      Long limit = perMeter.get(meter);
      if (limit == null) {
        throw new InvalidRequestException(field, "needs a limit of the tier on the meter, which it does not have");
      }
      if (limit == UNLIMITED) {
        throw new InvalidRequestException(field, "is only for a limited meter; the tier's limit is UNLIMITED");
      }
      if (capPercent < 1 || capPercent > 100) {
        throw new InvalidRequestException(field, "cap must be from 1 to 100 percent of the limit, was "
            + capPercent);
      }
      Map<Meter, Integer> rolls = rollovers.computeIfAbsent(tier, t -> new LinkedHashMap<>());
      if (rolls.containsKey(meter)) {
        throw new InvalidRequestException(field, "was already set (" + rolls.get(meter) + "%)");
      }
      rolls.put(meter, capPercent);
      return this;
    }

    /**
     * Sets the tier of tenants that fall back to a default. Required when any fallback is
     * {@link PlanFallback#USE_DEFAULT_TIER} (the default); must be declared by {@link #build()} time.
     *
     * @param tier the default tier
     * @return this builder
     */
    public Builder defaultTier(Tier tier) {
      this.defaultTier = Checks.notNull("default tier", tier);
      return this;
    }

    /**
     * Sets what happens to a tenant without a plan; default {@link PlanFallback#USE_DEFAULT_TIER}.
     *
     * @param fallback the rule
     * @return this builder
     */
    public Builder whenNoPlan(PlanFallback fallback) {
      this.whenNoPlan = Checks.notNull("when no plan", fallback);
      return this;
    }

    /**
     * Sets what happens to a tenant whose plan names an undeclared tier; default
     * {@link PlanFallback#USE_DEFAULT_TIER}.
     *
     * @param fallback the rule
     * @return this builder
     */
    public Builder whenUnknownTier(PlanFallback fallback) {
      this.whenUnknownTier = Checks.notNull("when unknown tier", fallback);
      return this;
    }

    /**
     * Checks the whole and builds the catalogue.
     *
     * @return the immutable catalogue
     * @throws InvalidRequestException if no meter or tier is declared, a tier lacks a limit on a meter or
     *     names an undeclared meter, or the default tier is missing or undeclared
     */
    public TierCatalogue build() {
      if (meters.isEmpty()) {
        throw new InvalidRequestException("meters", "must declare at least one meter");
      }
      if (limits.isEmpty()) {
        throw new InvalidRequestException("tiers", "must declare at least one tier");
      }
      limits.forEach((tier, perMeter) -> {
        for (Meter meter : meters.keySet()) {
          if (!perMeter.containsKey(meter)) {
            throw new InvalidRequestException("limits of tier " + tier, "must include meter '" + meter
                + "' (use TierCatalogue.UNLIMITED for no limit)");
          }
        }
        for (Meter meter : perMeter.keySet()) {
          if (!meters.containsKey(meter)) {
            throw new InvalidRequestException("limits of tier " + tier, "name undeclared meter '" + meter
                + "'; declare it with meter(...) first");
          }
        }
      });
      windowLimits.forEach((tier, perMeter) -> perMeter.forEach((meter, perWindow) -> {
        // longest first: each window must allow no more than every longer one, the period limit included
        Long periodLimit = Objects.requireNonNull(limits.get(tier)).get(meter);
        Window longer = Window.PERIOD;
        long longerLimit = periodLimit == null ? UNLIMITED : periodLimit;
        for (Map.Entry<Window, Long> e : longestFirst(perWindow).entrySet()) {
          if (e.getValue() > longerLimit) {
            throw new InvalidRequestException("limit of tier " + tier + " on " + meter + " per " + e.getKey(),
                "must not allow more than the " + longer + " limit " + longerLimit + ", was " + e.getValue());
          }
          longer = e.getKey();
          longerLimit = e.getValue();
        }
      }));
      boolean needsDefault = whenNoPlan == PlanFallback.USE_DEFAULT_TIER
          || whenUnknownTier == PlanFallback.USE_DEFAULT_TIER;
      if (defaultTier == null && needsDefault) {
        throw new InvalidRequestException("default tier", "must be set while a fallback is USE_DEFAULT_TIER");
      }
      if (defaultTier != null && !limits.containsKey(defaultTier)) {
        throw new InvalidRequestException("default tier", "must be one of the declared tiers "
            + limits.keySet() + ", was '" + defaultTier + "'");
      }
      return new TierCatalogue(this);
    }
  }

  @Override
  public boolean equals(@Nullable Object o) {
    // Map equality ignores order, but order matters here: the tiers' order is their generosity and the
    // first meter is the default meter, so both orders are compared too.
    return o instanceof TierCatalogue other && meters.equals(other.meters) && limits.equals(other.limits)
        && rank.equals(other.rank) && defaultMeter.equals(other.defaultMeter)
        && Objects.equals(defaultTier, other.defaultTier) && whenNoPlan == other.whenNoPlan
        && whenUnknownTier == other.whenUnknownTier && maxEventAmounts.equals(other.maxEventAmounts)
        && zone.equals(other.zone) && rollovers.equals(other.rollovers)
        && windowLimits.equals(other.windowLimits);
  }

  @Override
  public int hashCode() {
    return Objects.hash(meters, limits, defaultTier, whenNoPlan, whenUnknownTier, maxEventAmounts, zone, rollovers,
        windowLimits);
  }

  /** A short-window map ordered longest window first, unmodifiable. */
  private static Map<Window, Long> longestFirst(Map<Window, Long> perWindow) {
    Map<Window, Long> ordered = new LinkedHashMap<>();
    perWindow.keySet().stream().sorted(LONGEST_FIRST).forEach(w -> ordered.put(w, perWindow.get(w)));
    return Collections.unmodifiableMap(ordered);
  }
}

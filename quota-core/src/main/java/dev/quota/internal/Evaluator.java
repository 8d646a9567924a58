package dev.quota.internal;

import dev.quota.Decision.Reason;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.PlanFallback;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import dev.quota.UsageReport.TierSource;
import dev.quota.Window;
import dev.quota.admin.Bypass;
import dev.quota.admin.Entitlement;
import dev.quota.admin.Grant;
import dev.quota.admin.LimitOverride;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.TierOverride;
import dev.quota.admin.PageRequest;
import dev.quota.admin.UsageQuery;
import dev.quota.period.PeriodPolicy;
import dev.quota.spi.Counter;
import dev.quota.spi.TenantState;
import dev.quota.spi.UsageListing;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The balance policy, in one place: from a tenant's stored state to its standing on a meter at an instant.
 * Every path (guard decisions, usage reports, the admin dashboard, alerts) goes through
 * {@link #evaluate}, so they cannot disagree.
 */
public final class Evaluator {
  private static final Logger LOG = LoggerFactory.getLogger(Evaluator.class);

  private final TierCatalogue catalogue;
  private final Map<Meter, PeriodPolicy[]> policies;
  /** Per meter, every tier's limit: one lookup on the hot path instead of the catalogue's validated getters. */
  private final Map<Meter, Map<Tier, Long>> limits;
  /** Per meter with short windows, the windows any tier declares, longest first. */
  private final Map<Meter, Window[]> windowsOf;
  /** Per meter with short windows, each window's length in seconds, aligned with {@link #windowsOf}. */
  private final Map<Meter, long[]> windowSecondsOf;
  /** Per meter with short windows and per tier, each window's limit ({@code UNLIMITED} for none). */
  private final Map<Meter, Map<Tier, long[]>> windowLimitsOf;
  private final Set<String> unknownTiersLogged = ConcurrentHashMap.newKeySet();

  /** @param catalogue the tiers and meters */
  public Evaluator(TierCatalogue catalogue) {
    this.catalogue = catalogue;
    // One policy per meter and billing day, made once: policies remember their last period, which keeps
    // the hot path free of date arithmetic; a policy made per call would forget it.
    Map<Meter, PeriodPolicy[]> byMeter = new HashMap<>();
    catalogue.meters().forEach((meter, policy) -> {
      PeriodPolicy[] byDay = new PeriodPolicy[32];
      byDay[0] = policy;
      for (int day = 1; day <= 31; day++) {
        byDay[day] = policy.withBillingDay(day);
      }
      byMeter.put(meter, byDay);
    });
    this.policies = Map.copyOf(byMeter);
    Map<Meter, Map<Tier, Long>> limitsByMeter = new HashMap<>();
    for (Meter meter : catalogue.meters().keySet()) {
      Map<Tier, Long> perTier = new HashMap<>();
      for (Tier tier : catalogue.tiers()) {
        perTier.put(tier, catalogue.limit(tier, meter));
      }
      limitsByMeter.put(meter, Map.copyOf(perTier));
    }
    this.limits = Map.copyOf(limitsByMeter);
    Map<Meter, Window[]> windows = new HashMap<>();
    Map<Meter, long[]> seconds = new HashMap<>();
    Map<Meter, Map<Tier, long[]>> windowLimits = new HashMap<>();
    for (Meter meter : catalogue.meters().keySet()) {
      List<Window> declared = catalogue.windows(meter);
      if (declared.isEmpty()) {
        continue;
      }
      Window[] array = declared.toArray(Window[]::new);
      long[] lengths = new long[array.length];
      for (int i = 0; i < array.length; i++) {
        lengths[i] = array[i].length().orElseThrow().toSeconds();
      }
      Map<Tier, long[]> perTier = new HashMap<>();
      for (Tier tier : catalogue.tiers()) {
        Map<Window, Long> limitsOfTier = catalogue.windowLimits(tier, meter);
        long[] perWindow = new long[array.length];
        for (int i = 0; i < array.length; i++) {
          perWindow[i] = limitsOfTier.getOrDefault(array[i], TierCatalogue.UNLIMITED);
        }
        perTier.put(tier, perWindow);
      }
      windows.put(meter, array);
      seconds.put(meter, lengths);
      windowLimits.put(meter, Map.copyOf(perTier));
    }
    this.windowsOf = Map.copyOf(windows);
    this.windowSecondsOf = Map.copyOf(seconds);
    this.windowLimitsOf = Map.copyOf(windowLimits);
  }

  /** @return the catalogue */
  public TierCatalogue catalogue() {
    return catalogue;
  }

  /**
   * The period a tenant's usage of a meter falls in at an instant, given its plan.
   *
   * @param state the tenant's state (for the billing day)
   * @param meter the meter
   * @param now the instant
   * @return the period
   */
  public Period periodOf(TenantState state, Meter meter, Instant now) {
    return periodIn(policies.get(catalogue.requireMeter(meter)), state, now);
  }

  /** The period at {@code now} of a meter's policies (one per billing day), for the tenant's billing day. */
  private static Period periodIn(PeriodPolicy[] byDay, TenantState state, Instant now) {
    Optional<Plan> plan = state.plan();
    int day = plan.isPresent() && plan.get().billingDay().isPresent() ? plan.get().billingDay().getAsInt() : 0;
    return byDay[day].periodAt(now);
  }

  /**
   * Makes the store's request for one page of the admin listing: the query, and the catalogue's facts a store needs
   * to compute each tenant's numbers where its data is (see {@link UsageListing}), with this evaluator as the
   * reference.
   *
   * @param query the filters and order
   * @param meter a declared meter
   * @param now the instant of the listing
   * @param page the slice
   * @return the request
   */
  public UsageListing listing(UsageQuery query, Meter meter, Instant now, PageRequest page) {
    Tier withoutPlan = catalogue.whenNoPlan() == PlanFallback.USE_DEFAULT_TIER ? catalogue.defaultTier() : null;
    Tier forUnknown = catalogue.whenUnknownTier() == PlanFallback.USE_DEFAULT_TIER ? catalogue.defaultTier() : null;
    PeriodPolicy[] byDay = policies.get(catalogue.requireMeter(meter));
    List<Period> periods = new ArrayList<>(byDay.length);
    for (PeriodPolicy policy : byDay) {
      periods.add(policy.periodAt(now));
    }
    return new UsageListing(query, meter, now, page, periods, limits.get(meter), catalogue.tiers(), withoutPlan,
        forUnknown, (tenant, state) -> evaluate(tenant, meter, state, now));
  }

  /**
   * Decides a request the way {@link #evaluate} followed by the guard's decision would, without building
   * a report: the hot path of {@code canProceed}, which must not allocate. A test holds the two paths to
   * the same answers.
   *
   * @param tenant the tenant
   * @param meter a declared meter
   * @param state its stored state
   * @param now the instant
   * @param amount the units requested
   * @return {@link Reason#WITHIN_BALANCE} or {@link Reason#BYPASSED} if allowed, else
   *     {@link Reason#INSUFFICIENT_BALANCE}, {@link Reason#NO_PLAN} or {@link Reason#UNKNOWN_TIER}
   */
  public Reason verdict(TenantId tenant, Meter meter, TenantState state, Instant now, long amount) {
    return levelVerdict(tenant, meter, state, now, amount, false);
  }

  /**
   * Decides a request on a tenant's whole path the way {@link #plan} followed by the guard's decision would, without
   * building reports or lists: the hot path of {@code canProceed} for a tenant with a parent or a meter with short
   * windows. It reads each ancestor's state from the store, one level after the other.
   *
   * @param tenant the tenant
   * @param meter a declared meter
   * @param state the tenant's own stored state, read already
   * @param store where the ancestors' states are read
   * @param now the instant
   * @param amount the units requested
   * @return as {@link #verdict}; {@link Reason#BYPASSED} only when the path's root is bypassed (a bypass lifts the
   *     limits of its level and of every level below it, never above)
   */
  public Reason pathVerdict(TenantId tenant, Meter meter, TenantState state, dev.quota.spi.UsageStore store,
      Instant now, long amount) {
    Reason denial = null;
    Reason last = Reason.WITHIN_BALANCE;
    TenantState levelState = state;
    TenantId level = tenant;
    for (int depth = 1; ; depth++) {
      last = levelVerdict(level, meter, levelState, now, amount, true);
      if (last == Reason.BYPASSED) {
        denial = null; // lifts this level and every level below it
      } else if (last != Reason.WITHIN_BALANCE && denial == null) {
        denial = last;
      }
      Optional<TenantId> parent = levelState.parent();
      if (parent.isEmpty() || depth >= dev.quota.admin.QuotaAdmin.MAX_TREE_DEPTH) {
        break;
      }
      level = parent.get();
      levelState = store.read(level, meter, now);
    }
    return denial != null ? denial : last == Reason.BYPASSED ? Reason.BYPASSED : Reason.WITHIN_BALANCE;
  }

  /**
   * One level's verdict. On a path ({@code onPath}), unspent one-time credits do not count (path writes draw none)
   * and every short window of the meter must have room too.
   */
  private Reason levelVerdict(TenantId tenant, Meter meter, TenantState state, Instant now, long amount,
      boolean onPath) {
    // The same rules as evaluate(), with two map lookups in all: the meter's limits and the tier's limit in them.
    Map<Tier, Long> limitOf = limits.get(meter);
    if (limitOf == null) {
      catalogue.requireMeter(meter); // throws, naming the meter
    }
    TierSource source = baseSource(tenant, state);
    Tier effective = baseTier(source, state);

    long granted = 0;
    Tier bestOverride = null;
    LimitOverride limitOverride = null;
    long credits = 0;
    List<Entitlement> entitlements = state.entitlements();
    for (int i = 0; i < entitlements.size(); i++) {
      Entitlement e = entitlements.get(i);
      if (!e.isActiveAt(now)) {
        continue;
      }
      if (e instanceof Bypass) {
        return Reason.BYPASSED;
      }
      if (e instanceof Grant g) {
        if (g.meter().equals(meter)) {
          granted = Checks.saturatedAdd(granted, g.amount());
        }
      } else if (e instanceof OneTimeCredit c) {
        if (!onPath && c.meter().equals(meter)) {
          credits = Checks.saturatedAdd(credits, c.unspent());
        }
      } else if (e instanceof LimitOverride l) {
        if (l.meter().equals(meter) && (limitOverride == null || l.supersedes(limitOverride))) {
          limitOverride = l;
        }
      } else if (e instanceof TierOverride o && limitOf.containsKey(o.tier())
          && (bestOverride == null || catalogue.compareGenerosity(o.tier(), bestOverride) > 0)) {
        bestOverride = o.tier();
      }
    }
    if (bestOverride != null) {
      effective = bestOverride;
      source = TierSource.OVERRIDE;
    }
    long limit = effective == null ? 0 : limitOverride != null ? limitOverride.limit() : limitOf.get(effective);
    Counter counter = counterIn(state.counters(), periodIn(policies.get(meter), state, now));
    long ceiling = Checks.saturatedAdd(Checks.saturatedAdd(limit, granted),
        Checks.saturatedAdd(counter == null ? 0 : counter.creditDrawn(), credits));
    long taken = counter == null ? 0 : Checks.saturatedAdd(counter.used(), counter.reserved());
    long remaining = taken >= ceiling ? 0 : ceiling - taken;
    if (remaining < amount) {
      return denialReason(source);
    }
    if (onPath && windowSecondsOf.containsKey(meter) && !windowsHaveRoom(meter, effective, state, now, amount)) {
      return denialReason(source);
    }
    return Reason.WITHIN_BALANCE;
  }

  /**
   * Tells whether every short window of a meter can take an amount, for a level of a path: kept out of
   * {@link #levelVerdict} so that the flat verdict stays small.
   */
  private boolean windowsHaveRoom(Meter meter, Tier effective, TenantState state, Instant now, long amount) {
    long[] lengths = windowSecondsOf.get(meter);
    long[] windowLimits = effective == null ? null : windowLimitsOf.get(meter).get(effective);
    long nowSeconds = now.getEpochSecond();
    for (int i = 0; i < lengths.length; i++) {
      long windowLimit = windowLimits == null ? 0 : windowLimits[i];
      if (windowLimit == TierCatalogue.UNLIMITED) {
        continue;
      }
      long start = Math.floorDiv(nowSeconds, lengths[i]) * lengths[i];
      Counter window = counterIn(state.counters(), start, start + lengths[i]);
      long windowTaken = window == null ? 0 : Checks.saturatedAdd(window.used(), window.reserved());
      if (windowTaken >= windowLimit || windowLimit - windowTaken < amount) {
        return false;
      }
    }
    return true;
  }

  /**
   * A tenant's standing on its whole path and in every window of a meter: what a path write checks and changes.
   *
   * @param tenant the tenant
   * @param meter a declared meter
   * @param states the path's states, the tenant's first ({@link dev.quota.spi.UsageStore#readPath})
   * @param now the instant
   * @return the plan
   */
  PathPlan plan(TenantId tenant, Meter meter, List<TenantState> states, Instant now) {
    catalogue.requireMeter(meter);
    Window[] windows = windowsOf.getOrDefault(meter, new Window[0]);
    List<TenantId> levels = new ArrayList<>(states.size());
    List<UsageReport> periodReports = new ArrayList<>(states.size());
    int lifted = -1;
    TenantId level = tenant;
    for (int i = 0; i < states.size(); i++) {
      TenantState state = states.get(i);
      levels.add(level);
      UsageReport report = evaluate(level, meter, state, now);
      periodReports.add(report);
      if (report.bypassed()) {
        lifted = i;
      }
      if (i + 1 < states.size()) {
        level = state.parent().orElseThrow(() -> new IllegalStateException("a path's level without a parent"));
      }
    }
    List<PathPlan.Slot> slots = new ArrayList<>();
    for (int i = 0; i < states.size(); i++) {
      UsageReport period = withoutCredits(periodReports.get(i));
      boolean isLifted = i <= lifted;
      long periodCeiling = isLifted ? TierCatalogue.UNLIMITED : period.ceiling();
      int periodSlot = slots.size();
      slots.add(new PathPlan.Slot(i, Window.PERIOD, period,
          new dev.quota.spi.PathCounter(levels.get(i), Window.PERIOD, period.period(), periodCeiling,
              states.get(i).version())));
      for (Window window : windows) {
        long limit = windowLimit(period.effectiveTier().orElse(null), meter, window);
        Period bounds = window.at(now);
        if (bounds.equals(period.period())) {
          // The window is the period itself (a DAY window on a meter counted in UTC days): one counter, the
          // stricter ceiling.
          PathPlan.Slot merged = slots.get(periodSlot);
          slots.set(periodSlot, new PathPlan.Slot(i, Window.PERIOD, merged.report(),
              new dev.quota.spi.PathCounter(levels.get(i), Window.PERIOD, bounds,
                  isLifted ? TierCatalogue.UNLIMITED : Math.min(merged.counter().ceiling(), limit),
                  states.get(i).version())));
          continue;
        }
        Counter counter = counterIn(states.get(i).counters(), bounds);
        UsageReport windowReport = new UsageReport(levels.get(i), meter, period.plannedTier(),
            period.effectiveTier(), period.tierSource(), limit, 0, counter == null ? 0 : counter.used(),
            counter == null ? 0 : counter.reserved(), bounds, Optional.empty(), List.of(), now);
        slots.add(new PathPlan.Slot(i, window, windowReport, new dev.quota.spi.PathCounter(levels.get(i), window,
            bounds, isLifted ? TierCatalogue.UNLIMITED : limit, states.get(i).version())));
      }
    }
    return new PathPlan(tenant, meter, levels, states, periodReports, slots, lifted);
  }

  /**
   * A tier's limit on a meter in a short window.
   *
   * @param tier the effective tier, or null for a rejected tenant (whose limit is 0)
   * @param meter the meter
   * @param window a short window
   * @return the limit; {@link TierCatalogue#UNLIMITED} if the tier sets none in that window
   */
  long windowLimit(Tier tier, Meter meter, Window window) {
    if (tier == null) {
      return 0;
    }
    return catalogue.windowLimits(tier, meter).getOrDefault(window, TierCatalogue.UNLIMITED);
  }

  /** The report without unspent one-time credits, which path writes do not draw on. */
  private static UsageReport withoutCredits(UsageReport report) {
    if (report.creditAvailable() == 0) {
      return report;
    }
    return new UsageReport(report.tenant(), report.meter(), report.plannedTier(), report.effectiveTier(),
        report.tierSource(), report.limit(), report.granted(), report.used(), report.reserved(), report.period(),
        report.bypassedUntil(), report.activeEntitlements(), report.asOf(), report.creditDrawn(), 0);
  }

  /**
   * Why a tenant whose balance does not cover a request is denied: for want of a (known) tier, or of balance.
   *
   * @param source where the tenant's effective tier comes from
   * @return {@link Reason#NO_PLAN}, {@link Reason#UNKNOWN_TIER} or {@link Reason#INSUFFICIENT_BALANCE}
   */
  public static Reason denialReason(TierSource source) {
    return switch (source) {
      case REJECTED_WITHOUT_PLAN -> Reason.NO_PLAN;
      case REJECTED_UNKNOWN_TIER -> Reason.UNKNOWN_TIER;
      default -> Reason.INSUFFICIENT_BALANCE;
    };
  }

  /**
   * Computes a tenant's standing.
   *
   * @param tenant the tenant
   * @param meter a declared meter
   * @param state its stored state
   * @param now the instant
   * @return the report
   */
  public UsageReport evaluate(TenantId tenant, Meter meter, TenantState state, Instant now) {
    catalogue.requireMeter(meter);
    TierSource source = baseSource(tenant, state);
    Tier effective = baseTier(source, state);

    long granted = 0;
    Instant bypassedUntil = null;
    Tier bestOverride = null;
    LimitOverride limitOverride = null;
    long credits = 0;
    List<Entitlement> active = new ArrayList<>(state.entitlements().size());
    for (Entitlement e : state.entitlements()) {
      if (!e.isActiveAt(now)) {
        continue;
      }
      switch (e) {
        case Grant g -> {
          if (!g.meter().equals(meter)) {
            continue;
          }
          granted = Checks.saturatedAdd(granted, g.amount());
        }
        case TierOverride o -> {
          if (!catalogue.contains(o.tier())) {
            warnUnknownOverrideTier(tenant, o);
            continue;
          }
          if (bestOverride == null || catalogue.compareGenerosity(o.tier(), bestOverride) > 0) {
            bestOverride = o.tier();
          }
        }
        case OneTimeCredit c -> {
          if (!c.meter().equals(meter)) {
            continue;
          }
          credits = Checks.saturatedAdd(credits, c.unspent());
        }
        case LimitOverride l -> {
          if (!l.meter().equals(meter)) {
            continue;
          }
          if (limitOverride == null || l.supersedes(limitOverride)) {
            limitOverride = l;
          }
        }
        case Bypass b -> {
          Instant end = b.effectiveEnd();
          if (bypassedUntil == null || end.isAfter(bypassedUntil)) {
            bypassedUntil = end;
          }
        }
      }
      active.add(e);
    }
    if (bestOverride != null) {
      effective = bestOverride;
      source = TierSource.OVERRIDE;
    }
    // A tenant's own limit replaces its tier's; it does not stand in for a plan (a rejected tenant stays at zero).
    long limit = effective == null ? 0
        : limitOverride != null ? limitOverride.limit() : limits.get(meter).get(effective);

    Period period = periodIn(policies.get(meter), state, now);
    Counter counter = counterIn(state.counters(), period);
    return new UsageReport(tenant, meter, state.plan().map(Plan::tier), Optional.ofNullable(effective), source,
        limit, granted, counter == null ? 0 : counter.used(), counter == null ? 0 : counter.reserved(), period,
        Optional.ofNullable(bypassedUntil), active, now, counter == null ? 0 : counter.creditDrawn(), credits);
  }

  /**
   * Tells whether a usage write on a meter at an instant may draw on one-time credits: whether the tenant has an
   * active credit there with units left. Such writes go through {@link dev.quota.spi.UsageStore#writeDrawingCredits};
   * the state's version guards the choice, as a credit given or revoked since the read changes it.
   *
   * @param state the tenant's state
   * @param meter the meter
   * @param now the instant of the write
   * @return whether a credit could be drawn on
   */
  public static boolean drawsCredits(TenantState state, Meter meter, Instant now) {
    List<Entitlement> entitlements = state.entitlements();
    for (int i = 0; i < entitlements.size(); i++) {
      if (entitlements.get(i) instanceof OneTimeCredit c && c.meter().equals(meter) && c.availableAt(now) > 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * The allowance a write that draws on credits is checked against: the ceiling without the credits' terms (the limit
   * plus the period's raises).
   *
   * @param report the report the write is based on
   * @return {@code limit + granted}, saturating
   */
  public static long allowance(UsageReport report) {
    return Checks.saturatedAdd(report.limit(), report.granted());
  }

  /** Where the tenant's tier comes from before overrides: its plan, the default tier, or nowhere (rejected). */
  private TierSource baseSource(TenantId tenant, TenantState state) {
    Optional<Plan> plan = state.plan();
    if (plan.isEmpty()) {
      return catalogue.whenNoPlan() == PlanFallback.USE_DEFAULT_TIER ? TierSource.DEFAULT_WITHOUT_PLAN
          : TierSource.REJECTED_WITHOUT_PLAN;
    }
    if (catalogue.contains(plan.get().tier())) {
      return TierSource.PLAN;
    }
    warnUnknownTier(tenant, plan.get().tier());
    return catalogue.whenUnknownTier() == PlanFallback.USE_DEFAULT_TIER ? TierSource.DEFAULT_FOR_UNKNOWN_TIER
        : TierSource.REJECTED_UNKNOWN_TIER;
  }

  /** The tier a {@link #baseSource} names, or null for a rejected tenant. */
  private Tier baseTier(TierSource source, TenantState state) {
    return switch (source) {
      case PLAN -> state.plan().get().tier();
      case DEFAULT_WITHOUT_PLAN, DEFAULT_FOR_UNKNOWN_TIER -> catalogue.defaultTier();
      default -> null;
    };
  }

  /** The counter of exactly those bounds, in epoch seconds, or null: the window lookup without a Period. */
  private static Counter counterIn(List<Counter> counters, long startSeconds, long endSeconds) {
    for (int i = 0; i < counters.size(); i++) {
      Counter c = counters.get(i);
      if (c.period().start().getEpochSecond() == startSeconds && c.period().end().getEpochSecond() == endSeconds
          && c.period().start().getNano() == 0 && c.period().end().getNano() == 0) {
        return c;
      }
    }
    return null;
  }

  /** The counter of exactly that period, or null if the state has none. */
  private static Counter counterIn(List<Counter> counters, Period period) {
    for (int i = 0; i < counters.size(); i++) {
      Counter c = counters.get(i);
      if (c.period().equals(period)) {
        return c;
      }
    }
    return null;
  }

  /**
   * Returns a report with the counter replaced by one read after a write.
   *
   * @param report the report the write was based on
   * @param counter the counter after the write
   * @return the updated report
   */
  public static UsageReport withCounter(UsageReport report, Counter counter) {
    if (!counter.period().equals(report.period())) {
      return report;
    }
    return new UsageReport(report.tenant(), report.meter(), report.plannedTier(), report.effectiveTier(),
        report.tierSource(), report.limit(), report.granted(), counter.used(), counter.reserved(), report.period(),
        report.bypassedUntil(), report.activeEntitlements(), report.asOf(),
        // A period's credit draws only grow: a store that does not return them with a write (a reserve) keeps the
        // report's.
        Math.max(report.creditDrawn(), counter.creditDrawn()),
        Math.max(0, report.creditAvailable() - Math.max(0, counter.creditDrawn() - report.creditDrawn())));
  }

  private void warnUnknownTier(TenantId tenant, Tier tier) {
    if (unknownTiersLogged.size() < 1_000 && unknownTiersLogged.add(tier.name())) {
      LOG.warn("tenant '{}' has tier '{}', which the catalogue does not declare; applying {} (logged once per tier)",
          tenant, tier, catalogue.whenUnknownTier());
    }
  }

  private void warnUnknownOverrideTier(TenantId tenant, TierOverride override) {
    // An override is not a plan: the unknown-tier fallback does not apply to it, it is simply not in force.
    if (unknownTiersLogged.size() < 1_000 && unknownTiersLogged.add("override:" + override.tier().name())) {
      LOG.warn("tenant '{}' has override {} to tier '{}', which the catalogue does not declare; ignoring the override "
          + "(logged once per tier)", tenant, override.id(), override.tier());
    }
  }
}

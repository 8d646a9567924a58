package dev.quota.internal;

import dev.quota.Decision;
import dev.quota.LevelUsage;
import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import dev.quota.Window;
import dev.quota.spi.Counter;
import dev.quota.spi.PathCounter;
import dev.quota.spi.PathWrite;
import dev.quota.spi.TenantState;
import java.util.ArrayList;
import java.util.List;

/**
 * A tenant's standing on its whole path, in every window of a meter, as {@link Evaluator#plan} computes it: the
 * counters a path write checks and changes, each with the report a decision resting on it carries.
 *
 * <p>A bypass of a level lifts the limits of that level and of every level below it (its descendants on the path),
 * never of the levels above: those counters get the ceiling {@link TierCatalogue#UNLIMITED}, so the write stays
 * conditional on the others. Only a bypass of the root lifts every limit.
 */
final class PathPlan {

  /**
   * One counter of the write.
   *
   * @param level the index of its level in the path: 0 for the tenant
   * @param window its window
   * @param report the level's standing in that window (for the period, without unspent one-time credits)
   * @param counter the counter as the write sends it
   */
  record Slot(int level, Window window, UsageReport report, PathCounter counter) {
    /** @return what the counter can still take under its ceiling */
    long remaining() {
      long taken = Checks.saturatedAdd(report.used(), report.reserved());
      long ceiling = counter.ceiling();
      return taken >= ceiling ? 0 : ceiling - taken;
    }
  }

  private final TenantId tenant;
  private final Meter meter;
  private final List<TenantId> levels;
  private final List<TenantState> states;
  private final List<UsageReport> periodReports;
  private final List<Slot> slots;
  private final int liftedUpTo;

  PathPlan(TenantId tenant, Meter meter, List<TenantId> levels, List<TenantState> states,
      List<UsageReport> periodReports, List<Slot> slots, int liftedUpTo) {
    this.tenant = tenant;
    this.meter = meter;
    this.levels = List.copyOf(levels);
    this.states = List.copyOf(states);
    this.periodReports = List.copyOf(periodReports);
    this.slots = List.copyOf(slots);
    this.liftedUpTo = liftedUpTo;
  }

  /** @return the path, the tenant first */
  List<TenantId> levels() {
    return levels;
  }

  /** @return each level's state, as read */
  List<TenantState> states() {
    return states;
  }

  /** @return each level's period report, as {@link Evaluator#evaluate} makes it (credits included) */
  List<UsageReport> periodReports() {
    return periodReports;
  }

  /** @return the counters, in the write's order */
  List<Slot> slots() {
    return slots;
  }

  /** @return the tenant's own period report */
  UsageReport tenantReport() {
    return periodReports.get(0);
  }

  /** @return whether a bypass lifts every limit of the path (the root's) */
  boolean bypassed() {
    return liftedUpTo == levels.size() - 1;
  }

  /** @return the write that checks and changes every counter of the plan */
  PathWrite write() {
    List<PathCounter> counters = new ArrayList<>(slots.size());
    for (Slot slot : slots) {
      counters.add(slot.counter());
    }
    return new PathWrite(levels, counters);
  }

  /**
   * The first counter, in the write's order, that cannot take an amount.
   *
   * @param amount the units
   * @return its index, or -1 if every counter can
   */
  int firstRefusal(long amount) {
    for (int i = 0; i < slots.size(); i++) {
      if (slots.get(i).remaining() < amount) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The enforcing decision on an amount: bypassed when the root's bypass lifts everything, else a denial at the
   * first refusing counter, else an allowance resting on the counter with the least left.
   *
   * @param amount the units requested
   * @return the decision, never shadowed
   */
  Decision decide(long amount) {
    if (bypassed()) {
      return Decision.bypassedOnPath(tenant, periodReports.get(liftedUpTo), amount, liftedUpTo);
    }
    int refused = firstRefusal(amount);
    if (refused >= 0) {
      return denial(refused, amount);
    }
    return allowance(amount);
  }

  /**
   * A denial resting on one counter.
   *
   * @param index the counter
   * @param amount the units requested
   * @return the denial
   */
  Decision denial(int index, long amount) {
    Slot slot = slots.get(index);
    return Decision.denyOnPath(Evaluator.denialReason(slot.report().tierSource()), tenant, slot.report(), amount,
        slot.level(), slot.window());
  }

  /**
   * An allowance resting on the counter with the least left (the first of equals), so that its remaining is what the
   * whole path has left.
   *
   * @param amount the units requested
   * @return the allowance
   */
  Decision allowance(long amount) {
    Slot binding = slots.get(0);
    for (Slot slot : slots) {
      if (slot.remaining() < binding.remaining()) {
        binding = slot;
      }
    }
    return Decision.allowOnPath(tenant, binding.report(), amount, binding.level(), binding.window());
  }

  /**
   * The plan with the counters a store returned after (or instead of) a write.
   *
   * @param counters one per slot, in the write's order
   * @return the updated plan
   */
  PathPlan withCounters(List<Counter> counters) {
    List<Slot> updated = new ArrayList<>(slots.size());
    List<UsageReport> reports = new ArrayList<>(periodReports);
    for (int i = 0; i < slots.size(); i++) {
      Slot slot = slots.get(i);
      Counter counter = counters.get(i);
      updated.add(new Slot(slot.level(), slot.window(), Evaluator.withCounter(slot.report(), counter),
          slot.counter()));
      if (slot.window() == Window.PERIOD) {
        reports.set(slot.level(), Evaluator.withCounter(reports.get(slot.level()), counter));
      }
    }
    return new PathPlan(tenant, meter, levels, states, reports, updated, liftedUpTo);
  }

  /** @return the standing of every counter, for {@code QuotaGuard.usagePath} */
  List<LevelUsage> usage() {
    List<LevelUsage> usage = new ArrayList<>(slots.size());
    for (Slot slot : slots) {
      UsageReport report = slot.window() == Window.PERIOD ? periodReports.get(slot.level()) : slot.report();
      usage.add(new LevelUsage(levels.get(slot.level()), slot.level(), slot.window(), report));
    }
    return usage;
  }
}

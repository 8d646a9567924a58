package dev.quota.reliability.model;

import dev.quota.Window;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What limits at every level and in every window must do, written from the rules alone, with nothing of quota's code
 * but the names of windows: a tree of tenants, their tiers, overrides, grants and bypasses, and one counter per level,
 * window and window start. It predicts every result of a {@link PathScenario}, described as {@link PathSide} describes
 * the implementation's.
 *
 * <p>The rules. A write on a tenant counts at the tenant and at every ancestor (the path at the time of the write),
 * in the meter's period and in every short window the catalogue declares on it. A consume or reserve is allowed iff,
 * for every level of the path (the tenant first, then up) and every window (the period first, then the longer short
 * window), {@code used + reserved + amount <= ceiling}; the ceiling of the period is the level's limit (its own
 * override, else its tier's) plus its active grants, never one-time credits; the ceiling of a short window is the
 * level's tier's limit in it, or none. A denial names the first counter that refused in that order. A bypass of a
 * level lifts the limits of that level and of every level below it, never of an ancestor; when the root's bypass
 * lifts all of them, the decision is {@code BYPASSED}. A hold counts in every counter of the path until committed,
 * released, or expired; a commit ends it and counts the actual amount in the counters of the path and windows
 * current at the commit. A move leaves what was counted where it was.
 */
final class PathModel {
  private static final long NONE = Long.MAX_VALUE;

  /** A counter: one level, one window, one window start. */
  record Key(int level, Window window, Instant start) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = Integer.compare(level, o.level);
      if (c != 0) {
        return c;
      }
      c = window.compareTo(o.window);
      return c != 0 ? c : start.compareTo(o.start);
    }
  }

  /** A reservation: its holds, by counter, and whether a commit or release ended it. */
  private static final class Hold {
    final int tenant;
    final long amount;
    final Instant expiresAt;
    final List<Key> counters;
    boolean ended;

    Hold(int tenant, long amount, Instant expiresAt, List<Key> counters) {
      this.tenant = tenant;
      this.amount = amount;
      this.expiresAt = expiresAt;
      this.counters = counters;
    }

    boolean counts(Instant now) {
      return !ended && now.isBefore(expiresAt);
    }
  }

  private record Expiring(long amount, Instant until) {}

  private final PathScenario scenario;
  /** The windows usage counts in: the period first, then the declared short windows, the longest first. */
  private final List<Window> windows = new ArrayList<>();
  private final int[] parent;
  private final long[] ownLimit;
  private final List<List<Expiring>> grants = new ArrayList<>();
  private final Instant[] bypassedUntil;
  private final Map<Key, Long> used = new TreeMap<>();
  /** Every reservation made, in order. */
  private final List<Hold> holds = new ArrayList<>();
  private Instant now;

  PathModel(PathScenario scenario) {
    this.scenario = scenario;
    this.now = scenario.start();
    windows.add(Window.PERIOD);
    for (Window w : List.of(Window.DAY, Window.HOUR, Window.MINUTE)) {
      if (scenario.tiers().stream().anyMatch(t -> t.windows().containsKey(w))) {
        windows.add(w);
      }
    }
    int n = PathScenario.TENANTS;
    parent = new int[n];
    ownLimit = new long[n];
    bypassedUntil = new Instant[n];
    for (int t = 0; t < n; t++) {
      parent[t] = -1;
      ownLimit[t] = -1;
      grants.add(new ArrayList<>());
    }
  }

  /**
   * Applies the scenario's first parents (each checked like a move).
   *
   * @return per tenant, what setting its first parent returned
   */
  List<String> setUp() {
    List<String> results = new ArrayList<>();
    for (int t = 0; t < PathScenario.TENANTS; t++) {
      int p = scenario.parentOf().get(t);
      results.add(p < 0 ? "root" : move(t, p));
    }
    return results;
  }

  /**
   * Predicts a step's result and applies it.
   *
   * @param step the step
   * @return the result, described
   */
  String apply(PathScenario.Step step) {
    return switch (step) {
      case PathScenario.Advance a -> {
        now = now.plus(a.by());
        yield "";
      }
      case PathScenario.Consume c -> {
        Decision d = decide(c.t(), c.amount());
        if (d.allowed) {
          count(c.t(), c.amount());
        }
        yield (d.allowed ? "CONSUMED " : "DENIED ") + d;
      }
      case PathScenario.Check c -> decide(c.t(), c.amount()).toString();
      case PathScenario.Record r -> {
        count(r.t(), r.amount());
        yield "recorded " + r.amount();
      }
      case PathScenario.Reserve r -> {
        Decision d = decide(r.t(), r.amount());
        if (d.allowed) {
          holds.add(new Hold(r.t(), r.amount(), now.plus(r.ttl()), counters(r.t())));
        }
        yield (d.allowed ? "granted " : "refused ") + d;
      }
      case PathScenario.Commit c -> {
        Hold hold = open(c.r());
        if (hold == null) {
          yield "no reservation";
        }
        hold.ended = true;
        count(hold.tenant, c.actual());
        yield "recorded " + c.actual();
      }
      case PathScenario.Release r -> {
        Hold hold = open(r.r());
        if (hold == null) {
          yield "no reservation";
        }
        boolean counted = hold.counts(now);
        hold.ended = true;
        yield "released " + counted;
      }
      case PathScenario.Move m -> m.p() < 0 ? clear(m.t()) : move(m.t(), m.p());
      case PathScenario.Grant g -> {
        grants.get(g.t()).add(new Expiring(g.amount(), now.plus(g.expiresIn())));
        yield "ok";
      }
      case PathScenario.OneTimeCredit c -> "ok";
      case PathScenario.OverrideLimit o -> {
        ownLimit[o.t()] = o.limit();
        yield "ok";
      }
      case PathScenario.Bypass b -> {
        Instant until = now.plus(b.untilIn());
        // a tenant is bypassed while any of its bypasses is active
        bypassedUntil[b.t()] = bypassedUntil[b.t()] == null || until.isAfter(bypassedUntil[b.t()]) ? until
            : bypassedUntil[b.t()];
        yield "ok";
      }
      case PathScenario.ParentOf p -> "parent " + (parent[p.t()] < 0 ? "none" : "t" + parent[p.t()]);
      case PathScenario.Usage u -> usage(u.t());
      case PathScenario.UsagePath u -> usagePath(u.t());
    };
  }

  /** @return the reservations neither committed nor released, in order, the r-th of them (modulo), or null */
  private Hold open(int r) {
    List<Hold> open = holds.stream().filter(h -> !h.ended).toList();
    return open.isEmpty() ? null : open.get(r % open.size());
  }

  /** A predicted decision. */
  private record Decision(boolean allowed, String reason, int level, int levelsUp, Window window) {
    @Override
    public String toString() {
      return allowed ? reason : reason + " at t" + level + " up " + levelsUp + " in " + window;
    }
  }

  private Decision decide(int tenant, long amount) {
    List<Integer> path = path(tenant);
    int root = path.get(path.size() - 1);
    if (bypassed(root)) {
      return new Decision(true, "BYPASSED", root, path.size() - 1, Window.PERIOD);
    }
    // lifted: a level at or below the highest bypassed level of the path
    int highestBypassed = -1;
    for (int i = 0; i < path.size(); i++) {
      if (bypassed(path.get(i))) {
        highestBypassed = i;
      }
    }
    for (int i = highestBypassed + 1; i < path.size(); i++) {
      int level = path.get(i);
      for (Window w : windows) {
        Key key = new Key(level, w, start(w, now));
        long ceiling = ceiling(level, w);
        if (ceiling != NONE && used(key) + reserved(key) + amount > ceiling) {
          return new Decision(false, "INSUFFICIENT_BALANCE", level, i, w);
        }
      }
    }
    return new Decision(true, "WITHIN_BALANCE", tenant, 0, Window.PERIOD);
  }

  private boolean bypassed(int t) {
    return bypassedUntil[t] != null && now.isBefore(bypassedUntil[t]);
  }

  private long ceiling(int level, Window w) {
    PathScenario.TierSpec tier = scenario.tiers().get(scenario.tierOf().get(level));
    if (w != Window.PERIOD) {
      return tier.windows().getOrDefault(w, NONE);
    }
    return periodLimit(level) + granted(level);
  }

  private long periodLimit(int level) {
    return ownLimit[level] >= 0 ? ownLimit[level] : scenario.tiers().get(scenario.tierOf().get(level)).period();
  }

  private long granted(int level) {
    return grants.get(level).stream().filter(g -> now.isBefore(g.until())).mapToLong(Expiring::amount).sum();
  }

  private long used(Key key) {
    return used.getOrDefault(key, 0L);
  }

  private long reserved(Key key) {
    long sum = 0;
    for (Hold h : holds) {
      if (h.counts(now) && h.counters.contains(key)) {
        sum += h.amount;
      }
    }
    return sum;
  }

  /** @return every counter a write on the tenant changes now */
  private List<Key> counters(int tenant) {
    List<Key> keys = new ArrayList<>();
    for (int level : path(tenant)) {
      for (Window w : windows) {
        keys.add(new Key(level, w, start(w, now)));
      }
    }
    return keys;
  }

  private void count(int tenant, long amount) {
    for (Key key : counters(tenant)) {
      used.merge(key, amount, Long::sum);
    }
  }

  /** @return the tenant first, then its ancestors */
  List<Integer> path(int tenant) {
    List<Integer> path = new ArrayList<>();
    for (int at = tenant; at >= 0; at = parent[at]) {
      path.add(at);
    }
    return path;
  }

  private String move(int t, int p) {
    if (p == t || path(p).contains(t)) {
      return "refused InvalidRequestException(field=parent)";
    }
    if (path(p).size() + PathScenario.height(parent, t) > 5) {
      return "refused InvalidRequestException(field=parent)";
    }
    parent[t] = p;
    return "ok";
  }

  private String clear(int t) {
    parent[t] = -1;
    return "ok";
  }

  /** @return the tenant's report: its own period counter, which counts its descendants' usage too */
  private String usage(int t) {
    Key key = new Key(t, Window.PERIOD, start(Window.PERIOD, now));
    return "used=" + used(key) + " reserved=" + reserved(key) + " limit=" + periodLimit(t) + " granted=" + granted(t);
  }

  /**
   * The tenant's standing on its path: per level (the tenant first) the period, then the short windows, the longest
   * first; a short window's limit is the level's tier's in it (none: {@link Long#MAX_VALUE}).
   */
  private String usagePath(int t) {
    List<String> levels = new ArrayList<>();
    List<Integer> path = path(t);
    for (int i = 0; i < path.size(); i++) {
      int level = path.get(i);
      for (Window w : windows) {
        Key key = new Key(level, w, start(w, now));
        long limit = w == Window.PERIOD ? periodLimit(level) : ceiling(level, w);
        levels.add("t" + level + " up " + i + " " + w + " used=" + used(key) + " reserved=" + reserved(key)
            + " limit=" + limit);
      }
    }
    return levels.toString();
  }

  /**
   * The model's counters, for the final comparison: per level and window, the used units of every window start.
   *
   * @return the counters with usage, in order
   */
  Map<Key, Long> counters() {
    Map<Key, Long> nonZero = new TreeMap<>();
    used.forEach((k, v) -> {
      if (v != 0) {
        nonZero.put(k, v);
      }
    });
    return nonZero;
  }

  /** @return the model's clock */
  Instant now() {
    return now;
  }

  /** @return the windows usage counts in, the period first */
  List<Window> windows() {
    return List.copyOf(windows);
  }

  /**
   * Where a window containing an instant starts: short windows are aligned to their length from the epoch (UTC), the
   * period to {@link PathScenario#PERIOD} from the epoch.
   */
  static Instant start(Window w, Instant at) {
    Duration length = switch (w) {
      case MINUTE -> Duration.ofMinutes(1);
      case HOUR -> Duration.ofHours(1);
      case DAY -> Duration.ofDays(1);
      case PERIOD -> PathScenario.PERIOD;
    };
    long millis = length.toMillis();
    return Instant.ofEpochMilli(Math.floorDiv(at.toEpochMilli(), millis) * millis);
  }

  static Map<Integer, Map<Window, Map<Instant, Long>>> byLevel(Map<Key, Long> counters) {
    Map<Integer, Map<Window, Map<Instant, Long>>> out = new HashMap<>();
    counters.forEach((k, v) -> out.computeIfAbsent(k.level(), x -> new TreeMap<>())
        .computeIfAbsent(k.window(), x -> new TreeMap<>()).put(k.start(), v));
    return out;
  }
}

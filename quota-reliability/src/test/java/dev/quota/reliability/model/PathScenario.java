package dev.quota.reliability.model;

import dev.quota.Meter;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.Window;
import dev.quota.period.PeriodPolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A random sequence on a tree of tenants, made from a seed: the tiers with their period and short-window limits, the
 * tenants' tiers and first parents, the starting instant, whether the PostgreSQL store caches, and the steps. The
 * same seed always makes the same scenario.
 *
 * @param seed the seed
 * @param tiers the tiers, each with its limits on {@link #TOKENS}
 * @param tierOf per tenant (by position), the position of its tier in {@code tiers}
 * @param parentOf per tenant, the position of its first parent, or -1 for a root
 * @param start where the clock starts
 * @param cached whether the PostgreSQL store runs with its cache (else strict)
 * @param steps the operations
 */
record PathScenario(long seed, List<TierSpec> tiers, List<Integer> tierOf, List<Integer> parentOf, Instant start,
    boolean cached, List<PathScenario.Step> steps) {
  static final Meter TOKENS = Meter.AI_TOKENS;
  /** The meter's period: fixed, two hours long from the epoch, so that some sequences cross one. */
  static final Duration PERIOD = Duration.ofHours(2);
  static final int TENANTS = 5;
  private static final Instant EARLIEST_START = Instant.parse("2026-01-01T00:00:00Z");

  /**
   * A tier's limits on the meter.
   *
   * @param name the tier's name
   * @param period the limit per period
   * @param windows the short windows' limits; a window of the catalogue missing here has no limit for this tier
   */
  record TierSpec(String name, long period, Map<Window, Long> windows) {
    TierSpec {
      windows = Map.copyOf(windows);
    }
  }

  /** One operation, with tenants and reservations named by position so that a shorter sequence still means something. */
  sealed interface Step {}

  /** Moves the clock. */
  record Advance(Duration by) implements Step {}

  record Consume(int t, long amount) implements Step {}

  record Check(int t, long amount) implements Step {}

  record Record(int t, long amount) implements Step {}

  record Reserve(int t, long amount, Duration ttl) implements Step {}

  /** Commits the r-th reservation still open (neither committed nor released; modulo how many there are). */
  record Commit(int r, long actual) implements Step {}

  /** Releases the r-th reservation still open (modulo how many there are). */
  record Release(int r) implements Step {}

  /** Gives tenant {@code t} the parent {@code p}, or none when {@code p} is negative. */
  record Move(int t, int p) implements Step {}

  /** Raises the tenant's period ceiling until {@code expiresIn} from now. */
  record Grant(int t, long amount, Duration expiresIn) implements Step {}

  /** A one-time credit, valid from now for a day: path writes do not draw it. */
  record OneTimeCredit(int t, long amount) implements Step {}

  /** The tenant's own period limit, open-ended. */
  record OverrideLimit(int t, long limit) implements Step {}

  record Bypass(int t, Duration untilIn) implements Step {}

  /** Reads the tenant's parent (a probe at the end of a sequence). */
  record ParentOf(int t) implements Step {}

  /** Reads the tenant's usage report. */
  record Usage(int t) implements Step {}

  /** Reads the tenant's standing at every level of its path and in every window. */
  record UsagePath(int t) implements Step {}

  /** @return the same scenario with other steps, for shrinking */
  PathScenario withSteps(List<Step> other) {
    return new PathScenario(seed, tiers, tierOf, parentOf, start, cached, List.copyOf(other));
  }

  /** @return the catalogue the implementation runs with, made from {@link #tiers} */
  TierCatalogue catalogue() {
    TierCatalogue.Builder catalogue = TierCatalogue.builder().meter(TOKENS, PeriodPolicy.fixed(PERIOD));
    for (TierSpec tier : tiers) {
      catalogue.tier(Tier.of(tier.name()), Map.of(TOKENS, tier.period()));
    }
    for (TierSpec tier : tiers) {
      tier.windows().forEach((window, amount) -> catalogue.limit(Tier.of(tier.name()), TOKENS, window, amount));
    }
    return catalogue.defaultTier(Tier.of(tiers.get(0).name())).build();
  }

  /**
   * Makes the scenario of a seed.
   *
   * @param seed the seed
   * @param length how many steps
   * @return the scenario
   */
  static PathScenario of(long seed, int length) {
    SplittableRandom random = new SplittableRandom(seed);
    // the windows the catalogue declares: at least one, so that every write is a path write
    int windowSet = random.nextInt(1, 4);
    List<Window> windows = new ArrayList<>();
    if ((windowSet & 2) != 0) {
      windows.add(Window.HOUR);
    }
    if ((windowSet & 1) != 0) {
      windows.add(Window.MINUTE);
    }
    List<TierSpec> tiers = new ArrayList<>();
    String[] names = {"org", "team", "member"};
    boolean someWindow = false;
    for (String name : names) {
      long period = random.nextLong(12, 61);
      Map<Window, Long> limits = new EnumMap<>(Window.class);
      long longer = period;
      for (Window window : windows) {
        // a tier without a limit in a declared window still counts in it; the last tier makes sure one has a limit
        boolean last = name.equals(names[names.length - 1]) && !someWindow;
        if (last || random.nextInt(4) != 0) {
          long amount = random.nextLong(Math.min(3, longer), longer + 1);
          limits.put(window, amount);
          longer = amount;
          someWindow = true;
        }
      }
      tiers.add(new TierSpec(name, period, limits));
    }
    List<Integer> tierOf = new ArrayList<>();
    List<Integer> parentOf = new ArrayList<>();
    int depth = random.nextInt(1, 4);
    int[] level = new int[TENANTS];
    for (int t = 0; t < TENANTS; t++) {
      tierOf.add(random.nextInt(tiers.size()));
      List<Integer> candidates = new ArrayList<>();
      for (int p = 0; p < t; p++) {
        if (level[p] + 1 < depth) {
          candidates.add(p);
        }
      }
      // the first tenant is a root; the others hang below an earlier one, or (rarely) form a root of their own
      int parent = candidates.isEmpty() || random.nextInt(6) == 0 ? -1 : candidates.get(random.nextInt(candidates.size()));
      parentOf.add(parent);
      level[t] = parent < 0 ? 0 : level[parent] + 1;
    }
    Instant start = EARLIEST_START.plus(random.nextLong(0, 3 * 365), ChronoUnit.DAYS)
        .plusMillis(random.nextLong(0, 86_400_000L));
    boolean cached = random.nextBoolean();
    // the generator follows the tree so that most moves keep it at most three levels deep
    int[] parents = parentOf.stream().mapToInt(Integer::intValue).toArray();
    List<Step> steps = new ArrayList<>(length);
    for (int i = 0; i < length; i++) {
      steps.add(step(random, parents));
    }
    return new PathScenario(seed, List.copyOf(tiers), List.copyOf(tierOf), List.copyOf(parentOf), start, cached,
        steps);
  }

  private static Step step(SplittableRandom r, int[] parents) {
    int t = r.nextInt(TENANTS);
    int dice = r.nextInt(1000);
    if (dice < 170) {
      int size = r.nextInt(100);
      // odd milliseconds, so that the clock rarely lands exactly on an expiry
      Duration by = size < 55 ? Duration.ofMillis(r.nextLong(1, 30_000))
          : size < 90 ? Duration.ofMillis(r.nextLong(30_000, 150_000))
          : Duration.ofMillis(r.nextLong(10 * 60_000, 50 * 60_000));
      return new Advance(by);
    }
    if (dice < 400) {
      return new Consume(t, amount(r));
    }
    if (dice < 450) {
      return new Check(t, amount(r));
    }
    if (dice < 530) {
      return new Record(t, amount(r));
    }
    if (dice < 640) {
      Duration ttl = Duration.ofMillis(r.nextLong(20_000, 40 * 60_000));
      return new Reserve(t, amount(r), ttl);
    }
    if (dice < 720) {
      return new Commit(r.nextInt(8), r.nextLong(1, 8));
    }
    if (dice < 760) {
      return new Release(r.nextInt(8));
    }
    if (dice < 830) {
      return move(r, parents, t);
    }
    if (dice < 860) {
      return new Grant(t, r.nextLong(1, 20), Duration.ofMillis(r.nextLong(60_000, 3 * 3_600_000)));
    }
    if (dice < 875) {
      return new OneTimeCredit(t, r.nextLong(5, 50));
    }
    if (dice < 900) {
      return new OverrideLimit(t, r.nextLong(5, 80));
    }
    if (dice < 920) {
      return new Bypass(t, Duration.ofMillis(r.nextLong(30_000, 20 * 60_000)));
    }
    return r.nextBoolean() ? new Usage(t) : new UsagePath(t);
  }

  private static long amount(SplittableRandom r) {
    return r.nextInt(10) == 0 ? r.nextLong(6, 20) : r.nextLong(1, 6);
  }

  /** A move keeping the tree at most three levels deep, a move to no parent, or (rarely) one that closes a cycle. */
  private static Step move(SplittableRandom r, int[] parents, int t) {
    int dice = r.nextInt(10);
    if (dice == 0) {
      parents[t] = -1;
      return new Move(t, -1);
    }
    List<Integer> fitting = new ArrayList<>();
    List<Integer> cycles = new ArrayList<>();
    for (int p = 0; p < TENANTS; p++) {
      if (p == t || pathOf(parents, p).contains(t)) {
        cycles.add(p);
      } else if (pathOf(parents, p).size() + height(parents, t) <= 3) {
        fitting.add(p);
      }
    }
    if (dice == 1 || fitting.isEmpty()) {
      // refused: nothing changes
      return new Move(t, cycles.get(r.nextInt(cycles.size())));
    }
    int p = fitting.get(r.nextInt(fitting.size()));
    parents[t] = p;
    return new Move(t, p);
  }

  /** @return the tenant first, then its ancestors */
  static List<Integer> pathOf(int[] parents, int t) {
    List<Integer> path = new ArrayList<>();
    for (int at = t; at >= 0 && !path.contains(at); at = parents[at]) {
      path.add(at);
    }
    return path;
  }

  /** @return how many levels the subtree of {@code t} has, {@code t} included */
  static int height(int[] parents, int t) {
    int most = 1;
    for (int c = 0; c < parents.length; c++) {
      if (parents[c] == t) {
        most = Math.max(most, 1 + height(parents, c));
      }
    }
    return most;
  }
}

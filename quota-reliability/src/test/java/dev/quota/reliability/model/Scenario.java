package dev.quota.reliability.model;

import dev.quota.Meter;
import dev.quota.PlanFallback;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.period.PeriodPolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A random sequence, made from a seed: the catalogue, the starting instant, whether the PostgreSQL store caches,
 * and the steps. The same seed always makes the same scenario.
 *
 * @param seed the seed
 * @param catalogue the tiers and meters both sides use
 * @param start where the shared clock starts
 * @param cached whether the PostgreSQL store runs with its cache (else strict)
 * @param steps the operations
 */
record Scenario(long seed, TierCatalogue catalogue, Instant start, boolean cached, List<Step> steps) {
  static final Meter TOKENS = Meter.AI_TOKENS;
  /** A second meter with short fixed periods, so that roll-overs happen often. */
  static final Meter CALLS = Meter.of("ai-calls");
  static final List<Meter> METERS = List.of(TOKENS, CALLS);
  private static final String[] TIERS = {"free", "pro", "enterprise"};
  private static final Instant EARLIEST_START = Instant.parse("2026-01-01T00:00:00Z");

  /** @return the same scenario with other steps, for shrinking */
  Scenario withSteps(List<Step> other) {
    return new Scenario(seed, catalogue, start, cached, List.copyOf(other));
  }

  /**
   * Makes the scenario of a seed.
   *
   * @param seed the seed
   * @param length how many steps
   * @return the scenario
   */
  static Scenario of(long seed, int length) {
    SplittableRandom random = new SplittableRandom(seed);
    TierCatalogue.Builder catalogue = TierCatalogue.builder()
        .meter(TOKENS, PeriodPolicy.calendarMonth())
        .meter(CALLS, PeriodPolicy.fixed(Duration.ofHours(6)))
        .tier(Tier.FREE, Map.of(TOKENS, 1_000L, CALLS, 20L))
        .tier(Tier.PRO, Map.of(TOKENS, 5_000L, CALLS, 100L))
        .tier(Tier.ENTERPRISE, Map.of(TOKENS, TierCatalogue.UNLIMITED, CALLS, 1_000L))
        .defaultTier(Tier.FREE)
        .whenNoPlan(random.nextBoolean() ? PlanFallback.USE_DEFAULT_TIER : PlanFallback.REJECT);
    Instant start = EARLIEST_START.plus(random.nextLong(0, 4 * 365), ChronoUnit.DAYS)
        .plusMillis(random.nextLong(0, 86_400_000L));
    boolean cached = random.nextInt(4) != 0;
    List<Step> steps = new ArrayList<>(length);
    for (int i = 0; i < length; i++) {
      steps.add(step(random));
    }
    // Drawn after the steps, so that a seed's steps stay what they were before rollovers. In two scenarios of three
    // tiers roll allowance over: calls every six hours (the advances cross many of their periods), tokens monthly.
    if (random.nextInt(3) != 0) {
      catalogue.rollover(Tier.FREE, CALLS, random.nextInt(1, 101)).rollover(Tier.PRO, CALLS, random.nextInt(1, 101))
          .rollover(Tier.PRO, TOKENS, random.nextInt(1, 101));
    }
    return new Scenario(seed, catalogue.build(), start, cached, steps);
  }

  private static Step step(SplittableRandom r) {
    int t = r.nextInt(2);
    int m = r.nextInt(2);
    int dice = r.nextInt(1000);
    if (dice < 140) {
      int size = r.nextInt(100);
      Duration by = size < 60 ? Duration.ofMillis(r.nextLong(1, 600_000))
          : size < 85 ? Duration.ofMinutes(r.nextLong(60, 3 * 24 * 60))
          : Duration.ofHours(r.nextLong(10 * 24, 35 * 24));
      return new Step.Advance(by);
    }
    if (dice < 290) {
      return new Step.Consume(t, m, amount(r, m), key(r));
    }
    if (dice < 390) {
      String key = key(r);
      long amount = r.nextBoolean() ? amountOfKey(key, m) : amount(r, m);
      return new Step.Record(t, m, amount, key, r.nextInt(10) == 0 ? Map.of("model", "planner-v2") : Map.of());
    }
    if (dice < 420) {
      List<Step.Consume> events = new ArrayList<>();
      for (int i = r.nextInt(1, 4); i > 0; i--) {
        int em = r.nextInt(2);
        String key = key(r);
        events.add(new Step.Consume(r.nextInt(2), em, r.nextBoolean() ? amountOfKey(key, em) : amount(r, em), key));
      }
      return new Step.RecordAll(events);
    }
    if (dice < 520) {
      Duration ttl = r.nextInt(20) == 0 ? Duration.ofMinutes(r.nextLong(61, 120))
          : Duration.ofSeconds(r.nextLong(1, 3_600));
      return new Step.Reserve(t, m, amount(r, m), ttl);
    }
    if (dice < 590) {
      return new Step.Commit(r.nextInt(8), r.nextInt(20) == 0, amount(r, m), key(r));
    }
    if (dice < 630) {
      return new Step.Release(r.nextInt(8));
    }
    if (dice < 670) {
      return new Step.Check(t, m, amount(r, m));
    }
    if (dice < 700) {
      return new Step.CanProceed(t);
    }
    if (dice < 740) {
      return new Step.Usage(t, m);
    }
    if (dice < 770) {
      return new Step.Reset(t, r.nextBoolean() ? -1 : m, r.nextInt(20) == 0);
    }
    if (dice < 795) {
      int days = r.nextInt(100);
      Duration expiresIn = days == 0 ? Duration.ofMinutes(-r.nextLong(0, 60)) : Duration.ofHours(r.nextLong(1, days * 24L + 1));
      return new Step.GrantCredit(t, m, r.nextInt(30) == 0 ? -r.nextLong(0, 3) : amount(r, m), expiresIn,
          r.nextInt(20) == 0);
    }
    if (dice < 810) {
      // amounts around the limits, so that usage goes beyond the allowance and draws; now and then invalid
      long amount = r.nextInt(30) == 0 ? -r.nextLong(0, 3) : m == 0 ? r.nextLong(1, 3_000) : r.nextLong(1, 60);
      Duration startsIn = r.nextInt(5) == 0 ? Duration.ofHours(r.nextLong(1, 48)) : Duration.ZERO;
      Duration validFor = r.nextInt(4) == 0 ? Duration.ofMinutes(r.nextLong(1, 600))
          : Duration.ofDays(r.nextLong(1, 90));
      return new Step.GrantOneTimeCredit(t, m, amount, startsIn, validFor, r.nextInt(20) == 0);
    }
    if (dice < 820) {
      return new Step.OverrideTier(t, tier(r), Duration.ofMinutes(r.nextLong(1, 20 * 24 * 60)));
    }
    if (dice < 830) {
      long limit = r.nextInt(20) == 0 ? -1 : m == 0 ? r.nextLong(0, 3_000) : r.nextLong(0, 60);
      return new Step.OverrideLimit(t, m, limit,
          r.nextBoolean() ? null : Duration.ofMinutes(r.nextLong(1, 20 * 24 * 60)));
    }
    if (dice < 845) {
      return new Step.BypassTenant(t, Duration.ofMinutes(r.nextLong(1, 3 * 24 * 60)));
    }
    if (dice < 865) {
      return new Step.Revoke(r.nextInt(8), r.nextInt(20) == 0);
    }
    if (dice < 905) {
      return new Step.SetPlan(t, tier(r), r.nextBoolean() ? 0 : r.nextInt(1, 32));
    }
    if (dice < 915) {
      return new Step.PreviewPurge(t, Duration.ofHours(r.nextLong(0, 40 * 24)));
    }
    if (dice < 930) {
      return new Step.Purge(t, Duration.ofHours(r.nextLong(0, 40 * 24)), r.nextInt(8) != 0);
    }
    if (dice < 950) {
      return new Step.Audit(t, r.nextInt(3), r.nextInt(1, 6));
    }
    if (dice < 960) {
      return new Step.Entitlements(t);
    }
    if (dice < 985) {
      return new Step.Verify(t);
    }
    if (dice < 995) {
      return new Step.ListUsage(m);
    }
    return new Step.RolledOver(t, m);
  }

  private static String tier(SplittableRandom r) {
    return r.nextInt(20) == 0 ? "platinum" : TIERS[r.nextInt(TIERS.length)];
  }

  /** A small key space, so that keys repeat: as duplicates (same amount) or conflicts (another amount). */
  private static String key(SplittableRandom r) {
    return "k" + r.nextInt(12);
  }

  private static long amountOfKey(String key, int m) {
    long base = Math.floorMod(key.hashCode() * 7919L, 997L);
    return m == 0 ? 1 + base % 400 : 1 + base % 8;
  }

  private static long amount(SplittableRandom r, int m) {
    int dice = r.nextInt(100);
    if (dice == 0) {
      return -r.nextLong(0, 5);
    }
    if (dice == 1) {
      return Long.MAX_VALUE / 3;
    }
    return m == 0 ? r.nextLong(1, 600) : r.nextLong(1, 12);
  }
}

package dev.quota.cli;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * The script of {@code quota simulate}: tenants on the catalogue's tiers (most on the cheapest), each with an
 * appetite for its period's allowance, spent in AI calls spread over the run. Most tenants use a modest share; some
 * come close to their limit; a few want more than it allows and end up blocked, retrying. Calls take the three
 * paths services use: two in five check {@code canProceed} and record what the model used once it answers (the
 * seed's pattern, which lets the last call before the limit go over it), two in five reserve an estimate and commit
 * what was used, one in five checks and records at once ({@code tryConsume}).
 *
 * <p>Made from a seed, so a run can be repeated; the amounts follow each tenant's limit, so the picture is the same
 * whatever the catalogue. A tenant of an earlier run keeps its tier, and what it used already counts towards its
 * appetite.
 *
 * @param tenants the simulated tenants, in the order of their ids
 * @param calls every call, in the order of its start
 */
record Simulation(List<SimulatedTenant> tenants, List<Call> calls) {
  /** The longest a model call takes between reserve and commit. */
  static final Duration LONGEST_CALL = Duration.ofSeconds(5);
  /** The allowance of an unlimited tier, to size its tenants' calls. */
  static final long UNLIMITED_APPETITE_BASE = 10_000_000;

  /**
   * A simulated tenant.
   *
   * @param id its id
   * @param tier its plan's tier
   * @param appetite the share of its limit it wants this period: below 1 fits, above 1 gets it blocked
   */
  record SimulatedTenant(TenantId id, Tier tier, double appetite) {}

  /**
   * What a tenant had before the run, from an earlier one.
   *
   * @param tier its plan's tier, if it has a plan of the catalogue: kept
   * @param used its usage in the current period: its appetite counts it
   */
  record Before(Optional<Tier> tier, long used) {
    /** A tenant new to the simulation. */
    static final Before NOTHING = new Before(Optional.empty(), 0);
  }

  /** How a call is checked and recorded. */
  enum Kind {
    /** Checked and recorded in one step. */
    CONSUME,
    /** An estimate reserved, the amount used committed at {@link Call#commitAt()}. */
    RESERVE_AND_COMMIT,
    /** Checked with {@code canProceed}, the amount used recorded at {@link Call#commitAt()}. */
    CHECK_THEN_RECORD
  }

  /**
   * One AI call of a tenant.
   *
   * @param tenant the tenant
   * @param kind how it is checked and recorded
   * @param startsAt when it starts, from the start of the run
   * @param commitAt when the model answered: its reservation is committed or its usage recorded (equal to
   *     {@code startsAt} for a consume)
   * @param amount the units it uses
   * @param estimate the units reserved for it (equal to {@code amount} for a consume)
   */
  record Call(SimulatedTenant tenant, Kind kind, Duration startsAt, Duration commitAt, long amount, long estimate) {}

  /**
   * The ids of a run's tenants: the prefix and a number, zero-padded to the same width.
   *
   * @param prefix what they start with
   * @param count how many
   * @return the ids, in order
   */
  static List<TenantId> tenantIds(String prefix, int count) {
    int width = Math.max(2, Integer.toString(count).length());
    List<TenantId> ids = new ArrayList<>(count);
    for (int i = 1; i <= count; i++) {
      ids.add(TenantId.of(prefix + String.format(Locale.ROOT, "%0" + width + "d", i)));
    }
    return ids;
  }

  /**
   * Writes the script of a run.
   *
   * @param catalogue the tiers and their limits
   * @param meter the meter the calls use
   * @param ids the tenants, from {@link #tenantIds}
   * @param before what each had before the run (in the order of the ids)
   * @param duration how long the run lasts
   * @param seed the seed of every random choice
   * @return the script
   */
  static Simulation plan(TierCatalogue catalogue, Meter meter, List<TenantId> ids, List<Before> before,
      Duration duration, long seed) {
    Random random = new Random(seed);
    List<Tier> tiers = new ArrayList<>(catalogue.tiers());
    tiers.sort(Comparator.comparingLong(t -> catalogue.limit(t, meter)));
    List<SimulatedTenant> tenants = new ArrayList<>(ids.size());
    List<Call> calls = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      Tier drawn = tier(tiers, random); // drawn even when kept, so that the rest of the script stays the seed's
      Tier tier = before.get(i).tier().filter(catalogue::contains).orElse(drawn);
      SimulatedTenant tenant = new SimulatedTenant(ids.get(i), tier, appetite(random));
      tenants.add(tenant);
      long limit = catalogue.limit(tenant.tier(), meter);
      long allowance = limit == TierCatalogue.UNLIMITED ? UNLIMITED_APPETITE_BASE : limit;
      long wanted = Math.max(0, Math.round(allowance * tenant.appetite()) - before.get(i).used());
      int callCount = 5 + random.nextInt(36);
      long perCall = Math.max(1, wanted / callCount);
      for (int c = 0; c < callCount; c++) {
        long amount = Math.max(1, Math.round(perCall * (0.5 + random.nextDouble())));
        Duration startsAt = Duration.ofNanos((long) (random.nextDouble() * duration.toNanos()));
        int path = random.nextInt(5);
        if (path == 0) {
          calls.add(new Call(tenant, Kind.CONSUME, startsAt, startsAt, amount, amount));
        } else {
          Duration took = Duration.ofMillis(500 + random.nextInt((int) LONGEST_CALL.toMillis() - 499));
          Duration endsAt = startsAt.plus(took).compareTo(duration) < 0 ? startsAt.plus(took) : duration;
          long estimate = Math.max(amount, Math.round(amount * 1.25));
          calls.add(path <= 2 ? new Call(tenant, Kind.RESERVE_AND_COMMIT, startsAt, endsAt, amount, estimate)
              : new Call(tenant, Kind.CHECK_THEN_RECORD, startsAt, endsAt, amount, amount));
        }
      }
    }
    calls.sort(Comparator.comparing(Call::startsAt));
    return new Simulation(List.copyOf(tenants), List.copyOf(calls));
  }

  /** Most tenants on the cheapest tier, fewer on each dearer one: 60 %, 30 %, and the rest shared by the others. */
  private static Tier tier(List<Tier> byLimit, Random random) {
    if (byLimit.size() == 1) {
      return byLimit.get(0);
    }
    double draw = random.nextDouble();
    if (draw < 0.6) {
      return byLimit.get(0);
    }
    if (draw < 0.9 || byLimit.size() == 2) {
      return byLimit.get(1);
    }
    return byLimit.get(2 + random.nextInt(byLimit.size() - 2));
  }

  /** 15 % of tenants want 105 to 130 % of their limit, 20 % want 80 to 99 %, the rest 5 to 70 %. */
  private static double appetite(Random random) {
    double draw = random.nextDouble();
    if (draw < 0.15) {
      return 1.05 + random.nextDouble() * 0.25;
    }
    if (draw < 0.35) {
      return 0.80 + random.nextDouble() * 0.19;
    }
    return 0.05 + random.nextDouble() * 0.65;
  }
}

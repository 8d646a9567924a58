package dev.quota.reliability.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.reliability.Jdbc;
import dev.quota.reliability.ReliabilityTally;
import dev.quota.spi.QuotaStore;
import dev.quota.testkit.InMemoryQuotaStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Function;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Limits at every level and in every window, tested against a model: random trees of up to three levels (with moves
 * mid-sequence and refused moves that would close a cycle) and random window sets (a period limit and per-minute
 * and/or per-hour limits, small enough to deny often), with consumes, checks, reserves, commits, releases and records
 * on leaves and inner nodes while the clock crosses minute, hour and period boundaries. {@link PathModel} predicts
 * every decision (and for a denial its level, how far up, and its window), every report, and at the end every
 * counter of every level and window, which must also equal the ledger ({@code verify}). It runs against the in-memory
 * store and the PostgreSQL store.
 *
 * <p>Seeded like {@link ReferenceModelTest}: scenario {@code i} comes from seed {@code base + i}; the base is random
 * unless {@code -Dquota.reliability.seed} fixes it. A divergence is shrunk and printed with its seed.
 */
class PathModelTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  /** Sequences against the in-memory store, which runs one in a few milliseconds. */
  private static final int SEQUENCES = Integer.getInteger("quota.reliability.pathSequences", 150);
  /** Sequences against PostgreSQL, where each step is a round trip or more. */
  private static final int POSTGRES_SEQUENCES = Integer.getInteger("quota.reliability.pathSequencesPostgres", 25);
  private static final int STEPS = Integer.getInteger("quota.reliability.pathSteps", 40);
  /** Longer than any scenario's span of time, so that neither store forgets an ended hold within one. */
  private static final Duration RETENTION = Duration.ofDays(30);

  private static HikariDataSource pool;

  @BeforeAll
  static void openPool() {
    // lazily durable commits: the comparison is about results, not durability
    pool = DB.newPool(Jdbc.withParameter("options=-c%20synchronous_commit%3Doff"), "path-model", 4);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  /** Where an implementation first disagreed with the model. */
  record Divergence(String side, int step, String what, String predicted, String actual) {
    @Override
    public String toString() {
      return "on " + side + " at step " + step + " " + what + "\n    model:  " + predicted + "\n    actual: " + actual;
    }
  }

  @Test
  void theInMemoryStoreFollowsTheModelOnRandomTreesAndWindows() {
    runAll("in-memory", SEQUENCES, scenario -> new InMemoryQuotaStore(RETENTION));
  }

  @Test
  void thePostgresStoreFollowsTheModelOnRandomTreesAndWindows() {
    runAll("postgres", POSTGRES_SEQUENCES, scenario -> {
      PostgresQuotaStore.Builder builder = PostgresQuotaStore.builder().dataSource(pool).schema(DB.schema())
          .listenForChanges(false).reservationRetention(RETENTION);
      return (scenario.cached() ? builder : builder.strict()).build();
    });
  }

  private void runAll(String side, int sequences, Function<PathScenario, QuotaStore> stores) {
    long base = Long.getLong(ReferenceModelTest.SEED_PROPERTY, new SplittableRandom().nextLong());
    List<String> failures = new ArrayList<>();
    long started = System.nanoTime();
    for (int i = 0; i < sequences && failures.isEmpty(); i++) {
      PathScenario scenario = PathScenario.of(base + i, STEPS);
      Optional<Divergence> divergence = run(side, scenario, stores);
      ReliabilityTally.sequence();
      if (divergence.isPresent()) {
        String shrunk = shrink(side, scenario, divergence.get(), stores);
        failures.add(shrunk);
        ReliabilityTally.violation("path model divergence, " + shrunk.lines().findFirst().orElse(""));
        System.out.println("PATH MODEL divergence, " + shrunk);
      }
    }
    System.out.printf("PATH MODEL %s sequences=%d of %d steps from base seed %d in %d ms, divergences=%d%n", side,
        sequences, STEPS, base, Comparison.elapsedSince(started).toMillis(), failures.size());
    assertThat(failures).as("divergences from the path model").isEmpty();
  }

  /**
   * Runs a scenario on the model and on one store, comparing every result, then every tenant's report and every
   * counter.
   */
  static Optional<Divergence> run(String name, PathScenario scenario, Function<PathScenario, QuotaStore> stores) {
    QuotaStore store = stores.apply(scenario);
    try {
      // tenants of their own: the database keeps every earlier run's rows
      PathSide side = new PathSide(name, scenario, store, UUID.randomUUID().toString().substring(0, 8));
      PathModel model = new PathModel(scenario);
      String predictedSetUp = model.setUp().toString();
      String actualSetUp = side.setUp().toString();
      if (!predictedSetUp.equals(actualSetUp)) {
        return Optional.of(new Divergence(name, -1, "setting the first parents", predictedSetUp, actualSetUp));
      }
      List<PathScenario.Step> steps = scenario.steps();
      for (int i = 0; i < steps.size(); i++) {
        PathScenario.Step step = steps.get(i);
        if (step instanceof PathScenario.OverrideLimit) {
          // two overrides at one instant are ordered by their ids: keep them apart so that the newest is well defined
          PathScenario.Advance apart = new PathScenario.Advance(Duration.ofMillis(1));
          model.apply(apart);
          side.run(apart);
        }
        String predicted = model.apply(step);
        String actual = side.run(step);
        if (!predicted.equals(actual)) {
          return Optional.of(new Divergence(name, i, step.toString(), predicted, actual));
        }
      }
      for (int t = 0; t < PathScenario.TENANTS; t++) {
        for (PathScenario.Step probe : List.of(new PathScenario.Usage(t), new PathScenario.ParentOf(t))) {
          String predicted = model.apply(probe);
          String actual = side.run(probe);
          if (!predicted.equals(actual)) {
            return Optional.of(new Divergence(name, steps.size(), "(at the end) " + probe, predicted, actual));
          }
        }
      }
      String predicted = model.counters().toString();
      String actual = side.verify();
      if (!predicted.equals(actual)) {
        return Optional.of(new Divergence(name, steps.size(), "(at the end) every counter, verified", predicted,
            actual));
      }
      return Optional.empty();
    } finally {
      if (store instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  /**
   * Shrinks a diverging scenario: cut everything after the divergence, then leave out ever smaller chunks of steps
   * as long as it still diverges.
   *
   * @return the shortest diverging scenario found, described
   */
  static String shrink(String name, PathScenario scenario, Divergence divergence,
      Function<PathScenario, QuotaStore> stores) {
    PathScenario best = scenario.withSteps(scenario.steps().subList(0,
        Math.min(scenario.steps().size(), Math.max(0, divergence.step()) + 1)));
    Divergence bestDivergence = run(name, best, stores).orElse(divergence);
    int runs = 1;
    int budget = 150;
    for (int chunk = Math.max(1, best.steps().size() / 2); chunk >= 1 && runs < budget; chunk /= 2) {
      boolean removed = true;
      while (removed && runs < budget) {
        removed = false;
        for (int from = 0; from < best.steps().size() && runs < budget; from += chunk) {
          List<PathScenario.Step> fewer = new ArrayList<>(best.steps());
          fewer.subList(from, Math.min(from + chunk, fewer.size())).clear();
          PathScenario candidate = best.withSteps(fewer);
          runs++;
          Optional<Divergence> still = run(name, candidate, stores);
          if (still.isPresent()) {
            best = candidate.withSteps(fewer.subList(0, Math.min(fewer.size(), Math.max(0, still.get().step()) + 1)));
            bestDivergence = still.get();
            removed = true;
            break;
          }
        }
      }
    }
    StringBuilder text = new StringBuilder("seed " + scenario.seed() + " (cache " + (scenario.cached() ? "on" : "off")
        + ", start " + scenario.start() + ", tiers " + scenario.tiers() + ", tier of each tenant "
        + scenario.tierOf() + ", first parents " + scenario.parentOf() + "), shrunk to " + best.steps().size()
        + " steps in " + runs + " runs:\n");
    for (int i = 0; i < best.steps().size(); i++) {
      text.append("  ").append(i).append(": ").append(best.steps().get(i)).append('\n');
    }
    return text.append("  diverged ").append(bestDivergence).toString();
  }
}

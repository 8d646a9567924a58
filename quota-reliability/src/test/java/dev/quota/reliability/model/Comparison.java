package dev.quota.reliability.model;

import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Runs a scenario on the reference model and on PostgreSQL side by side, on one clock, and compares every
 * result; every few steps and at the end it also compares each tenant's full standing (usage per meter, audit
 * log, entitlements, verification).
 */
final class Comparison {
  /** How many steps run between two full comparisons of the tenants' standing. */
  private static final int PROBE_EVERY = 15;
  /** Longer than any scenario's span of time. */
  private static final Duration RETENTION = Duration.ofDays(366);

  /**
   * Where the two sides first disagreed.
   *
   * @param step the position of the step, or the number of steps for the final comparison
   * @param what the step, or the probe
   * @param reference what the in-memory reference model did
   * @param postgres what the PostgreSQL store did
   */
  record Divergence(int step, String what, String reference, String postgres) {
    @Override
    public String toString() {
      return "at step " + step + " " + what + "\n    reference: " + reference + "\n    postgres:  " + postgres;
    }
  }

  private final DataSource dataSource;
  private final String schema;

  Comparison(DataSource dataSource, String schema) {
    this.dataSource = dataSource;
    this.schema = schema;
  }

  /**
   * Runs the scenario on fresh tenants.
   *
   * @param scenario the scenario
   * @return the first disagreement, if any
   */
  Optional<Divergence> run(Scenario scenario) {
    TestClock clock = TestClock.at(scenario.start());
    // tenants of their own: the database keeps every earlier run's rows
    String run = UUID.randomUUID().toString().substring(0, 8);
    List<TenantId> tenants = List.of(TenantId.of("m" + run + "-t0"), TenantId.of("m" + run + "-t1"));
    // When an ended hold is forgotten (swept after the retention) is each store's own business; within a scenario
    // neither forgets, so that a late commit or release is decided the same way on both sides.
    PostgresQuotaStore.Builder builder = PostgresQuotaStore.builder().dataSource(dataSource).schema(schema)
        .listenForChanges(false).reservationRetention(RETENTION);
    try (PostgresQuotaStore postgres = (scenario.cached() ? builder : builder.strict()).build()) {
      java.util.function.Function<dev.quota.spi.QuotaStore, Quota.Builder> quota = store -> Quota.builder()
          .store(store)
          .catalogue(scenario.catalogue())
          .clock(clock)
          .authorizer((actor, operation, tenant) -> !actor.equals(Step.INTRUDER));
      World reference = new World("reference", new InMemoryQuotaStore(RETENTION), quota, tenants, Scenario.METERS);
      World database = new World("postgres", postgres, quota, tenants, Scenario.METERS);
      List<Step> steps = scenario.steps();
      for (int i = 0; i < steps.size(); i++) {
        Step step = steps.get(i);
        if (step instanceof Step.Advance advance) {
          clock.advance(advance.by());
        } else {
          if (step instanceof Step.OverrideLimit) {
            // two overrides made at one instant are ordered by their ids, which differ between the two stores: keep
            // their instants apart so that "the newest applies" names the same override on both sides
            clock.advance(Duration.ofMillis(1));
          }
          String expected = step.run(reference) + reference.takeAlerts();
          String actual = step.run(database) + database.takeAlerts();
          if (!expected.equals(actual)) {
            return Optional.of(new Divergence(i, step.toString(), expected, actual));
          }
        }
        if ((i + 1) % PROBE_EVERY == 0 || i == steps.size() - 1) {
          Optional<Divergence> standing = compareStanding(i, reference, database);
          if (standing.isPresent()) {
            return standing;
          }
        }
      }
      return Optional.empty();
    }
  }

  private static Optional<Divergence> compareStanding(int after, World reference, World database) {
    List<Step> probes = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      for (int m = 0; m < Scenario.METERS.size(); m++) {
        probes.add(new Step.Usage(t, m));
      }
      probes.add(new Step.Audit(t, 0, 1000));
      probes.add(new Step.Entitlements(t));
      probes.add(new Step.Verify(t));
    }
    for (Step probe : probes) {
      String expected = probe.run(reference) + reference.takeAlerts();
      String actual = probe.run(database) + database.takeAlerts();
      if (!expected.equals(actual)) {
        return Optional.of(new Divergence(after, "(standing after it) " + probe, expected, actual));
      }
    }
    return Optional.empty();
  }

  /**
   * Shrinks a scenario that diverges to a shorter one that still diverges: first cut everything after the
   * divergence, then leave out ever smaller chunks of steps as long as the divergence remains.
   *
   * @param scenario the diverging scenario
   * @param divergence its divergence
   * @param budget the most scenarios run while shrinking
   * @return the smallest diverging scenario found and its divergence
   */
  Shrunk shrink(Scenario scenario, Divergence divergence, int budget) {
    Scenario best = scenario.withSteps(scenario.steps().subList(0, Math.min(scenario.steps().size(),
        divergence.step() + 1)));
    Divergence bestDivergence = run(best).orElse(divergence);
    int runs = 1;
    for (int chunk = Math.max(1, best.steps().size() / 2); chunk >= 1 && runs < budget; chunk /= 2) {
      boolean removed = true;
      while (removed && runs < budget) {
        removed = false;
        for (int from = 0; from < best.steps().size() && runs < budget; from += chunk) {
          List<Step> fewer = new ArrayList<>(best.steps());
          fewer.subList(from, Math.min(from + chunk, fewer.size())).clear();
          if (fewer.isEmpty()) {
            continue;
          }
          Scenario candidate = best.withSteps(fewer);
          runs++;
          Optional<Divergence> still = run(candidate);
          if (still.isPresent()) {
            best = candidate.withSteps(fewer.subList(0, Math.min(fewer.size(), still.get().step() + 1)));
            bestDivergence = still.get();
            removed = true;
            break;
          }
        }
      }
    }
    return new Shrunk(best, bestDivergence, runs);
  }

  /**
   * A shrunk scenario.
   *
   * @param scenario the smallest diverging scenario found
   * @param divergence its divergence
   * @param runs how many scenarios shrinking ran
   */
  record Shrunk(Scenario scenario, Divergence divergence, int runs) {
    String describe() {
      StringBuilder text = new StringBuilder("seed " + scenario.seed() + " (cache " + (scenario.cached() ? "on" : "off")
          + ", start " + scenario.start() + ", " + scenario.catalogue().whenNoPlan() + " without a plan), shrunk to "
          + scenario.steps().size() + " steps in " + runs + " runs:\n");
      for (int i = 0; i < scenario.steps().size(); i++) {
        text.append("  ").append(i).append(": ").append(scenario.steps().get(i)).append('\n');
      }
      return text.append("  diverged ").append(divergence).toString();
    }
  }

  static Duration elapsedSince(long nanos) {
    return Duration.ofNanos(System.nanoTime() - nanos);
  }
}

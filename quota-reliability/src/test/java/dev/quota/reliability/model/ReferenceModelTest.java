package dev.quota.reliability.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.reliability.ReliabilityTally;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Model-based testing: random sequences of guard and admin calls, with a clock that moves across period
 * roll-overs and expiries, run on the in-memory reference model and on the PostgreSQL store side by side; every
 * result (decisions, outcomes, reports, exceptions by type and field, audit pages, entitlements, verification,
 * alerts) must be the same, ids aside.
 *
 * <p>A seeded driver: scenario {@code i} of a run comes from seed {@code base + i}; the base is random unless the
 * system property {@value #SEED_PROPERTY} fixes it. A divergence is shrunk to a short sequence, which is printed with
 * its seed; {@code -D}{@value #SEED_PROPERTY}{@code =<seed> -D}{@value #COUNT_PROPERTY}{@code =1} replays it.
 */
class ReferenceModelTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  static final String SEED_PROPERTY = "quota.reliability.seed";
  static final String COUNT_PROPERTY = "quota.reliability.sequences";
  private static final int SEQUENCES = Integer.getInteger(COUNT_PROPERTY, 240);
  private static final int STEPS = Integer.getInteger("quota.reliability.steps", 32);

  @Test
  void thePostgresStoreAgreesWithTheReferenceModelOnRandomSequences() {
    long base = Long.getLong(SEED_PROPERTY, new SplittableRandom().nextLong());
    // lazily durable commits: the comparison is about results, not durability, and each commit skips the flush
    var pool = DB.newPool(dev.quota.reliability.Jdbc.withParameter("options=-c%20synchronous_commit%3Doff"),
        "reference-model", 4);
    Comparison comparison = new Comparison(pool, DB.schema());
    List<String> failures = new ArrayList<>();
    long started = System.nanoTime();
    for (int i = 0; i < SEQUENCES && failures.size() < 3; i++) {
      Scenario scenario = Scenario.of(base + i, STEPS);
      Optional<Comparison.Divergence> divergence = comparison.run(scenario);
      ReliabilityTally.sequence();
      if (divergence.isPresent()) {
        String shrunk = comparison.shrink(scenario, divergence.get(), 200).describe();
        failures.add(shrunk);
        ReliabilityTally.violation("reference model divergence, " + shrunk.lines().findFirst().orElse(""));
        System.out.println("MODEL divergence, " + shrunk);
      }
    }
    System.out.printf("MODEL sequences=%d of %d steps from base seed %d in %d ms, divergences=%d%n", SEQUENCES,
        STEPS, base, Comparison.elapsedSince(started).toMillis(), failures.size());
    assertThat(failures).as("divergences from the reference model").isEmpty();
  }
}

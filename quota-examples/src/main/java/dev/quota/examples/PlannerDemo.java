package dev.quota.examples;

import dev.quota.spi.QuotaStore;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import java.util.List;

/**
 * Runs the AI-planner scenario and prints it: a pro tenant spends its monthly AI tokens through
 * reservations until quota blocks it, alerts fire at 80, 90 and 100 percent, an operator unblocks it with
 * an audited reset that keeps the usage history, and a temporary enterprise override expires by itself.
 *
 * <p>From the repository root, with {@code JAVA_HOME} pointing to a JDK 21 or newer:
 * <pre>{@code mvn -B -q -pl quota-examples -am -DskipTests package exec:java}</pre>
 *
 * <p>The scenario runs on quota-testkit's in-memory store, in simulated time starting at
 * 2026-11-02T09:00:00Z, and prints the same text on every run.
 */
public final class PlannerDemo {
  private PlannerDemo() {}

  /**
   * Runs the scenario on standard output.
   *
   * @param args none are accepted yet
   * @throws IllegalArgumentException if an argument is given
   */
  public static void main(String[] args) {
    StoreChoice choice = chooseStore(List.of(args));
    TestClock clock = TestClock.at(PlannerScenario.START);
    new PlannerScenario(choice.store(), choice.description(), clock, System.out).run();
  }

  /**
   * Picks the store from the command line. Only the in-memory store exists so far; options for other
   * stores go here, and the scenario runs unchanged on whichever is chosen.
   *
   * @param args the command-line arguments
   * @return the store and how to name it in the output
   * @throws IllegalArgumentException if an argument is not understood
   */
  static StoreChoice chooseStore(List<String> args) {
    if (!args.isEmpty()) {
      throw new IllegalArgumentException("unknown argument '" + args.get(0) + "'; usage: PlannerDemo (no arguments:"
          + " the scenario runs on the in-memory store)");
    }
    return new StoreChoice(new InMemoryQuotaStore(), "in-memory store");
  }

  /**
   * A store the scenario runs on.
   *
   * @param store the empty store
   * @param description how the output names it
   */
  record StoreChoice(QuotaStore store, String description) {}
}

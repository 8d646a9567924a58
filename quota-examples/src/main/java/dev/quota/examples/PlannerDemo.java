package dev.quota.examples;

import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.spi.QuotaStore;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Runs the AI-planner scenario and prints it: a pro tenant spends its monthly AI tokens through
 * reservations until quota blocks it, alerts fire at 80, 90 and 100 percent, an operator unblocks it with
 * an audited reset that keeps the usage history, and a temporary enterprise override expires by itself. Then an
 * organisation with two workspaces: one runs into its own cap while the organisation still has room, and a burst is
 * stopped by the organisation's per-minute window ({@link OrganisationScenario}).
 *
 * <p>From the repository root, with {@code JAVA_HOME} pointing to a JDK 21 or newer:
 * <pre>{@code mvn -B -q -pl quota-examples -am -DskipTests package exec:java}</pre>
 *
 * <p>Without arguments the scenario runs on quota-testkit's in-memory store. With
 * {@code --jdbc-url URL} it runs on PostgreSQL through quota-jooq, in a new schema named
 * {@code quota_demo_<UTC timestamp>} that is left in place for inspection:
 * <pre>{@code mvn -B -q -pl quota-examples -am -DskipTests package exec:java \
 *     -Dexec.args="--jdbc-url jdbc:postgresql://127.0.0.1:5432/test?user=postgres"}</pre>
 *
 * <p>Either way it runs in simulated time starting at 2026-11-02T09:00:00Z and prints the same story. Its alerts are
 * also sent as e-mail, over SMTP, to a local SMTP sink it starts in its own process on 127.0.0.1:3025 (GreenMail), and
 * the demo ends by listing what the sink received.
 */
public final class PlannerDemo {
  private static final String USAGE = "usage: PlannerDemo [--jdbc-url URL]"
      + " (without arguments the scenario runs on the in-memory store)";

  private PlannerDemo() {}

  /**
   * Runs the scenario on standard output.
   *
   * @param args nothing, or {@code --jdbc-url URL}
   * @throws IllegalArgumentException if an argument is not understood
   */
  public static void main(String[] args) {
    StoreChoice choice = chooseStore(List.of(args));
    try (LocalMailSink mailSink = LocalMailSink.start(LocalMailSink.DEFAULT_PORT)) {
      TestClock clock = TestClock.at(PlannerScenario.START);
      new PlannerScenario(choice.store(), choice.description(), clock, System.out, mailSink).run();
      new OrganisationScenario(choice.store(), choice.description(), TestClock.at(OrganisationScenario.START),
          System.out).run();
    } finally {
      choice.close();
    }
  }

  /**
   * Picks the store from the command line; the scenario runs unchanged on whichever is chosen.
   *
   * @param args the command-line arguments
   * @return the store and how to name it in the output
   * @throws IllegalArgumentException if an argument is not understood
   */
  static StoreChoice chooseStore(List<String> args) {
    if (args.isEmpty()) {
      return new StoreChoice(new InMemoryQuotaStore(), "in-memory store", () -> { });
    }
    if (args.size() == 2 && args.get(0).equals("--jdbc-url")) {
      return postgres(args.get(1), "quota_demo_"
          + LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss")));
    }
    throw new IllegalArgumentException("unknown arguments " + args + "; " + USAGE);
  }

  /**
   * A PostgreSQL store in a new schema, created from the migration scripts quota-jooq ships.
   *
   * @param jdbcUrl the database
   * @param schema a schema name that does not exist yet
   * @return the store
   */
  static StoreChoice postgres(String jdbcUrl, String schema) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(jdbcUrl);
    if (!PostgresQuotaStore.createSchema(dataSource, schema)) {
      throw new IllegalArgumentException("schema '" + schema + "' already has quota's tables; the demo needs an empty one");
    }
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(dataSource).schema(schema).build();
    return new StoreChoice(store, "PostgreSQL store, schema " + schema, store::close);
  }

  /**
   * A store the scenario runs on.
   *
   * @param store the empty store
   * @param description how the output names it
   * @param closer releases the store's resources after the run
   */
  record StoreChoice(QuotaStore store, String description, Runnable closer) {
    void close() {
      closer.run();
    }
  }
}

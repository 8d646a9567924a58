package dev.quota.cli;

import java.io.Console;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the command line takes from the world around it, so that tests can run it in-process with
 * a test clock, captured streams and another backend.
 *
 * @param variables the environment variables ({@code QUOTA_JDBC_URL}, {@code QUOTA_SCHEMA},
 *     {@code QUOTA_CATALOGUE}, {@code QUOTA_PLANS_FROM})
 * @param in where typed confirmations are read from
 * @param out where results go
 * @param err where errors, prompts and logs go
 * @param clock the source of "now"
 * @param systemZone the zone times are shown in without {@code --zone}
 * @param userName the actor without {@code --actor}: the operating system's user
 * @param interactive whether a person types at a terminal (whose echo ends the prompt's line)
 * @param backends how to reach the database
 */
record Environment(Map<String, String> variables, InputStream in, PrintStream out, PrintStream err, Clock clock,
    ZoneId systemZone, String userName, boolean interactive, Backend.Opener backends) {

  /** Freezes the variables. */
  Environment {
    variables = Map.copyOf(variables);
  }

  /** @return the process's own environment, streams, clock and zone, with the PostgreSQL backend */
  static Environment system() {
    return new Environment(System.getenv(), System.in, System.out, System.err, Clock.systemUTC(),
        ZoneId.systemDefault(), System.getProperty("user.name", ""), terminal(), PostgresBackend::open);
  }

  /** Java 22 added Console.isTerminal() and a console for redirected streams; Java 21 has a console only at one. */
  private static boolean terminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException | ClassCastException e) {
      return true;
    }
  }

  /**
   * Reads an environment variable.
   *
   * @param name the variable
   * @return its value, unless unset or blank
   */
  Optional<String> variable(String name) {
    return Optional.ofNullable(variables.get(name)).filter(v -> !v.isBlank());
  }
}

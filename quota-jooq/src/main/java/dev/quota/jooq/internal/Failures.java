package dev.quota.jooq.internal;

import dev.quota.InvalidRequestException;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.spi.StoreUnavailableException;
import java.net.SocketException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Deque;
import java.util.Set;
import org.jooq.exception.DataAccessException;
import org.jspecify.annotations.Nullable;

/**
 * Sorts database failures into the store's exceptions, so that every failure of a statement reaches the guard as
 * either bad input ({@link InvalidRequestException}) or a store failure ({@link StoreUnavailableException}), which
 * its failure policy decides and logs once per outage, and never as a raw jOOQ or JDBC exception: a connection lost,
 * and equally a table dropped at runtime, a column renamed, a privilege revoked.
 */
public final class Failures {
  private Failures() {}

  /**
   * Translates a failure of a database call, made after the call's transaction was rolled back.
   *
   * @param failure what the call threw
   * @return {@link InvalidRequestException} for a count that would overflow, {@link StoreUnavailableException} for
   *     every other failure of the database (unreachable, or unable to run the statement), else the failure itself
   *     (a failure of the store's own code, not of the database)
   */
  public static RuntimeException translate(RuntimeException failure) {
    if (failure instanceof StoreUnavailableException || failure instanceof InvalidRequestException) {
      return failure;
    }
    if (isUnavailability(failure)) {
      return new StoreUnavailableException("PostgreSQL is unavailable: " + firstMessage(failure), failure);
    }
    String state = sqlState(failure);
    if ("22003".equals(state)) {
      return new InvalidRequestException("amount", "would overflow a 64-bit count of the period");
    }
    if (state != null || failure instanceof DataAccessException) {
      return new StoreUnavailableException(cannotRun(state, failure), failure);
    }
    return failure;
  }

  /**
   * Says why the database could not run a statement it was reachable for. The callers' input never causes these:
   * it is checked before any statement runs. What is left is a database that is not what the store was built for.
   */
  private static String cannotRun(@Nullable String state, RuntimeException failure) {
    // PostgreSQL's message goes on with the statement's position on further lines
    String message = firstMessage(failure).lines().findFirst().orElse("").strip();
    String cause = message + (state == null ? "" : " (SQLState " + state + ")");
    if (state == null) {
      return "PostgreSQL failed quota's statement: " + cause;
    }
    return switch (state) {
      case "3F000", "42P01", "42703", "42883" -> "PostgreSQL cannot run quota's statement: " + cause + ". A schema, "
          + "table, column or function it uses is missing: quota's tables were not created or were dropped (create "
          + "them with Flyway from " + PostgresQuotaStore.MIGRATION_LOCATION + ", PostgresQuotaStore.createSchema or "
          + "'quota migrate'), or the host's plan table changed";
      case "42501" -> "PostgreSQL refused quota's statement: " + cause + ". Grant the application's role the "
          + "privileges on quota's schema that README's least-privilege role lists";
      default -> "PostgreSQL failed quota's statement: " + cause;
    };
  }

  /**
   * Tells whether a transaction that failed this way may simply be run again.
   *
   * @param failure what the transaction threw
   * @return {@code true} for serialization failures and deadlocks
   */
  public static boolean isRetryable(Throwable failure) {
    String state = sqlState(failure);
    return "40001".equals(state) || "40P01".equals(state);
  }

  /**
   * Tells whether a failure means the database cannot be reached or used right now: lost or refused
   * connections (SQLState class 08), an administrator's shutdown or termination (57P01 to 57P03), a
   * statement timeout (57014), a lock wait longer than the role's {@code lock_timeout} (55P03), too many
   * connections (53300), or a pool that gave up waiting.
   *
   * @param failure the failure
   * @return whether it is an infrastructure failure
   */
  public static boolean isUnavailability(Throwable failure) {
    for (Throwable t : causes(failure)) {
      if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
          || t instanceof SocketException || t instanceof java.io.EOFException) {
        return true;
      }
      String state = t instanceof SQLException sql ? sql.getSQLState()
          : t instanceof DataAccessException dae ? dae.sqlState() : null;
      if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
          || state.equals("57P03") || state.equals("57014") || state.equals("55P03") || state.equals("53300"))) {
        return true;
      }
    }
    return false;
  }

  static @Nullable String sqlState(Throwable failure) {
    for (Throwable t : causes(failure)) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        return sql.getSQLState();
      }
    }
    return null;
  }

  private static String firstMessage(Throwable failure) {
    for (Throwable t : causes(failure)) {
      if (t instanceof SQLException && t.getMessage() != null) {
        return t.getMessage();
      }
    }
    return String.valueOf(failure.getMessage());
  }

  /** The failure, its causes and everything suppressed along the way (a failed rollback hides the cause there). */
  private static Iterable<Throwable> causes(Throwable failure) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<Throwable> todo = new ArrayDeque<>();
    todo.add(failure);
    while (!todo.isEmpty()) {
      Throwable t = todo.poll();
      if (t == null || !seen.add(t)) {
        continue;
      }
      if (t.getCause() != null) {
        todo.add(t.getCause());
      }
      Collections.addAll(todo, t.getSuppressed());
      if (t instanceof SQLException sql && sql.getNextException() != null) {
        todo.add(sql.getNextException());
      }
    }
    return seen;
  }
}

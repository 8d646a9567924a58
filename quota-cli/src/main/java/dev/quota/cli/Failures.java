package dev.quota.cli;

import dev.quota.InvalidRequestException;
import dev.quota.admin.AccessDeniedException;
import dev.quota.admin.EntitlementStateException;
import dev.quota.jooq.QuotaSchemaException;
import dev.quota.spi.StoreUnavailableException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/** Turns whatever a command threw into the one line and the exit code the operator sees. */
final class Failures {
  /** The most characters of an unexpected failure's text shown without --verbose. */
  static final int MAX_UNEXPECTED_LENGTH = 300;

  private Failures() {}

  /**
   * A failure as reported.
   *
   * @param exitCode one of {@link ExitCode}
   * @param message one line, without the command's name
   */
  record Report(int exitCode, String message) {
    /** Keeps the message on one line. */
    Report {
      message = message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").strip();
    }
  }

  /**
   * Classifies a failure.
   *
   * @param failure what the command threw
   * @param schema the schema the command worked on, for the hint when it has no tables
   * @return the exit code and line
   */
  static Report classify(Throwable failure, String schema) {
    return switch (failure) {
      case CliException e -> new Report(e.exitCode(), e.getMessage());
      case InvalidRequestException e -> new Report(ExitCode.USAGE, e.getMessage());
      case AccessDeniedException e -> new Report(ExitCode.REFUSED, "refused: " + e.getMessage());
      case EntitlementStateException e -> new Report(ExitCode.REFUSED, e.getMessage());
      case StoreUnavailableException e -> new Report(ExitCode.UNAVAILABLE, "database unavailable: " + e.getMessage());
      default -> classifyByCause(failure, schema);
    };
  }

  private static Report classifyByCause(Throwable failure, String schema) {
    for (Throwable t : causes(failure)) {
      String state = t instanceof SQLException sql ? sql.getSQLState() : null;
      boolean missingRelation = "42P01".equals(state) && String.valueOf(t.getMessage()).contains("does not exist");
      if ("3F000".equals(state) || missingRelation) {
        // undefined schema or relation (not any 42P01, which also covers a query's own bad reference): the
        // database is there, quota's tables are not
        return new Report(ExitCode.UNAVAILABLE, noTables(schema) + " (" + t.getMessage() + ")");
      }
      if ((state != null && state.startsWith("08")) || t instanceof ConnectException
          || t instanceof UnknownHostException || t instanceof SocketException) {
        return new Report(ExitCode.UNAVAILABLE, "database unavailable: " + t.getMessage());
      }
    }
    return new Report(ExitCode.FAILURE, "unexpected failure: " + shortened(failure.toString())
        + " (run with --verbose for the stack trace)");
  }

  /** A failure's text cut to a readable length: a database error may quote a whole statement. */
  private static String shortened(String text) {
    String line = text.replaceAll("\\s*\\R\\s*", " ");
    return line.length() <= MAX_UNEXPECTED_LENGTH ? line : line.substring(0, MAX_UNEXPECTED_LENGTH) + "...";
  }

  /**
   * The line for a schema without quota's tables.
   *
   * @param schema the schema
   * @return what to do about it
   */
  static String noTables(String schema) {
    return QuotaSchemaException.withoutTables(schema).getMessage(); // the words the library fails with at start-up
  }

  /** The failure and its causes, each once. */
  static List<Throwable> causes(Throwable failure) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
      chain.add(t);
      if (t instanceof SQLException sql && sql.getNextException() != null && seen.add(sql.getNextException())) {
        chain.add(sql.getNextException());
      }
    }
    return chain;
  }
}

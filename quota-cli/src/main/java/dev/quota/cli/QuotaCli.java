package dev.quota.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The {@code quota} command line: {@code java -jar quota-cli.jar [OPTIONS] COMMAND ...}. See
 * {@code quota --help} for the commands and options, and the README for the operator's runbook.
 *
 * <p>Exit codes: 0 done, 1 refused or blocked, 2 bad usage, 3 database unavailable, 4 unexpected failure.
 * Failures are reported as one line on standard error; {@code --verbose} adds the stack trace and the
 * library's log lines.
 */
public final class QuotaCli {
  private QuotaCli() {}

  /**
   * Runs one command and exits with its exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    if (Arrays.asList(args).contains("--verbose")) {
      // before any logger exists; simplelogger.properties keeps the library silent otherwise
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
    }
    System.setProperty("org.jooq.no-logo", "true");
    System.setProperty("org.jooq.no-tips", "true");
    System.exit(run(args, Environment.system()));
  }

  /**
   * Runs one command.
   *
   * @param args the command line
   * @param env the streams, clock, environment variables and backend to use
   * @return the exit code, one of {@link ExitCode}
   */
  static int run(String[] args, Environment env) {
    Root root = new Root(env);
    CommandLine line = new CommandLine(root);
    line.setOut(new PrintWriter(env.out(), true));
    line.setErr(new PrintWriter(env.err(), true));
    line.setParameterExceptionHandler(QuotaCli::badUsage);
    line.setExecutionExceptionHandler((failure, commandLine, parseResult) -> {
      Failures.Report report = Failures.classify(failure, root.schemaName());
      env.err().println(commandLine.getCommandSpec().qualifiedName() + ": " + report.message());
      if (root.verbose()) {
        failure.printStackTrace(env.err());
      }
      env.err().flush();
      return report.exitCode();
    });
    try {
      return line.execute(args);
    } finally {
      try {
        root.close();
      } catch (RuntimeException e) {
        // the command's outcome stands; a failing close is worth a line, not a different exit code
        env.err().println("quota: closing the database connection failed: " + e.getMessage());
      }
    }
  }

  private static int badUsage(ParameterException e, String[] args) {
    CommandLine commandLine = e.getCommandLine();
    String name = commandLine.getCommandSpec().qualifiedName();
    PrintWriter err = commandLine.getErr();
    err.println(name + ": " + new Failures.Report(ExitCode.USAGE, e.getMessage()).message() + " (see '" + name
        + " --help')");
    err.flush();
    return ExitCode.USAGE;
  }
}

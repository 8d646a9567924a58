package dev.quota.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

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
    HelpLayout.apply(line);
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
    String message = inOperatorsWords(e);
    err.println(name + ": " + new Failures.Report(ExitCode.USAGE, message).message() + " (see '" + name
        + " --help')");
    err.flush();
    return ExitCode.USAGE;
  }

  /** The parser's complaint in the words of the rest of the command line, not in the parser's own. */
  private static String inOperatorsWords(ParameterException e) {
    if (e instanceof UnmatchedArgumentException unmatched) {
      return unmatched(unmatched);
    }
    if (e instanceof MissingParameterException missing && !missing.getMissing().isEmpty()) {
      List<String> labels = missing.getMissing().stream().map(QuotaCli::synopsisLabel).toList();
      return String.join(" and ", labels) + (labels.size() == 1 ? " is" : " are") + " required";
    }
    if (e.getCause() instanceof TypeConversionException conversion && e.getArgSpec() != null) {
      ArgSpec arg = e.getArgSpec();
      String name = arg instanceof OptionSpec option ? option.longestName() : arg.paramLabel();
      return name + ": " + conversion.getMessage();
    }
    return e.getMessage();
  }

  /** An option as the synopsis shows it ({@code --until=WHEN}), a parameter by its label ({@code TENANT}). */
  private static String synopsisLabel(ArgSpec arg) {
    if (arg instanceof OptionSpec option) {
      return option.arity().max() > 0 ? option.longestName() + "=" + option.paramLabel() : option.longestName();
    }
    return arg.paramLabel();
  }

  /**
   * Says what was not understood in the operator's terms: a misspelled command with the commands it resembles, an
   * unknown option, or arguments too many, rather than the parser's "Unmatched arguments from index 0".
   */
  private static String unmatched(UnmatchedArgumentException e) {
    List<String> unmatched = e.getUnmatched();
    String first = unmatched.isEmpty() ? "" : unmatched.get(0);
    CommandSpec spec = e.getCommandLine().getCommandSpec();
    if (first.startsWith("-")) {
      return "unknown option '" + first + "'" + suggestions(closest(first, spec.optionsMap().keySet()));
    }
    if (!spec.subcommands().isEmpty()) {
      // only quota itself has sub-commands and takes no arguments: what it did not match was meant as a command
      List<String> commands = spec.subcommands().keySet().stream().sorted().toList();
      List<String> similar = closest(first, commands);
      return "'" + first + "' is not a command" + (similar.isEmpty() ? "; the commands are "
          + String.join(", ", commands) : suggestions(similar));
    }
    return "unexpected argument" + (unmatched.size() == 1 ? " " : "s ") + unmatched.stream().map(a -> "'" + a + "'")
        .collect(Collectors.joining(" "));
  }

  private static String suggestions(List<String> similar) {
    if (similar.isEmpty()) {
      return "";
    }
    return "; did you mean " + similar.stream().map(s -> "'" + s + "'").collect(Collectors.joining(" or ")) + "?";
  }

  /**
   * The names nearest to what was typed: those it begins, else those fewest edits away (at most two, one for very
   * short words).
   */
  static List<String> closest(String typed, Collection<String> names) {
    String word = typed.toLowerCase(Locale.ROOT);
    List<String> begun = names.stream().filter(n -> word.replace("-", "").length() >= 3 && n.startsWith(word))
        .sorted().toList();
    if (!begun.isEmpty()) {
      return begun;
    }
    int allowed = word.replace("-", "").length() <= 3 ? 1 : 2;
    int nearest = names.stream().mapToInt(n -> editDistance(word, n)).min().orElse(Integer.MAX_VALUE);
    if (nearest > allowed) {
      return List.of();
    }
    return names.stream().filter(n -> editDistance(word, n) == nearest).sorted().toList();
  }

  /** Levenshtein's distance: the characters to insert, delete or replace to turn one word into the other. */
  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int replace = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(replace, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}

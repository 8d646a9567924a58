package dev.quota.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.ParentCommand;

/** A command that works on quota: it opens the session (and so the database connection) only when it runs. */
abstract class QuotaCommand implements Callable<Integer> {
  @ParentCommand
  Root root;

  @Override
  public final Integer call() {
    checkArguments();
    return run(root.session());
  }

  /** Checks what can be checked without the database, so that bad usage never waits for a connection. */
  void checkArguments() {}

  /**
   * Does the command's work and prints its result.
   *
   * @param session the run's session
   * @return the exit code, one of {@link ExitCode}
   */
  abstract int run(Session session);
}

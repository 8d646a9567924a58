package dev.quota.cli;

/**
 * The exit codes of the {@code quota} command, for scripts. A failure prints one line on standard error; a
 * blocked tenant ({@code usage}) or a drift ({@code verify}) is an answer, printed on standard output like any
 * other.
 */
final class ExitCode {
  /** The command did what was asked; for {@code usage}, the tenant may proceed. */
  static final int OK = 0;
  /**
   * The answer is no: the authorizer refused the change, the entitlement to revoke does not exist or already
   * ended, the tenant of {@code usage} is blocked, {@code verify} found a drift, or a purge was not confirmed.
   */
  static final int REFUSED = 1;
  /** Bad usage: an unknown option, a missing argument or {@code --reason}, a value that breaks a rule. */
  static final int USAGE = 2;
  /** The database cannot be reached, or the schema has no quota tables yet. */
  static final int UNAVAILABLE = 3;
  /** Anything else: a failure nobody planned for; {@code --verbose} shows its stack trace. */
  static final int FAILURE = 4;

  private ExitCode() {}
}

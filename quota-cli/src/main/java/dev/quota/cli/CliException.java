package dev.quota.cli;

/**
 * A failure the command line reports as one line on standard error, with the exit code it stands for.
 */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  /**
   * Creates the failure.
   *
   * @param exitCode one of {@link ExitCode}
   * @param message the line to print, without the command's name
   */
  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  /**
   * Creates the failure with its cause, shown under {@code --verbose}.
   *
   * @param exitCode one of {@link ExitCode}
   * @param message the line to print, without the command's name
   * @param cause the underlying failure
   */
  CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  static CliException usage(String message) {
    return new CliException(ExitCode.USAGE, message);
  }

  static CliException refused(String message) {
    return new CliException(ExitCode.REFUSED, message);
  }

  int exitCode() {
    return exitCode;
  }
}

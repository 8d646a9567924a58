package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The parser's corrections and a command's own help, from the jar as an operator runs it. */
class HelpIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  @Test
  void aMisspelledCommandIsAnsweredWithTheCommandMeant() {
    CliJar.Result result = db.cli().run("usge", "acme");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota: 'usge' is not a command; did you mean 'usage'? (see 'quota --help')\n");
  }

  @Test
  void aCommandsHelpIsItsOwnWithTheReasonRequired() {
    CliJar.Result result = db.cli().run("reset", "--help");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).startsWith("Usage: quota reset [-h] [--new-tenant] [--meter=METER] --reason=TEXT TENANT")
        .doesNotContain("--jdbc-url=URL", "Exit codes:")
        .contains("the environment and the exit codes: quota --help");
  }
}

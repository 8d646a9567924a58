package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the parser reports reads like the rest of the command line: misspelled commands and options come with what
 * was meant, nothing of the parser's own wording (or of ISO-8601 durations) shows, a command's help is its own
 * and says --reason is required.
 */
class HelpAndParsingTest {
  private final InProcessCli cli = new InProcessCli();

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "usge, usage",
      "rest, reset",
      "grnt, grant",
      "over, override-tier",
      "verfy, verify"})
  void aMisspelledCommandSuggestsTheCommandMeant(String typed, String meant) {
    InProcessCli.Result result = cli.run(typed, "acme");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota: '" + typed + "' is not a command; did you mean '" + meant + "'? (see "
        + "'quota --help')\n");
    assertThat(cli.opened).as("no connection for bad usage").isEmpty();
  }

  @Test
  void aWordLikeNoCommandListsTheCommands() {
    InProcessCli.Result result = cli.run("unblock", "acme");

    assertThat(result.err()).isEqualTo("quota: 'unblock' is not a command; the commands are archive, audit, bypass, "
        + "console, credit, find, grant, history, limit, migrate, notifications, override-tier, parent, plan, purge, "
        + "reset, revoke, simulate, top, tree, usage, verify (see 'quota --help')\n");
  }

  @Test
  void aMisspelledOptionSuggestsTheOptionMeant() {
    InProcessCli.Result result = cli.run("grant", "acme", "5k", "--until", "+1d", "--reasn", "x");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).isEqualTo("quota grant: unknown option '--reasn'; did you mean '--reason'? (see 'quota "
        + "grant --help')\n");
  }

  @Test
  void aBadValueNamesTheOptionAndTheRuleWithoutTheParsersWords() {
    InProcessCli.Result result = cli.run("grant", "acme", "5k", "--until", "tomorrow", "--reason", "x");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).startsWith("quota grant: --until: 'tomorrow' is not a time: use an ISO instant")
        .doesNotContain("Invalid value");
  }

  @Test
  void aMissingArgumentIsNamedAsTheSynopsisShowsIt() {
    InProcessCli.Result result = cli.run("reset", "--reason", "x");

    assertThat(result.err()).isEqualTo("quota reset: TENANT is required (see 'quota reset --help')\n");
  }

  @Test
  void theLongestEntitlementReadsInDaysNotAsAnIsoDuration() {
    cli.plan("acme", Tier.FREE);

    InProcessCli.Result result = cli.run("grant", "acme", "5k", "--until", "+200d", "--reason", "x");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).startsWith("quota grant: expires at must be at most 90 days from now (")
        .doesNotContain("PT2160H");
  }

  @ParameterizedTest
  @ValueSource(strings = {"grant", "reset", "override-tier", "bypass", "revoke", "plan", "parent", "tree", "usage",
      "top", "audit", "verify", "migrate", "archive", "purge", "simulate", "console"})
  void aCommandsHelpListsItsOwnOptionsAndPointsToTheGlobalOnes(String command) {
    InProcessCli.Result result = cli.run(command, "--help");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).doesNotContain("--jdbc-url=URL", "--catalogue=FILE", "--verbose  ", "Exit codes:",
        "-V, --version").contains("-h, --help")
        .endsWith("Global options (--jdbc-url, --schema, --catalogue, --plans-from, --zone,\n--actor, --json, "
            + "--verbose), the environment and the exit codes: quota --help\n");
    assertThat(result.out().lines().count()).as("lines of help").isLessThan(40);
  }

  @ParameterizedTest
  @ValueSource(strings = {"grant", "reset", "override-tier", "bypass", "revoke", "plan", "parent"})
  void aChangesSynopsisShowsTheReasonAsRequired(String command) {
    String synopsis = cli.run(command, "--help").out().split("\n\\S")[0];

    assertThat(synopsis).contains("--reason=TEXT").doesNotContain("[--reason=TEXT]");
  }

  @Test
  void purgeShowsTheReasonAsOptionalSinceADryRunNeedsNone() {
    assertThat(cli.run("purge", "--help").out()).contains("[--reason=TEXT]");
  }

  @Test
  void quotasOwnHelpListsTheGlobalOptionsAndExitCodes() {
    InProcessCli.Result result = cli.run("--help");

    assertThat(result.out()).contains("--jdbc-url=URL", "--schema=NAME", "--json", "Exit codes:", "simulate",
        "  parent ", "  tree ");
  }

  @Test
  void globalOptionsAreStillAcceptedAfterTheCommand() {
    cli.plan("acme", Tier.FREE);

    InProcessCli.Result result = cli.run("usage", "acme", "--zone", "Europe/Berlin", "--json");

    assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).startsWith("{");
  }
}

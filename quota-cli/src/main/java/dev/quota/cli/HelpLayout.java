package dev.quota.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * How the help reads: {@code quota --help} lists the global options, the exit codes and the environment once; a
 * command's help shows its own arguments and options and points there, rather than repeating them. The global
 * options stay accepted after the command's name; they are only not listed again. A change's synopsis shows
 * {@code --reason} as the required option it is.
 */
final class HelpLayout {
  /** The last lines of every command's help. */
  static final String[] COMMAND_FOOTER = {
      "Global options (--jdbc-url, --schema, --catalogue, --plans-from, --zone, --actor, --json, --verbose), "
          + "the environment and the exit codes: quota --help"};

  private HelpLayout() {}

  /**
   * Lays out the help of quota's commands.
   *
   * @param quota the root command line, its sub-commands added
   */
  static void apply(CommandLine quota) {
    for (CommandLine command : quota.getSubcommands().values()) {
      CommandSpec spec = command.getCommandSpec();
      hideInherited(spec);
      UsageMessageSpec usage = spec.usageMessage();
      usage.footerHeading("%n");
      usage.footer(COMMAND_FOOTER);
      if (spec.userObject() instanceof ChangeCommand change && change.reasonAlwaysRequired()) {
        command.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_SYNOPSIS,
            help -> help.synopsis(help.synopsisHeadingLength()).replace("[--reason=TEXT]", "--reason=TEXT"));
      }
    }
  }

  /** Replaces the global options and --version by hidden copies bound to the same fields: accepted, not listed. */
  private static void hideInherited(CommandSpec spec) {
    List<OptionSpec> inherited = new ArrayList<>();
    for (OptionSpec option : spec.options()) {
      // --version belongs to quota as a whole: each command's help keeps only --help
      if ((option.inherited() && !option.usageHelp()) || option.versionHelp()) {
        inherited.add(option);
      }
    }
    for (OptionSpec option : inherited) {
      spec.remove((ArgSpec) option);
      spec.addOption(option.toBuilder().hidden(true).build());
    }
  }
}

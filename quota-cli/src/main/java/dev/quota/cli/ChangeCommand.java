package dev.quota.cli;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.UsageReport;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import picocli.CommandLine.Option;

/**
 * A command that changes a tenant's balance or plan: it requires {@code --reason}, which the library writes to
 * the audit log with the change, and prints the tenant's standing afterwards.
 */
abstract class ChangeCommand extends QuotaCommand {
  @Option(names = "--reason", paramLabel = "TEXT",
      description = "Why, in a few words (a ticket, a customer request): required, written to the audit log with "
          + "the change.")
  String reason;

  @Override
  void checkArguments() {
    if (needsReason() && reason == null) {
      throw CliException.usage("--reason is required: every change is written to the audit log with why it was "
          + "made, e.g. --reason 'JIRA-123: demo tomorrow'");
    }
  }

  /** @return whether this run changes something, and so needs a reason */
  boolean needsReason() {
    return true;
  }

  /** @return whether every run of the command needs a reason, so that the synopsis shows it as required */
  boolean reasonAlwaysRequired() {
    return true;
  }

  /**
   * Prints what the change did and the tenant's standing afterwards.
   *
   * @param session the session
   * @param tenant the tenant changed
   * @param meter the meter whose standing to show
   * @param done what was done, in a sentence or two
   * @param result the JSON fields describing what was done; {@code usage} is added
   * @return {@link ExitCode#OK}
   */
  static int changed(Session session, TenantId tenant, Meter meter, String done, Map<String, Object> result) {
    UsageReport after = session.guard().usage(tenant, meter);
    session.out().result(() -> {
      StringJoiner text = new StringJoiner("\n");
      text.add(done);
      text.add(TextView.standing(after, session.zone()));
      return text.toString();
    }, () -> {
      Map<String, Object> document = new LinkedHashMap<>(result);
      document.put("usage", JsonView.usage(after));
      return document;
    });
    return ExitCode.OK;
  }
}

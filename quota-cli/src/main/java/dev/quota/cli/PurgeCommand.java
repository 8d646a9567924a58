package dev.quota.cli;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.admin.PurgeConfirmation;
import dev.quota.admin.PurgeSummary;
import dev.quota.admin.TenantLookup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code quota purge TENANT --since WHEN}: the one destructive command. It shows what would be deleted, then
 * deletes only after the tenant id is typed again (or given with {@code --confirm} by a script).
 */
@Command(name = "purge",
    description = {"Delete a tenant's usage at or after an instant: for legal erasure and test data, never needed to "
        + "unblock anyone (use reset, grant, override-tier or bypass).",
        "Shows what would be deleted first, then asks for the tenant id typed again; --dry-run only shows."})
final class PurgeCommand extends ChangeCommand {
  @Parameters(paramLabel = "TENANT", description = "The tenant id, or a user's e-mail address (see find).")
  String tenant;

  @Option(names = "--since", paramLabel = "WHEN", required = true, converter = Converters.WhenValue.class,
      description = "The first instant purged: 2026-11-01 (midnight in --zone), 2026-11-01T00:00:00Z, -7d, "
          + "start-of-period.")
  When since;

  @Option(names = "--dry-run", description = "Show what would be deleted, delete nothing (no --reason needed).")
  boolean dryRun;

  @Option(names = "--confirm", paramLabel = "TENANT",
      description = "The tenant id typed again, for scripts; without it the id is asked for on the terminal.")
  String confirm;

  @Override
  boolean needsReason() {
    return !dryRun;
  }

  @Override
  boolean reasonAlwaysRequired() {
    return false; // not with --dry-run
  }

  @Override
  int run(Session session) {
    TenantId id = session.tenant(tenant);
    Meter meter = session.catalogue().defaultMeter();
    Instant from = session.resolve("--since", since, id, meter);
    TenantLookup lookup = session.admin().lookUp(id);
    if (!lookup.known()) {
      if (!dryRun) {
        throw UnknownTenant.refusal(lookup, false); // a tenant quota does not know has nothing to purge
      }
      session.out().progress(UnknownTenant.note(lookup));
    }
    PurgeSummary preview = session.admin().previewPurge(id, from);
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("dryRun", dryRun);
    document.put("wouldDelete", JsonView.purge(preview));
    session.out().progress("Would delete:\n" + TextView.purge(preview, session.zone()));
    if (dryRun || preview.entries() == 0) {
      String why = dryRun ? "dry run: nothing deleted" : "nothing to delete";
      document.put("deleted", null);
      session.out().result(() -> why, () -> document);
      return ExitCode.OK;
    }
    String typed = confirm != null ? confirm : ask(session, id);
    if (typed == null || !new PurgeConfirmation(typed).confirms(id)) {
      String what = typed == null ? "no tenant id was typed" : "'" + typed + "' is not the tenant id '" + id + "'";
      throw CliException.refused("cancelled: " + what + "; nothing was deleted");
    }
    PurgeSummary deleted = session.admin().purgeUsage(id, from, new PurgeConfirmation(typed), session.actor(), reason);
    document.put("deleted", JsonView.purge(deleted));
    session.out().result(() -> "Deleted " + Text.count(deleted.entries(), "ledger entry", "ledger entries") + " of "
        + id + "; the purge is in the audit log.", () -> document);
    return ExitCode.OK;
  }

  /** Asks on standard error, reads a line from standard input; null at end of input. */
  private static String ask(Session session, TenantId id) {
    PrintStream err = session.env().err();
    err.print("This deletes usage history and cannot be undone. Type the tenant id (" + id + ") to confirm: ");
    err.flush();
    try {
      BufferedReader reader = new BufferedReader(new InputStreamReader(session.env().in(), Charset.defaultCharset()));
      String line = reader.readLine();
      if (!session.env().interactive()) {
        // nobody's typing echoed a line break: end the prompt's line
        err.println();
      }
      return line == null ? null : line.strip();
    } catch (IOException e) {
      return null;
    }
  }
}

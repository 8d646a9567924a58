package dev.quota.cli;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quota archive --before WHEN}: move old ledger entries out of the hot table. */
@Command(name = "archive",
    description = "Move ledger entries that occurred before a cut-off to the archive table. Balances, reports "
        + "and verification do not change; the ledger the hot path touches gets smaller.")
final class ArchiveCommand extends QuotaCommand {
  @Option(names = "--before", paramLabel = "WHEN", required = true, converter = Converters.WhenValue.class,
      description = "The cut-off: 2026-01-01 (midnight in --zone), 2026-01-01T00:00:00Z, -90d.")
  When before;

  @Override
  int run(Session session) {
    Instant cutOff = session.resolve("--before", before, null, null);
    Backend.Archival archival = session.backend().archive(cutOff);
    session.out().result(() -> "archived " + Text.count(archival.entries(), "ledger entry", "ledger entries")
        + " that occurred before "
        + Text.time(archival.before(), session.zone()) + "; balances unchanged", () -> {
          Map<String, Object> document = new LinkedHashMap<>();
          document.put("before", archival.before());
          document.put("entries", archival.entries());
          return document;
        });
    return ExitCode.OK;
  }
}

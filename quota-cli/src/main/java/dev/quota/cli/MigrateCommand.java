package dev.quota.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code quota migrate}: create or upgrade the schema. */
@Command(name = "migrate",
    description = "Create the schema and quota's tables, or upgrade them to this version. Safe to run again.")
final class MigrateCommand extends QuotaCommand {
  @Override
  int run(Session session) {
    Backend.Migration migration = session.backend().migrate();
    session.out().result(() -> migration.applied().isEmpty()
        ? "schema " + migration.schema() + " is up to date at version " + migration.version()
        : "schema " + migration.schema() + " migrated to version " + migration.version() + ", applied: "
            + String.join(", ", migration.applied()), () -> {
              Map<String, Object> document = new LinkedHashMap<>();
              document.put("schema", migration.schema());
              document.put("applied", migration.applied());
              document.put("version", migration.version());
              return document;
            });
    return ExitCode.OK;
  }
}

package dev.quota.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code quota migrate}: create or upgrade the schema. */
@Command(name = "migrate",
    description = "Create the schema and quota's tables in it, unless they are there. Safe to run again.")
final class MigrateCommand extends QuotaCommand {
  @Override
  int run(Session session) {
    Backend.Migration migration = session.backend().migrate();
    session.out().result(() -> migration.created()
        ? "schema " + migration.schema() + ": quota's tables created or upgraded"
        : "schema " + migration.schema() + ": quota's tables are up to date, nothing to do", () -> {
          Map<String, Object> document = new LinkedHashMap<>();
          document.put("schema", migration.schema());
          document.put("created", migration.created());
          return document;
        });
    return ExitCode.OK;
  }
}

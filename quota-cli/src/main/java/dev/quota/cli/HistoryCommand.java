package dev.quota.cli;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.admin.HistoryGranularity;
import dev.quota.admin.UsageHistory;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota history TENANT}: usage per day or hour, from the ledger and the archive. */
@Command(name = "history",
    description = {"Show a tenant's usage per day or hour: the sums of its ledger entries (archived ones included) "
        + "by when they occurred, in days or hours of the catalogue's zone, every bucket listed (0 when unused). The "
        + "range is widened to whole buckets.",
        "At most " + HistoryGranularity.MAX_DAYS + " days, or " + HistoryGranularity.MAX_HOURS + " hours."})
final class HistoryCommand extends QuotaCommand {
  @Parameters(paramLabel = "TENANT", description = "The tenant id.")
  String tenant;

  @Option(names = "--meter", paramLabel = "METER", description = "The meter (default: the catalogue's first).")
  String meter;

  @Option(names = "--from", paramLabel = "WHEN", required = true, converter = Converters.WhenValue.class,
      description = "The start of the range: " + When.FORMS + ".")
  When from;

  @Option(names = "--to", paramLabel = "WHEN", defaultValue = "now", converter = Converters.WhenValue.class,
      description = "The end of the range, exclusive (default: now); same forms as --from.")
  When to;

  @Option(names = "--by", paramLabel = "day|hour", defaultValue = "day",
      description = "The bucket: day or hour (default: ${DEFAULT-VALUE}).")
  String by;

  @Override
  void checkArguments() {
    granularity();
  }

  private HistoryGranularity granularity() {
    return switch (by.strip().toLowerCase(Locale.ROOT)) {
      case "day" -> HistoryGranularity.DAY;
      case "hour" -> HistoryGranularity.HOUR;
      default -> throw CliException.usage("--by must be day or hour, was '" + by + "'");
    };
  }

  @Override
  int run(Session session) {
    TenantId id = TenantId.of(tenant);
    Meter m = session.meter(meter);
    Instant start = session.resolve("--from", from, id, m);
    Instant end = session.resolve("--to", to, id, m);
    HistoryGranularity granularity = granularity();
    UsageHistory history = session.admin().usageHistory(id, m, start, end, granularity);
    session.out().result(() -> text(history), () -> json(history));
    return ExitCode.OK;
  }

  private static String text(UsageHistory history) {
    DateTimeFormatter format = history.granularity() == HistoryGranularity.DAY
        ? DateTimeFormatter.ofPattern("yyyy-MM-dd EEE", Locale.ROOT)
        : DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm xxx", Locale.ROOT);
    Table table = new Table(history.granularity() == HistoryGranularity.DAY ? "DAY" : "HOUR", ">USED");
    for (UsageHistory.Bucket b : history.buckets()) {
      table.row(format.format(b.start().atZone(history.zone())), Text.units(b.used()));
    }
    table.row("total", Text.units(history.total()));
    String zone = history.zone().normalized().equals(ZoneOffset.UTC) ? "UTC" : history.zone().getId();
    return "tenant " + history.tenant() + ", meter " + history.meter() + ", "
        + (history.granularity() == HistoryGranularity.DAY ? "days" : "hours") + " in " + zone + "\n"
        + table.render();
  }

  private static Map<String, Object> json(UsageHistory history) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("tenant", history.tenant().value());
    document.put("meter", history.meter().name());
    document.put("zone", history.zone().getId());
    document.put("granularity", history.granularity().name());
    document.put("total", history.total());
    document.put("buckets", history.buckets().stream().map(b -> {
      Map<String, Object> bucket = new LinkedHashMap<>();
      bucket.put("start", b.start());
      bucket.put("end", b.end());
      bucket.put("used", b.used());
      return bucket;
    }).toList());
    return document;
  }
}

package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import org.json.JSONArray;
import org.json.JSONObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code quota history}: usage per day or hour, from the ledger and the archive, as text and JSON. */
class HistoryIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  /** Entries written straight into the ledger and the archive at fixed instants, as earlier releases left them. */
  @BeforeAll
  static void entries() throws Exception {
    ledger("charted", "a", 100, "2026-03-02T23:59:59.999Z");
    ledger("charted", "b", 20, "2026-03-03T00:00:00Z");
    ledger("charted", "c", 3, "2026-03-03T13:30:00Z");
    db.execute("INSERT INTO " + db.schema() + ".usage_archive (tenant_id, meter, usage_key, amount, occurred_at, "
        + "period_start, period_end, archived_at) VALUES (?, 'ai-tokens', 'old', 4000, ?, ?, ?, ?)", "charted",
        at("2026-03-01T08:00:00Z"), at("2026-03-01T00:00:00Z"), at("2026-04-01T00:00:00Z"),
        at("2026-04-02T00:00:00Z"));
    ledger("someone-else", "x", 5_000, "2026-03-02T12:00:00Z");
  }

  private static void ledger(String tenant, String key, long amount, String occurredAt) throws Exception {
    db.execute("INSERT INTO " + db.schema() + ".usage_ledger (tenant_id, meter, usage_key, amount, occurred_at, "
        + "period_start, period_end) VALUES (?, 'ai-tokens', ?, ?, ?, ?, ?)", tenant, key, amount, at(occurredAt),
        at("2026-03-01T00:00:00Z"), at("2026-04-01T00:00:00Z"));
  }

  private static Timestamp at(String instant) {
    return Timestamp.from(Instant.parse(instant));
  }

  @Test
  void daysAreListedWithTheirSumsAndATotal() {
    CliJar.Result result = db.cli().run("history", "charted", "--from", "2026-03-01", "--to", "2026-03-05");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("tenant charted, meter ai-tokens, days in UTC")
        .contains("2026-03-01 Sun  4,000", "2026-03-02 Mon    100", "2026-03-03 Tue     23", "2026-03-04 Wed      0",
            "total           4,123");
  }

  @Test
  void hoursAsJson() {
    CliJar.Result result = db.cli().run("history", "charted", "--from", "2026-03-02T23:00:00Z", "--to",
        "2026-03-03T02:00:00Z", "--by", "hour", "--json");

    assertThat(result.exitCode()).as(result.err()).isZero();
    JSONObject document = new JSONObject(result.out());
    assertThat(document.getString("granularity")).isEqualTo("HOUR");
    assertThat(document.getLong("total")).isEqualTo(120);
    JSONArray buckets = document.getJSONArray("buckets");
    assertThat(buckets.length()).isEqualTo(3);
    assertThat(buckets.getJSONObject(0).getString("start")).isEqualTo("2026-03-02T23:00:00Z");
    assertThat(buckets.getJSONObject(0).getLong("used")).isEqualTo(100);
    assertThat(buckets.getJSONObject(1).getLong("used")).isEqualTo(20);
    assertThat(buckets.getJSONObject(2).getLong("used")).isZero();
  }

  @Test
  void tooManyHoursAreRefusedNamingTheRule() {
    CliJar.Result result = db.cli().run("history", "charted", "--from", "2026-03-01", "--to", "2026-03-09",
        "--by", "hour");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).contains("to", "must be at most 168 hours after from");
  }

  @Test
  void anUnknownBucketIsAUsageError() {
    CliJar.Result result = db.cli().run("history", "charted", "--from", "2026-03-01", "--by", "week");

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err()).contains("--by must be day or hour, was 'week'");
  }
}

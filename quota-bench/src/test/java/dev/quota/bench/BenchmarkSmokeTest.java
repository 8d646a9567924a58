package dev.quota.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.jooq.testsupport.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the harness working: every benchmark runs once, in-process, for 100 ms on small data, and the result files
 * and ratios come out. It measures nothing (no warm-up, no fork); the numbers are in BENCHMARKS.md. What the writes
 * left in the database shows that a benchmark did what its ratio claims to measure.
 */
class BenchmarkSmokeTest {
  private static final Path OUT = Path.of("target", "smoke");
  private static Map<String, RunBenchmarks.Measured> ratios;

  @BeforeAll
  static void runEveryBenchmark() throws Exception {
    // the test database of every module's tests: QUOTA_TEST_JDBC_URL, else a container, else the embedded server
    System.setProperty(BenchDatabase.URL_PROPERTY, PostgresServer.url());
    System.setProperty(BenchDatabase.SCHEMA_PROPERTY, "quota_bench_smoke");
    ratios = RunBenchmarks.run(true, OUT);
  }

  @AfterAll
  static void dropSchemas() throws Exception {
    BenchDatabase.drop();
  }

  @Test
  void everyBenchmarkRunsAndEveryRatioComesOut() throws Exception {
    assertThat(ratios.keySet()).containsExactlyElementsOf(RunBenchmarks.RATIO_KEYS);
    assertThat(ratios.values()).allSatisfy(ratio -> {
      assertThat(ratio.median()).isFinite().isPositive().isBetween(ratio.min(), ratio.max());
      assertThat(ratio.pairs()).isNotEmpty();
    });
    String results = Files.readString(OUT.resolve("jmh-result.json"), StandardCharsets.UTF_8);
    for (String benchmark : benchmarks()) {
      assertThat(results).as("results of %s", benchmark).contains("\"benchmark\" : \"" + benchmark + "\"");
    }
    String written = Files.readString(OUT.resolve("ratios.json"), StandardCharsets.UTF_8);
    for (String key : RunBenchmarks.RATIO_KEYS) {
      assertThat(written).containsPattern("\"" + key + "\": \\{\"median\": [0-9]+\\.[0-9]+, \"min\": ");
    }
  }

  @Test
  void theTreeConsumptionCountedAtEveryLevelInBothWindows() throws Exception {
    String members = everyOneLike(BenchDatabase.treeMember(0));
    // every consumption of a member: one ledger entry at the member, counted against its workspace and the organisation
    long entries = number("SELECT count(*) FROM %s.usage_ledger WHERE tenant_id LIKE ? "
        + "AND array_length(counted_path, 1) = 3 AND ? = ANY (counted_path)", members, BenchDatabase.TREE_ROOT);
    assertThat(entries).isPositive();
    // ... and 1 in each level's period counter and in its counter of the minute it happened in
    for (String level : List.of(BenchDatabase.TREE_ROOT, everyOneLike(BenchDatabase.treeWorkspace(0)), members)) {
      assertThat(number("SELECT coalesce(sum(used), 0) FROM %s.counter WHERE tenant_id LIKE ? AND time_window IS NULL",
          level)).as("period counters of %s", level).isEqualTo(entries);
      assertThat(number("SELECT coalesce(sum(used), 0) FROM %s.counter WHERE tenant_id LIKE ? "
          + "AND time_window = 'MINUTE'", level)).as("minute counters of %s", level).isEqualTo(entries);
    }
  }

  /** The LIKE pattern of every tenant named as the given 0th one is, with another number. */
  private static String everyOneLike(String zeroth) {
    assertThat(zeroth).endsWith("-0");
    return zeroth.substring(0, zeroth.length() - 1) + "%";
  }

  /** One number the query reads from the smoke run's schema (its {@code %s}), the query's {@code ?} bound in order. */
  private static long number(String query, String... values) throws SQLException {
    try (Connection c = DriverManager.getConnection(BenchDatabase.url());
        PreparedStatement st = c.prepareStatement(query.formatted("\"" + BenchDatabase.schema() + "\""))) {
      for (int i = 0; i < values.length; i++) {
        st.setString(i + 1, values[i]);
      }
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Every benchmark method JMH generated, from its list. */
  private static List<String> benchmarks() throws IOException {
    try (InputStream in = BenchmarkSmokeTest.class.getResourceAsStream("/META-INF/BenchmarkList")) {
      assertThat(in).as("JMH's benchmark list").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(line -> !line.isBlank())
          .map(line -> {
            // "JMH S <len> <class> S <len> <generated> S <len> <method> ..."
            String[] parts = line.split(" ");
            return parts[3] + "." + parts[9];
          })
          .distinct()
          .toList();
    }
  }
}

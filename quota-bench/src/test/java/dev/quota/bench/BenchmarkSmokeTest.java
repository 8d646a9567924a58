package dev.quota.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.jooq.testsupport.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the harness working: every benchmark runs once, in-process, for 100 ms on small data, and the result files
 * and ratios come out. It measures nothing (no warm-up, no fork); the numbers are in BENCHMARKS.md.
 */
class BenchmarkSmokeTest {
  private static final Path OUT = Path.of("target", "smoke");

  @BeforeAll
  static void database() {
    // the test database of every module's tests: QUOTA_TEST_JDBC_URL, else a container, else the embedded server
    System.setProperty(BenchDatabase.URL_PROPERTY, PostgresServer.url());
    System.setProperty(BenchDatabase.SCHEMA_PROPERTY, "quota_bench_smoke");
  }

  @AfterAll
  static void dropSchemas() throws Exception {
    BenchDatabase.drop();
  }

  @Test
  void everyBenchmarkRunsAndEveryRatioComesOut() throws Exception {
    Map<String, RunBenchmarks.Measured> ratios = RunBenchmarks.run(true, OUT);

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

package dev.quota.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark in one go against the database at {@value BenchDatabase#URL_VARIABLE}: prepares the data,
 * runs the plan below (each entry a JMH run with its own thread count), writes JMH's JSON results of all runs to
 * {@code jmh-result.json}, the headline ratios to {@code ratios.json}, and prints a summary table.
 *
 * <p>The full profile: 1 fork per benchmark and thread count, 2 for the two sides of each ratio (run back to back);
 * database benchmarks 2 warm-up iterations of 2 s and 3 measured iterations of 3 s; nanosecond benchmarks 3 x 1 s
 * warm-up and 5 x 1 s measured. About 11 minutes on 2 cores.
 * The smoke profile ({@code -Dquota.bench.profile=smoke}): in-process, no warm-up, one 100 ms iteration per benchmark
 * at 1 thread, small data: it proves the harness works, it measures nothing.
 *
 * <p>Scores: time benchmarks in sample mode report their median (p50) per call; the others the median of their
 * iterations' scores.
 */
public final class RunBenchmarks {
  /** The ratio keys of ratios.json, in order. */
  public static final List<String> RATIO_KEYS = List.of("cachedCheckOverCaffeineHit", "uncachedCheckOverSelect1",
      "uncachedCheck1mOver1k", "hotConsumeOverBucket4j8t", "groupRecordOverSingleTx8t");

  private final boolean smoke;
  private final int bigLedger;
  private final List<RunResult> results = new ArrayList<>();
  private final List<String> jsonParts = new ArrayList<>();

  private RunBenchmarks(boolean smoke) {
    this.smoke = smoke;
    this.bigLedger = smoke ? 2_000 : 1_000_000;
  }

  /**
   * Runs the benchmarks.
   *
   * @param args the output directory (default {@code target})
   */
  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "target");
    boolean smoke = "smoke".equals(System.getProperty("quota.bench.profile"));
    Map<String, Double> ratios = new RunBenchmarks(smoke).runAll(out);
    System.out.println("ratios written to " + out.resolve("ratios.json") + ": " + ratios);
  }

  /**
   * Runs the plan and writes the files.
   *
   * @param smoke whether to run the smoke profile
   * @param out the output directory
   * @return the ratios, by key
   */
  public static Map<String, Double> run(boolean smoke, Path out) throws Exception {
    return new RunBenchmarks(smoke).runAll(out);
  }

  private Map<String, Double> runAll(Path out) throws Exception {
    Files.createDirectories(out);
    String environment = environment();
    System.out.println(environment);
    long started = System.nanoTime();
    BenchDatabase.prepare(List.of(1_000, bigLedger), smoke ? List.of(1_000) : List.of(1_000, 10_000, 100_000, 1_000_000));
    System.out.printf(Locale.ROOT, "data prepared in %.0f s%n", (System.nanoTime() - started) / 1e9);

    String big = String.valueOf(bigLedger);
    int most = smoke ? 1 : 8;
    // The pairs of each ratio run back to back, with two forks each, so that a burst of load on a shared machine
    // weighs on both sides rather than on one.
    nanos("Floors.caffeineHit", 1, 2);
    for (int threads : threads()) {
      nanos("OurChecks.cachedCanProceed", threads, threads == 1 ? 2 : 1);
    }
    database("Floors.select1", 1, 2);
    database("OurChecks.uncachedCheck", 1, 2, "ledgerRows", "1000", big);
    for (int threads : threads()) {
      if (threads > 1) {
        database("OurChecks.uncachedCheck", threads, 1, "ledgerRows", "1000");
      }
    }
    if (smoke) {
      database("SeedDesign.seedSumCheck", 1, 1, "rows", "1000");
    } else {
      database("SeedDesign.seedSumCheck", 1, 1, "rows", "1000", "10000", "100000", "1000000");
    }
    for (String write : List.of("hotTenantConsume", "manyTenantsConsume", "reserveCommit", "record", "recordAll")) {
      for (int threads : threads()) {
        if (threads != most || !(write.equals("hotTenantConsume") || write.equals("record"))) {
          database("OurWrites." + write, threads, 1);
        }
      }
    }
    database("OurWrites.hotTenantConsume", most, 2, "combine", "true", "false");
    database("Baselines.bucket4jTryConsume", most, 2);
    database("OurWrites.record", most, 2, "groupCommit", "true", "false");
    database("Baselines.singleTxPerEvent", most, 1);
    if (!smoke) {
      database("Baselines.bucket4jTryConsume", 1, 1);
      database("Baselines.singleTxPerEvent", 1, 1);
    }

    Files.writeString(out.resolve("jmh-result.json"), "[\n" + String.join(",\n", jsonParts) + "\n]\n",
        StandardCharsets.UTF_8);
    Map<String, Double> ratios = ratios(most);
    Files.writeString(out.resolve("ratios.json"), json(ratios), StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(environment);
    System.out.println(table());
    System.out.println(ratioTable(ratios));
    System.out.printf(Locale.ROOT, "total %.1f minutes%n", (System.nanoTime() - started) / 60e9);
    return ratios;
  }

  private List<Integer> threads() {
    return smoke ? List.of(1) : List.of(1, 2, 8);
  }

  private void nanos(String benchmark, int threads, int forks, String... param) throws RunnerException, IOException {
    ChainedOptionsBuilder options = base(benchmark, threads, forks, param);
    if (!smoke) {
      options.warmupIterations(3).warmupTime(TimeValue.seconds(1)).measurementIterations(5)
          .measurementTime(TimeValue.seconds(1));
    }
    run(options);
  }

  private void database(String benchmark, int threads, int forks, String... param) throws RunnerException,
      IOException {
    ChainedOptionsBuilder options = base(benchmark, threads, forks, param);
    if (!smoke) {
      options.warmupIterations(2).warmupTime(TimeValue.seconds(2)).measurementIterations(3)
          .measurementTime(TimeValue.seconds(3));
    }
    run(options);
  }

  private ChainedOptionsBuilder base(String benchmark, int threads, int forks, String... param) {
    ChainedOptionsBuilder options = new OptionsBuilder()
        .include("^" + RunBenchmarks.class.getPackageName().replace(".", "\\.") + "\\." + benchmark.replace(".", "\\.")
            + "$")
        .threads(threads)
        .shouldFailOnError(true)
        .jvmArgsAppend("-Dorg.jooq.no-logo=true", "-Dorg.jooq.no-tips=true", "-Xms1g", "-Xmx1g",
            "-D" + BenchDatabase.SCHEMA_PROPERTY + "=" + BenchDatabase.schema());
    if (param.length > 0) {
      options.param(param[0], Arrays.copyOfRange(param, 1, param.length));
    }
    if (smoke) {
      options.forks(0).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(100))
          .timeout(TimeValue.seconds(30));
    } else {
      options.forks(forks);
    }
    return options;
  }

  private void run(ChainedOptionsBuilder options) throws RunnerException, IOException {
    Path json = Files.createTempFile("quota-jmh-", ".json");
    try {
      options.resultFormat(ResultFormatType.JSON).result(json.toString());
      results.addAll(new Runner(options.build()).run());
      String text = Files.readString(json, StandardCharsets.UTF_8).strip();
      if (text.startsWith("[") && text.endsWith("]")) {
        String inner = text.substring(1, text.length() - 1).strip();
        if (!inner.isEmpty()) {
          jsonParts.add(inner);
        }
      }
    } finally {
      Files.deleteIfExists(json);
    }
  }

  // --- scores and ratios --------------------------------------------------------------------------------------

  /** A run's score: p50 per call for sample-time runs, else the median of the iterations' scores. */
  static double score(RunResult r) {
    if (r.getParams().getMode() == Mode.SampleTime) {
      return r.getPrimaryResult().getStatistics().getPercentile(50.0);
    }
    List<Double> scores = new ArrayList<>();
    for (BenchmarkResult b : r.getBenchmarkResults()) {
      for (IterationResult i : b.getIterationResults()) {
        scores.add(i.getPrimaryResult().getScore());
      }
    }
    scores.sort(null);
    int n = scores.size();
    if (n == 0) {
      return r.getPrimaryResult().getScore();
    }
    return n % 2 == 1 ? scores.get(n / 2) : (scores.get(n / 2 - 1) + scores.get(n / 2)) / 2;
  }

  private double find(String method, int threads, String param, String value) {
    for (RunResult r : results) {
      var p = r.getParams();
      if (p.getBenchmark().endsWith("." + method) && p.getThreads() == threads
          && (param == null || value.equals(p.getParam(param)))) {
        return score(r);
      }
    }
    throw new IllegalStateException("no result for " + method + " at " + threads + " threads"
        + (param == null ? "" : " with " + param + "=" + value));
  }

  private Map<String, Double> ratios(int most) {
    Map<String, Double> ratios = new LinkedHashMap<>();
    ratios.put("cachedCheckOverCaffeineHit", find("cachedCanProceed", 1, null, null) / find("caffeineHit", 1, null, null));
    ratios.put("uncachedCheckOverSelect1", find("uncachedCheck", 1, "ledgerRows", "1000") / find("select1", 1, null, null));
    ratios.put("uncachedCheck1mOver1k", find("uncachedCheck", 1, "ledgerRows", String.valueOf(bigLedger))
        / find("uncachedCheck", 1, "ledgerRows", "1000"));
    ratios.put("hotConsumeOverBucket4j8t", find("hotTenantConsume", most, "combine", "true")
        / find("bucket4jTryConsume", most, null, null));
    // ours with group commit over ours with one transaction per record: the same guard, schema and statement
    ratios.put("groupRecordOverSingleTx8t", find("record", most, "groupCommit", "true")
        / find("record", most, "groupCommit", "false"));
    return ratios;
  }

  static String json(Map<String, Double> ratios) {
    StringBuilder json = new StringBuilder("{\n");
    int i = 0;
    for (var e : ratios.entrySet()) {
      json.append(String.format(Locale.ROOT, "  \"%s\": %.4f%s%n", e.getKey(), e.getValue(),
          ++i < ratios.size() ? "," : ""));
    }
    return json.append("}\n").toString();
  }

  private String table() {
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "%n| %-40s | %-22s | %7s | %14s | %-6s |%n", "benchmark", "params", "threads",
        "score", "unit"));
    t.append("|------------------------------------------|------------------------|---------|----------------|--------|\n");
    for (RunResult r : results) {
      var p = r.getParams();
      List<String> params = new ArrayList<>();
      for (String key : p.getParamsKeys()) {
        params.add(key + "=" + p.getParam(key));
      }
      String name = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.', p.getBenchmark().lastIndexOf('.') - 1)
          + 1);
      String unit = r.getPrimaryResult().getScoreUnit() + (p.getMode() == Mode.SampleTime ? " p50" : "");
      t.append(String.format(Locale.ROOT, "| %-40s | %-22s | %7d | %14.3f | %-6s |%n", name, String.join(" ", params),
          p.getThreads(), score(r), unit));
    }
    return t.toString();
  }

  private static String ratioTable(Map<String, Double> ratios) {
    Map<String, String> targets = Map.of(
        "cachedCheckOverCaffeineHit", "<= 4 (time)",
        "uncachedCheckOverSelect1", "<= 1.5 (time)",
        "uncachedCheck1mOver1k", "<= 1.10 (time)",
        "hotConsumeOverBucket4j8t", ">= 3 (throughput)",
        "groupRecordOverSingleTx8t", ">= 3 (throughput)");
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "%n| %-28s | %9s | %-18s | %-6s |%n", "ratio", "value", "target", "met"));
    t.append("|------------------------------|-----------|--------------------|--------|\n");
    for (var e : ratios.entrySet()) {
      String target = targets.get(e.getKey());
      double limit = Double.parseDouble(target.replaceAll("[^0-9.]", " ").trim().split(" +")[0]);
      boolean met = target.startsWith("<=") ? e.getValue() <= limit : e.getValue() >= limit;
      t.append(String.format(Locale.ROOT, "| %-28s | %9.3f | %-18s | %-6s |%n", e.getKey(), e.getValue(), target,
          met ? "yes" : "NO"));
    }
    return t.toString();
  }

  private static String environment() throws Exception {
    return String.format(Locale.ROOT, "machine: %d cores, JDK %s (%s), PostgreSQL %s, synchronous_commit=%s, "
            + "database %s", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        System.getProperty("java.vm.name"), BenchDatabase.setting("server_version"),
        BenchDatabase.setting("synchronous_commit"), BenchDatabase.url().replaceAll("password=[^&]*", "password=***"));
  }
}

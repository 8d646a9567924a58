package dev.quota.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
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
 * {@code jmh-result.json}, the ratios to {@code ratios.json}, and prints a summary table.
 *
 * <p><b>Ratios that can be trusted on a shared machine.</b> The two sides of each ratio run interleaved, A B A B A B
 * ({@value #ROUNDS} rounds), each run a fork of its own with one short warm-up; each round gives one pairwise ratio,
 * and a ratio is reported as the median of its rounds with their minimum and maximum. A burst of load weighs on one
 * round, not on one side. Database runs: 1 warm-up iteration of 2 s, 2 measured iterations of 2 s; nanosecond runs:
 * 2 x 1 s warm-up, 3 x 1 s measured. The runs that only give context (the seed design's check at four sizes, thread
 * counts, the console's whole tenants page) run once. About 15 minutes on 2 cores.
 * The smoke profile ({@code -Dquota.bench.profile=smoke}): in-process, no warm-up, one 100 ms iteration per run,
 * one round, small data: it proves the harness works, it measures nothing.
 *
 * <p>Scores: time benchmarks in sample mode report their median (p50) per call; the others the median of their
 * iterations' scores.
 */
public final class RunBenchmarks {
  /** Rounds of each ratio's pair in the full profile. */
  static final int ROUNDS = 3;

  /**
   * One side of a ratio: a benchmark at a thread count with parameters.
   *
   * @param benchmark the class and method, such as {@code OurWrites.record}
   * @param threads the threads
   * @param param a parameter's name and value, or nothing
   */
  record Side(String benchmark, int threads, String... param) {
    String label() {
      return benchmark + " " + threads + "t" + (param.length == 0 ? "" : " " + param[0] + "=" + param[1]);
    }
  }

  /**
   * A ratio of two sides and its target.
   *
   * @param key its key in ratios.json
   * @param a the numerator's side
   * @param b the denominator's side
   * @param inverse whether the value is b's score over a's (throughputs compared as times)
   * @param target such as {@code <= 1.5}, or {@code null} for a ratio shown for context
   * @param what what the ratio compares, for the table
   */
  record Ratio(String key, Side a, Side b, boolean inverse, String target, String what) {
    double of(double scoreA, double scoreB) {
      return inverse ? scoreB / scoreA : scoreA / scoreB;
    }

    boolean met(double value) {
      if (target == null) {
        return true;
      }
      double limit = Double.parseDouble(target.substring(2).trim());
      return target.startsWith("<=") ? value <= limit : value >= limit;
    }
  }

  /**
   * A ratio's outcome.
   *
   * @param median the median of the pairwise ratios
   * @param min the least
   * @param max the greatest
   * @param pairs every round's ratio, in order
   */
  record Measured(double median, double min, double max, List<Double> pairs) {}

  /**
   * The ratios, in the order they run and are reported.
   *
   * @param bigLedger the ledger rows of the big uncached-check tenant
   * @param ended the ended reservations of the second schema
   * @param manyTenants the tenants of the console's big tenants page
   */
  static List<Ratio> ratios(int bigLedger, int ended, int manyTenants) {
    return List.of(
      new Ratio("reserveCommitOverManyConsume8t", new Side("OurWrites.reserveCommit", 8),
          new Side("OurWrites.manyTenantsConsume", 8), false, ">= 0.5",
          "reserve/commit pairs/s over tryConsume ops/s, 100 tenants, 8 threads"),
      new Ratio("reserveCommit8tOver1t", new Side("OurWrites.reserveCommit", 8),
          new Side("OurWrites.reserveCommit", 1), false, ">= 1.0", "reserve/commit pairs/s at 8 threads over 1"),
      new Ratio("reserveOverConsume1t", new Side("OurWrites.reserveAlone", 1),
          new Side("OurWrites.manyTenantsConsume", 1), true, "<= 1.5",
          "time of a reserve over a tryConsume, 1 thread"),
      new Ratio("commitOverConsume1t", new Side("OurWrites.commitAlone", 1),
          new Side("OurWrites.manyTenantsConsume", 1), true, "<= 1.5",
          "time of a commit over a tryConsume, 1 thread"),
      new Ratio("hotReserveCommitOverBucket4j8t", new Side("OurWrites.hotReserveCommit", 8),
          new Side("Baselines.bucket4jTryConsume", 8), false, ">= 3",
          "reserve/commit pairs/s on one tenant over Bucket4j ops/s on one key, 8 threads"),
      new Ratio("hotConsumeOverBucket4j8t", new Side("OurWrites.hotTenantConsume", 8),
          new Side("Baselines.bucket4jTryConsume", 8), false, ">= 3",
          "tryConsume ops/s on one tenant over Bucket4j, 8 threads"),
      new Ratio("treeConsume8tOverFlat8t", new Side("OurTrees.treeConsume", 8),
          new Side("OurWrites.hotTenantConsume", 8), false, ">= 0.5",
          "tryConsume ops/s on 100 members of one organisation (3 levels x 2 windows) over one flat tenant, 8 threads"),
      new Ratio("recordOverSingleTx8t", new Side("OurWrites.record", 8),
          new Side("Baselines.singleTxPerEvent", 8), false, ">= 2",
          "record (group commit) over one plain-JDBC transaction per event, 8 threads"),
      new Ratio("groupRecordOverSingleTx8t", new Side("OurWrites.record", 8, "groupCommit", "true"),
          new Side("OurWrites.record", 8, "groupCommit", "false"), false, null,
          "context: record with group commit over quota's own one transaction per record, 8 threads"),
      new Ratio("recordAllPerEventOverSingleTx8t", new Side("OurWrites.recordAll", 8),
          new Side("Baselines.singleTxPerEvent", 8), false, ">= 10",
          "recordAll events/s over one plain-JDBC transaction per event, 8 threads"),
      new Ratio("uncachedCheckOverSelect1", new Side("OurChecks.uncachedCheck", 1, "ledgerRows", "1000"),
          new Side("Floors.select1", 1), false, "<= 1.5", "uncached canProceed p50 over JDBC SELECT 1 p50"),
      new Ratio("uncachedCheck1mOver1k", new Side("OurChecks.uncachedCheck", 1, "ledgerRows", String.valueOf(bigLedger)),
          new Side("OurChecks.uncachedCheck", 1, "ledgerRows", "1000"), false, "<= 1.10",
          "uncached canProceed p50, 1M ledger rows over 1k"),
      new Ratio("cachedCheckOverHonestFloor", new Side("OurChecks.cachedCanProceed", 1),
          new Side("Floors.caffeineHitAndClock", 1), false, "<= 2",
          "cached canProceed over a Caffeine hit plus one clock read"),
      new Ratio("cachedCheckOverCaffeineHit", new Side("OurChecks.cachedCanProceed", 1),
          new Side("Floors.caffeineHit", 1), false, null, "context: cached canProceed over a bare Caffeine hit"),
      new Ratio("cachedCheckPathOverFlat", new Side("OurTrees.cachedCheckPath", 1),
          new Side("OurChecks.cachedCanProceed", 1), false, "<= 2",
          "cached canProceed of a member (3 levels x 2 windows) over that of a flat tenant (1 window)"),
      new Ratio("reserveCommitEnded1mOverNone8t", new Side("OurWrites.reserveCommit", 8, "endedReservations",
          String.valueOf(ended)), new Side("OurWrites.reserveCommit", 8), false, ">= 0.9",
          "reserve/commit pairs/s with 1M ended reservations over none, 8 threads"),
      new Ratio("tenantsPage100kOver1k", new Side("ConsoleTenantsPage.listUsage", 1, "tenants",
          String.valueOf(manyTenants)), new Side("ConsoleTenantsPage.listUsage", 1, "tenants", "1000"), false,
          "<= 5", "console tenants page (listUsage, 50 rows by utilization) p50, 100k tenants over 1k"));
  }

  /** The ratio keys of ratios.json, in order. */
  public static final List<String> RATIO_KEYS = ratios(1, 1, 1).stream().map(Ratio::key).toList();

  private static final List<String> NANOS = List.of("Floors.caffeineHit", "Floors.caffeineHitAndClock",
      "OurChecks.cachedCanProceed", "OurTrees.cachedCheckPath");

  private final boolean smoke;
  private final int bigLedger;
  private final int endedReservations;
  private final int manyTenants;
  private final List<RunResult> results = new ArrayList<>();
  private final List<String> jsonParts = new ArrayList<>();
  private final List<String> loads = new ArrayList<>();
  private final List<Ratio> plan;

  private RunBenchmarks(boolean smoke) {
    this.smoke = smoke;
    this.bigLedger = smoke ? 2_000 : 1_000_000;
    this.endedReservations = smoke ? 2_000 : 1_000_000;
    this.manyTenants = smoke ? 2_000 : 100_000;
    this.plan = selected(ratios(bigLedger, endedReservations, manyTenants), System.getProperty("quota.bench.ratios"));
  }

  /**
   * The ratios to measure: all of them, or those named by {@code -Dquota.bench.ratios=key,key} (a run of a few ratios,
   * each still in interleaved rounds; the context runs are then left out).
   *
   * @param all every ratio of the plan
   * @param keys the keys to keep, comma-separated; null or blank for all
   * @return the ratios to run, in the plan's order
   * @throws IllegalArgumentException naming a key the plan does not have
   */
  static List<Ratio> selected(List<Ratio> all, String keys) {
    if (keys == null || keys.isBlank()) {
      return all;
    }
    List<String> wanted = List.of(keys.strip().split("\\s*,\\s*"));
    List<String> known = all.stream().map(Ratio::key).toList();
    for (String key : wanted) {
      if (!known.contains(key)) {
        throw new IllegalArgumentException("quota.bench.ratios: no ratio '" + key + "'; the plan has " + known);
      }
    }
    return all.stream().filter(r -> wanted.contains(r.key())).toList();
  }

  /**
   * Runs the benchmarks.
   *
   * @param args the output directory (default {@code target})
   */
  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "target");
    boolean smoke = "smoke".equals(System.getProperty("quota.bench.profile"));
    Map<String, Measured> ratios = new RunBenchmarks(smoke).runAll(out);
    System.out.println("ratios written to " + out.resolve("ratios.json") + ": " + ratios.keySet());
  }

  /**
   * Runs the plan and writes the files.
   *
   * @param smoke whether to run the smoke profile
   * @param out the output directory
   * @return the ratios, by key
   */
  public static Map<String, Measured> run(boolean smoke, Path out) throws Exception {
    return new RunBenchmarks(smoke).runAll(out);
  }

  private Map<String, Measured> runAll(Path out) throws Exception {
    Files.createDirectories(out);
    String environment = environment();
    System.out.println(environment);
    long started = System.nanoTime();
    noteLoad("start");
    prepare(smoke);
    System.out.printf(Locale.ROOT, "data prepared in %.0f s%n", (System.nanoTime() - started) / 1e9);
    noteLoad("data prepared");

    Map<String, Measured> ratios = new LinkedHashMap<>();
    for (Ratio ratio : plan) {
      List<Double> pairs = new ArrayList<>();
      for (int round = 0; round < (smoke ? 1 : ROUNDS); round++) {
        double a = runSide(ratio.a());
        double b = runSide(ratio.b());
        pairs.add(ratio.of(a, b));
      }
      ratios.put(ratio.key(), measured(pairs));
      noteLoad(ratio.key());
    }
    if (plan.size() < RATIO_KEYS.size()) {
      // a run of chosen ratios only: no context runs
      return finish(out, environment, started, ratios);
    }
    // context, run once: the usage history of a tenant with 1M entries in 31 days, read again (target: p50 under 50 ms)
    // and read first (summed from the ledger and stored), the seed design's check as its table grows, how the
    // writes scale with threads, and what combining does for one tenant and for one organisation
    database(new Side("OurHistory.usageHistory31Days", 1, "ledgerRows", String.valueOf(bigLedger)));
    database(new Side("OurHistory.usageHistory31DaysFirstRead", 1, "ledgerRows", String.valueOf(bigLedger)));
    if (smoke) {
      database(new Side("SeedDesign.seedSumCheck", 1, "rows", "1000"));
      database(new Side("ConsoleTenantsPage.tenantsPage", 1, "tenants", "1000"));
    } else {
      // the whole page, rendered: target under 150 ms p50 at 100,000 tenants
      for (String tenants : List.of("1000", "100000")) {
        database(new Side("ConsoleTenantsPage.tenantsPage", 1, "tenants", tenants));
      }
      for (String rows : List.of("1000", "10000", "100000", "1000000")) {
        database(new Side("SeedDesign.seedSumCheck", 1, "rows", rows));
      }
      for (String write : List.of("manyTenantsConsume", "reserveCommit", "record", "recordAll")) {
        database(new Side("OurWrites." + write, 2));
      }
      database(new Side("OurWrites.hotTenantConsume", 8, "combine", "false"));
      database(new Side("OurTrees.treeConsume", 8, "combine", "false"));
    }
    return finish(out, environment, started, ratios);
  }

  private Map<String, Measured> finish(Path out, String environment, long started, Map<String, Measured> ratios)
      throws java.io.IOException {
    noteLoad("end");

    Files.writeString(out.resolve("jmh-result.json"), "[\n" + String.join(",\n", jsonParts) + "\n]\n",
        StandardCharsets.UTF_8);
    Files.writeString(out.resolve("ratios.json"), json(ratios), StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(environment);
    System.out.println("load average (1, 5, 15 min): " + String.join("; ", loads));
    System.out.println(table());
    System.out.println(ratioTable(ratios));
    System.out.printf(Locale.ROOT, "total %.1f minutes%n", (System.nanoTime() - started) / 60e9);
    return ratios;
  }

  private double runSide(Side side) throws RunnerException, IOException {
    return NANOS.contains(side.benchmark()) ? nanos(side) : database(side);
  }

  static Measured measured(List<Double> pairs) {
    List<Double> sorted = new ArrayList<>(pairs);
    sorted.sort(null);
    int n = sorted.size();
    double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return new Measured(median, sorted.get(0), sorted.get(n - 1), List.copyOf(pairs));
  }

  private void noteLoad(String when) {
    try {
      String[] load = Files.readString(Path.of("/proc/loadavg")).split(" ");
      loads.add(when + " " + load[0] + " " + load[1] + " " + load[2]);
    } catch (IOException | RuntimeException notLinux) {
      loads.add(when + " unknown");
    }
  }

  /**
   * Creates the data of every benchmark afresh.
   *
   * @param smoke whether to create the smoke profile's small data
   */
  static void prepare(boolean smoke) throws SQLException {
    RunBenchmarks sizes = new RunBenchmarks(smoke);
    BenchDatabase.prepare(List.of(1_000, sizes.bigLedger),
        smoke ? List.of(1_000) : List.of(1_000, 10_000, 100_000, 1_000_000), sizes.endedReservations);
  }

  /**
   * Whether the full profile's data is there, the organisation's tree included, made this month (as {@link #prepare}
   * leaves it; the runs since may have written to it).
   *
   * @return whether it is
   */
  static boolean prepared() throws SQLException {
    String s = BenchDatabase.schema();
    try (Connection c = DriverManager.getConnection(BenchDatabase.url());
        PreparedStatement st = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL AND to_regclass(?) IS NOT NULL "
            + "AND to_regclass(?) IS NOT NULL")) {
      st.setString(1, "\"" + s + "\".counter");
      st.setString(2, "\"" + BenchDatabase.endedSchema() + "\".counter");
      st.setString(3, "\"" + BenchDatabase.baselineSchema() + "\".seed_usage");
      try (var rs = st.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          return false;
        }
      }
      // the tree is there, down to its last member (data made before the tree benchmarks has none)
      try (PreparedStatement tree = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM \"" + s + "\".tenant "
          + "WHERE tenant_id = ? AND parent_id IS NOT NULL)")) {
        tree.setString(1, BenchDatabase.treeMember(BenchDatabase.MEMBERS - 1));
        try (var rs = tree.executeQuery()) {
          rs.next();
          if (!rs.getBoolean(1)) {
            return false;
          }
        }
      }
      // the uncached check's big tenant has its counter in the month the data was made for
      try (PreparedStatement month = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM \"" + s + "\".counter "
          + "WHERE tenant_id = ? AND period_start = ?)")) {
        month.setString(1, BenchDatabase.ledgerTenant(new RunBenchmarks(false).bigLedger));
        month.setObject(2, OffsetDateTime.ofInstant(BenchDatabase.currentMonth().start(), ZoneOffset.UTC));
        try (var rs = month.executeQuery()) {
          rs.next();
          return rs.getBoolean(1);
        }
      }
    }
  }

  /**
   * The ratios with the data sizes of a profile.
   *
   * @param smoke whether the smoke profile's
   * @return the ratios, in the order they run
   */
  static List<Ratio> plan(boolean smoke) {
    return new RunBenchmarks(smoke).plan;
  }

  private double nanos(Side side) throws RunnerException, IOException {
    return run(options(side, smoke));
  }

  private double database(Side side) throws RunnerException, IOException {
    return run(options(side, smoke));
  }

  /**
   * The options of one side's run, as the plan runs it; {@code quota-bench/profile} runs a side with the same.
   *
   * @param side the benchmark, threads and parameter
   * @param smoke whether to run it as the smoke profile does
   * @return the options, to be completed with where the results go
   */
  static ChainedOptionsBuilder options(Side side, boolean smoke) {
    ChainedOptionsBuilder options = base(side, smoke);
    if (!smoke && NANOS.contains(side.benchmark())) {
      options.warmupIterations(2).warmupTime(TimeValue.seconds(1)).measurementIterations(3)
          .measurementTime(TimeValue.seconds(1));
    } else if (!smoke) {
      options.warmupIterations(1).warmupTime(TimeValue.seconds(2)).measurementIterations(2)
          .measurementTime(TimeValue.seconds(2));
    }
    return options;
  }

  private static ChainedOptionsBuilder base(Side side, boolean smoke) {
    String benchmark = side.benchmark();
    String[] param = side.param();
    ChainedOptionsBuilder options = new OptionsBuilder()
        .include("^" + RunBenchmarks.class.getPackageName().replace(".", "\\.") + "\\." + benchmark.replace(".", "\\.")
            + "$")
        .threads(side.threads())
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
      options.forks(1);
    }
    return options;
  }

  private double run(ChainedOptionsBuilder options) throws RunnerException, IOException {
    Path json = Files.createTempFile("quota-jmh-", ".json");
    try {
      options.resultFormat(ResultFormatType.JSON).result(json.toString());
      Collection<RunResult> run = new Runner(options.build()).run();
      if (run.size() != 1) {
        throw new IllegalStateException("expected one result of a run, got " + run.size());
      }
      results.addAll(run);
      String text = Files.readString(json, StandardCharsets.UTF_8).strip();
      if (text.startsWith("[") && text.endsWith("]")) {
        String inner = text.substring(1, text.length() - 1).strip();
        if (!inner.isEmpty()) {
          jsonParts.add(inner);
        }
      }
      return score(run.iterator().next());
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

  private String json(Map<String, Measured> ratios) {
    StringBuilder json = new StringBuilder("{\n");
    int i = 0;
    for (var e : ratios.entrySet()) {
      Measured m = e.getValue();
      Ratio ratio = plan.stream().filter(r -> r.key().equals(e.getKey())).findFirst().orElseThrow();
      json.append(String.format(Locale.ROOT, "  \"%s\": {\"median\": %.4f, \"min\": %.4f, \"max\": %.4f, "
              + "\"pairs\": [%s], \"target\": %s, \"met\": %s}%s%n", e.getKey(), m.median(), m.min(), m.max(),
          String.join(", ", m.pairs().stream().map(p -> String.format(Locale.ROOT, "%.4f", p)).toList()),
          ratio.target() == null ? "null" : "\"" + ratio.target() + "\"", ratio.met(m.median()),
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

  private String ratioTable(Map<String, Measured> ratios) {
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "%n| %-32s | %8s | %8s | %8s | %-8s | %-4s | %s%n", "ratio", "median", "min",
        "max", "target", "met", "what"));
    t.append("|----------------------------------|----------|----------|----------|----------|------|------\n");
    for (Ratio ratio : plan) {
      Measured m = ratios.get(ratio.key());
      String target = ratio.target() == null ? "context" : ratio.target();
      String met = ratio.target() == null ? "" : ratio.met(m.median()) ? "yes" : "NO";
      t.append(String.format(Locale.ROOT, "| %-32s | %8.3f | %8.3f | %8.3f | %-8s | %-4s | %s (%s / %s)%n",
          ratio.key(), m.median(), m.min(), m.max(), target, met, ratio.what(), ratio.a().label(), ratio.b().label()));
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

package dev.quota.bench;

import dev.quota.bench.RunBenchmarks.Ratio;
import dev.quota.bench.RunBenchmarks.Side;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;

/**
 * One side of the harness at a time, for {@code quota-bench/profile}: the benchmark runs with the options
 * {@code quota-bench/run} gives it (fork, warm-up, iteration length, heap, vacuum before), measured for about the
 * seconds asked, with {@link MeasurementWindow} marking the measured iterations and recording them with JFR.
 *
 * <pre>
 * RunOne sides RATIO_KEY                                  prints the ratio's two sides, one a line
 * RunOne prepare                                          creates the data of every benchmark afresh
 * RunOne run DIR BENCHMARK THREADS SECONDS [NAME=VALUE]   runs one side, writes DIR/jmh-result.json and DIR/ops
 * </pre>
 *
 * <p>{@code run} creates the data first when it is missing or from another month; else it uses the data as the
 * previous runs left it. {@code DIR/ops} holds the operations JMH counted in the measured iterations
 * ({@code all_ops}: every operation, also those of threads still starting or stopping, which the database saw as
 * well; {@code measured_ops}: those in the score), the score and its unit.
 */
public final class RunOne {
  private RunOne() {}

  /**
   * Runs a command.
   *
   * @param args the command and its arguments, as above
   */
  public static void main(String[] args) throws Exception {
    String command = args.length == 0 ? "" : args[0];
    switch (command) {
      case "sides" -> {
        require(args.length == 2, "sides takes one ratio key");
        for (Side side : sides(args[1])) {
          System.out.println(side.benchmark() + " " + side.threads()
              + (side.param().length == 0 ? "" : " " + side.param()[0] + "=" + side.param()[1]));
        }
      }
      case "prepare" -> RunBenchmarks.prepare(false);
      case "run" -> {
        require(args.length == 5 || args.length == 6, "run takes DIR BENCHMARK THREADS SECONDS [NAME=VALUE]");
        Side side = side(args[2], args[3], args.length == 6 ? args[5] : null);
        run(Path.of(args[1]), side, seconds(args[4]));
      }
      default -> throw new IllegalArgumentException("command must be sides, prepare or run, was '" + command + "'");
    }
  }

  /**
   * The two sides of a ratio as the full run measures them.
   *
   * @param key a key of {@code ratios.json}, such as {@code reserveCommitOverManyConsume8t}
   * @return its numerator's side, then its denominator's
   */
  static List<Side> sides(String key) {
    Ratio ratio = RunBenchmarks.plan(false).stream().filter(r -> r.key().equals(key)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("ratio must be one of " + RunBenchmarks.RATIO_KEYS
            + ", was '" + key + "'"));
    return List.of(ratio.a(), ratio.b());
  }

  /**
   * A side from the command line.
   *
   * @param benchmark a benchmark of this module, such as {@code OurWrites.reserveCommit}
   * @param threads the threads, 1 or more
   * @param param {@code NAME=VALUE} of one of the benchmark's parameters, or {@code null}
   * @return the side
   */
  static Side side(String benchmark, String threads, String param) throws IOException {
    require(benchmarks().contains(benchmark), "benchmark must be one of " + benchmarks() + ", was '" + benchmark
        + "'");
    int count;
    try {
      count = Integer.parseInt(threads);
    } catch (NumberFormatException e) {
      count = 0;
    }
    require(count >= 1, "threads must be a whole number of 1 or more, was '" + threads + "'");
    if (param == null || param.isEmpty()) {
      return new Side(benchmark, count);
    }
    int eq = param.indexOf('=');
    require(eq > 0 && eq < param.length() - 1, "parameter must be NAME=VALUE, was '" + param + "'");
    return new Side(benchmark, count, param.substring(0, eq), param.substring(eq + 1));
  }

  private static int seconds(String seconds) {
    int value;
    try {
      value = Integer.parseInt(seconds);
    } catch (NumberFormatException e) {
      value = 0;
    }
    require(value >= 1, "seconds must be a whole number of 1 or more, was '" + seconds + "'");
    return value;
  }

  private static void run(Path dir, Side side, int seconds) throws Exception {
    Files.createDirectories(dir);
    if (!RunBenchmarks.prepared()) {
      System.out.println("[profile] the benchmark data is missing or from another month: creating it");
      RunBenchmarks.prepare(false);
    }
    ChainedOptionsBuilder options = RunBenchmarks.options(side, false);
    // as many iterations of the full run's length as make up the seconds asked
    Options asRun = options.build();
    long iteration = asRun.getMeasurementTime().get().convertTo(TimeUnit.MILLISECONDS);
    int iterations = (int) Math.max(1, Math.round(seconds * 1000.0 / iteration));
    options.measurementIterations(iterations)
        .addProfiler(MeasurementWindow.class, dir.toAbsolutePath().toString())
        // so that JFR's samples name the line a thread was at, not the next safepoint
        .jvmArgsAppend("-XX:+UnlockDiagnosticVMOptions", "-XX:+DebugNonSafepoints")
        .resultFormat(ResultFormatType.JSON)
        .result(dir.resolve("jmh-result.json").toString());
    Collection<RunResult> results = new Runner(options.build()).run();
    require(results.size() == 1, "expected one result of a run, got " + results.size());
    RunResult result = results.iterator().next();
    long all = 0;
    long measured = 0;
    for (BenchmarkResult b : result.getBenchmarkResults()) {
      for (IterationResult i : b.getIterationResults()) {
        all += i.getMetadata().getAllOps();
        measured += i.getMetadata().getMeasuredOps();
      }
    }
    String unit = result.getPrimaryResult().getScoreUnit()
        + (result.getParams().getMode() == Mode.SampleTime ? " p50" : "");
    Files.writeString(dir.resolve("ops"), String.format(Locale.ROOT,
        "all_ops=%d%nmeasured_ops=%d%nscore=%.3f%nunit=%s%nmeasured_seconds=%.1f%n", all, measured,
        RunBenchmarks.score(result), unit.replace(' ', '_'),
        iterations * iteration / 1000.0), StandardCharsets.UTF_8);
  }

  /** Every benchmark of this module, as {@code Class.method}, from JMH's list. */
  private static List<String> benchmarks() throws IOException {
    List<String> names = new ArrayList<>();
    try (InputStream in = RunOne.class.getResourceAsStream("/META-INF/BenchmarkList")) {
      require(in != null, "JMH's benchmark list is missing: build the module first");
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        // "JMH S <len> <class> S <len> <generated> S <len> <method> ..."
        String[] parts = line.split(" ");
        if (parts.length > 9) {
          String name = parts[3].substring(parts[3].lastIndexOf('.') + 1) + "." + parts[9];
          if (!names.contains(name)) {
            names.add(name);
          }
        }
      }
    }
    return names;
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}

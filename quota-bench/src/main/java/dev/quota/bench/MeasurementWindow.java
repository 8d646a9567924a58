package dev.quota.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.runner.IterationType;

/**
 * A JMH profiler for {@code quota-bench/profile}: marks where the measured iterations begin and end, so that the
 * database's statistics can be read exactly around them, and records them with Java Flight Recorder.
 *
 * <p>It runs in the benchmark's fork. Before the first measured iteration it starts a recording (JFR's
 * {@code profile} settings, with the waits below recorded from {@value #WAIT_THRESHOLD}), writes {@code started} to
 * its directory and waits until {@code start-read} appears there (the script has read the statistics); after the
 * last measured iteration it writes {@code ended}, waits for {@code end-read}, then stops the recording and writes it
 * to {@code recording.jfr}. The benchmark does not run while the script reads, so the statistics' window holds the
 * measured iterations and nothing of the warm-up, the set-up or the recording's own start and dump. A wait gives up
 * after {@value #WAIT_SECONDS} s: without the script the run still completes.
 */
public final class MeasurementWindow implements InternalProfiler {
  /**
   * The shortest thread park, monitor wait and socket read recorded. JFR's profile settings record from 10 to 20 ms;
   * a database round trip here takes well under that, so the waits that add up to an operation's time would be
   * missed.
   */
  static final String WAIT_THRESHOLD = "1 ms";
  /** How long a handshake waits for the script. */
  static final int WAIT_SECONDS = 30;

  private final Path dir;
  private int measured;
  private Recording recording;

  /**
   * Made by JMH in the fork.
   *
   * @param dir the directory of the handshake files and the recording
   */
  public MeasurementWindow(String dir) {
    if (dir == null || dir.isBlank()) {
      throw new IllegalArgumentException("the profiler's directory must be given (-prof " + getClass().getName()
          + ":DIR)");
    }
    this.dir = Path.of(dir.strip());
  }

  @Override
  public String getDescription() {
    return "marks the measured iterations for quota-bench/profile and records them with JFR";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmark, IterationParams iteration) {
    if (iteration.getType() != IterationType.MEASUREMENT || measured > 0) {
      return;
    }
    try {
      Map<String, String> settings = new HashMap<>(Configuration.getConfiguration("profile").getSettings());
      for (String event : List.of("jdk.ThreadPark", "jdk.JavaMonitorEnter", "jdk.JavaMonitorWait", "jdk.SocketRead")) {
        settings.put(event + "#threshold", WAIT_THRESHOLD);
      }
      // every second instead of every ten: a profile's measured seconds are few
      settings.put("jdk.ThreadCPULoad#period", "1 s");
      recording = new Recording(settings);
      recording.setName("quota-bench-profile");
      recording.start();
    } catch (IOException | ParseException e) {
      throw new IllegalStateException("JFR's profile settings could not be read", e);
    }
    handshake("started", "start-read");
  }

  @Override
  public Collection<? extends Result> afterIteration(BenchmarkParams benchmark, IterationParams iteration,
      IterationResult result) {
    if (iteration.getType() != IterationType.MEASUREMENT || ++measured < iteration.getCount()) {
      return List.of();
    }
    handshake("ended", "end-read");
    try {
      recording.stop();
      recording.dump(dir.resolve("recording.jfr"));
      recording.close();
    } catch (IOException e) {
      throw new UncheckedIOException("the recording could not be written to " + dir, e);
    }
    return List.of();
  }

  private void handshake(String mark, String answer) {
    try {
      Files.writeString(dir.resolve(mark), String.valueOf(System.currentTimeMillis()));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      while (!Files.exists(dir.resolve(answer)) && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the mark " + mark + " could not be written to " + dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

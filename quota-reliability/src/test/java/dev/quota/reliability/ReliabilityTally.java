package dev.quota.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The suite's figures, added up by the tests of one JVM and printed once at the end of the run by
 * {@link ReliabilitySummary}: operations under multi-instance load, random sequences compared with the
 * reference model, faults injected, bad inputs tried, and invariant violations.
 *
 * <p>A violation is recorded (with what was violated) before the test that found it fails, so that the summary
 * line shows it even though the test's own assertion is what fails the build.
 */
public final class ReliabilityTally {
  private static final AtomicLong OPERATIONS = new AtomicLong();
  private static final AtomicLong SEQUENCES = new AtomicLong();
  private static final AtomicLong FAULTS = new AtomicLong();
  private static final AtomicLong BAD_INPUTS = new AtomicLong();
  private static final List<String> VIOLATIONS = new ArrayList<>();

  private ReliabilityTally() {}

  /** Counts guard and admin calls made while several instances shared one tenant. */
  public static void operations(long count) {
    OPERATIONS.addAndGet(count);
  }

  /** Counts one random operation sequence that ran against both stores and agreed or was reported. */
  public static void sequence() {
    SEQUENCES.incrementAndGet();
  }

  /** Counts one injected fault. */
  public static void fault() {
    FAULTS.incrementAndGet();
  }

  /** Counts one bad input tried against the guard or the admin. */
  public static void badInput() {
    BAD_INPUTS.incrementAndGet();
  }

  /**
   * Records a violated invariant.
   *
   * @param what the invariant and the values that broke it
   */
  public static void violation(String what) {
    synchronized (VIOLATIONS) {
      VIOLATIONS.add(what);
    }
  }

  /** @return the violations recorded so far */
  public static List<String> violations() {
    synchronized (VIOLATIONS) {
      return List.copyOf(VIOLATIONS);
    }
  }



  /** @return the summary line, exactly {@code RELIABILITY ops=N sequences=N faults=N badInputs=N violations=N} */
  public static String summaryLine() {
    return "RELIABILITY ops=" + OPERATIONS.get() + " sequences=" + SEQUENCES.get() + " faults=" + FAULTS.get()
        + " badInputs=" + BAD_INPUTS.get() + " violations=" + violations().size();
  }
}

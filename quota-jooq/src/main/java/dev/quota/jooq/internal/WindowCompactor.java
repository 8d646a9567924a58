package dev.quota.jooq.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the counters of short windows bounded without a scheduled job: when a write starts a new window (it had to
 * create the window's counter row), the counters of windows that ended more than {@link #KEEP} before it are deleted,
 * at most {@link #BATCH} at a time and at most once a minute of the windows' time per store. A deployment that writes
 * keeps its ended windows to a day or so; an ended window cannot change a decision any more, and period counters are
 * never deleted, so {@code verify} keeps its meaning for every period.
 */
public final class WindowCompactor {
  /**
   * How long ended windows are kept: a day, so that yesterday's DAY window, and any window a hold of a late commit was
   * taken in (reservations live minutes), are still there for {@code verify} and for the commit.
   */
  public static final Duration KEEP = Duration.ofDays(1);
  /** The most counters deleted at once: one statement of bounded cost on the writing thread. */
  public static final int BATCH = 1_000;
  private static final long EVERY_SECONDS = 60;
  private static final Logger LOG = LoggerFactory.getLogger(WindowCompactor.class);

  /** What deletes ended windows: {@code MaintenanceStore.compactWindows}. */
  @FunctionalInterface
  public interface Compaction {
    /**
     * @param endedBefore windows that ended before it go
     * @param max the most deleted
     * @return how many were deleted
     */
    int compact(Instant endedBefore, int max);
  }

  private final Compaction compaction;
  /** The epoch second of the window start that last ran a compaction. */
  private final AtomicLong lastRun = new AtomicLong(Long.MIN_VALUE / 2);

  /** @param compaction what deletes ended windows */
  public WindowCompactor(Compaction compaction) {
    this.compaction = compaction;
  }

  /**
   * Notes that a write created the counter of a window starting at an instant, and compacts if it is time to.
   *
   * @param windowStart the new window's start
   * @return how many counters were deleted (0 when it was not time, or compaction failed: a write never fails for it)
   */
  public int windowStarted(Instant windowStart) {
    long start = windowStart.getEpochSecond();
    long last = lastRun.get();
    if (start < last + EVERY_SECONDS || !lastRun.compareAndSet(last, start)) {
      return 0;
    }
    try {
      return compaction.compact(windowStart.minus(KEEP), BATCH);
    } catch (RuntimeException e) {
      // The write that started the window succeeded; its counters are left for the next window to compact.
      LOG.warn("compacting short windows that ended before {} failed; trying again at a later window: {}",
          windowStart.minus(KEEP), e.toString());
      return 0;
    }
  }
}

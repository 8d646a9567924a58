package dev.quota.admin.web.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts changes in fixed windows, per actor and overall. Forgets every count when a window ends, so its memory is
 * bounded by the actors of one window.
 */
final class RateLimiter {
  private final int perActor;
  private final int overall;
  private final long windowMillis;
  private final Map<String, Integer> counts = new HashMap<>();
  private long window = Long.MIN_VALUE;
  private int total;

  RateLimiter(int perActor, int overall, Duration window) {
    this.perActor = perActor;
    this.overall = overall;
    this.windowMillis = window.toMillis();
  }

  /**
   * Takes one change from the actor's allowance and the overall one, or refuses.
   *
   * @param actor who changes
   * @param now the time
   * @return 0 if permitted, else the seconds until the window ends (at least 1)
   */
  synchronized long tryAcquire(String actor, Instant now) {
    long millis = now.toEpochMilli();
    long current = Math.floorDiv(millis, windowMillis);
    if (current != window) {
      window = current;
      counts.clear();
      total = 0;
    }
    int used = counts.getOrDefault(actor, 0);
    if (used >= perActor || total >= overall) {
      long left = (current + 1) * windowMillis - millis;
      return Math.max(1, (left + 999) / 1000);
    }
    counts.put(actor, used + 1);
    total++;
    return 0;
  }
}

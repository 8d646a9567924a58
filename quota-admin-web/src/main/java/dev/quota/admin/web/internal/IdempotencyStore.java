package dev.quota.admin.web.internal;

import dev.quota.admin.web.ConsoleResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The answers to changes made with an {@code Idempotency-Key}, by actor and key, in this process's memory: bounded
 * (the oldest forgotten first) and expiring. A key is reserved while its change runs, so a concurrent repeat is told
 * so instead of writing twice.
 */
final class IdempotencyStore {
  /** What a key's look-up found. */
  sealed interface Lookup {}

  /** The key is new and now reserved: make the change, then {@link #complete} or {@link #abandon}. */
  record Fresh() implements Lookup {}

  /**
   * The key was used for the same request: answer as then.
   *
   * @param response the first answer
   */
  record Replay(ConsoleResponse response) implements Lookup {}

  /** The key's first request is still running. */
  record InProgress() implements Lookup {}

  /** The key was used for another request. */
  record Mismatch() implements Lookup {}

  private record Entry(String fingerprint, @Nullable ConsoleResponse response, Instant expiresAt) {}

  private final int capacity;
  private final Duration retention;
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

  IdempotencyStore(int capacity, Duration retention) {
    this.capacity = capacity;
    this.retention = retention;
  }

  synchronized Lookup begin(String key, String fingerprint, Instant now) {
    expire(now);
    Entry entry = entries.get(key);
    if (entry == null) {
      entries.put(key, new Entry(fingerprint, null, now.plus(retention)));
      while (entries.size() > capacity) {
        Iterator<Map.Entry<String, Entry>> oldest = entries.entrySet().iterator();
        oldest.next();
        oldest.remove();
      }
      return new Fresh();
    }
    if (!entry.fingerprint().equals(fingerprint)) {
      return new Mismatch();
    }
    ConsoleResponse response = entry.response();
    return response == null ? new InProgress() : new Replay(response);
  }

  synchronized void complete(String key, ConsoleResponse response) {
    Entry entry = entries.get(key);
    if (entry != null) {
      entries.put(key, new Entry(entry.fingerprint(), response, entry.expiresAt()));
    }
  }

  synchronized void abandon(String key) {
    Entry entry = entries.get(key);
    if (entry != null && entry.response() == null) {
      entries.remove(key);
    }
  }

  private void expire(Instant now) {
    Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
    while (it.hasNext()) {
      if (now.isBefore(it.next().getValue().expiresAt())) {
        return; // inserted in order, with one retention: the rest expire later
      }
      it.remove();
    }
  }
}

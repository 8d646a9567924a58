package dev.quota.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs a store outage once when it starts and once when it ends, not once per call. */
final class Outage {
  private static final Logger LOG = LoggerFactory.getLogger(Outage.class);

  private final AtomicBoolean down = new AtomicBoolean();

  void failed(RuntimeException cause, String policy) {
    if (down.compareAndSet(false, true)) {
      LOG.warn("quota store unavailable, applying failure policy {} until it answers again: {}", policy,
          cause.toString(), cause);
    }
  }

  void succeeded() {
    // A plain volatile read on the hot path; the CAS only runs on the first success after an outage.
    if (down.get() && down.compareAndSet(true, false)) {
      LOG.info("quota store available again");
    }
  }

  boolean isDown() {
    return down.get();
  }
}

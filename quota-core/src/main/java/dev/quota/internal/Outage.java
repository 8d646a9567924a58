package dev.quota.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs a store outage once when it starts and once when it ends, not once per call. */
final class Outage {
  private static final Logger LOG = LoggerFactory.getLogger(Outage.class);

  private volatile boolean down;

  void failed(RuntimeException cause, String policy) {
    if (down) {
      return;
    }
    // The change and its log line under one lock: with a bare compare-and-set, a thread that ended an outage
    // could write "available again" after another thread had already logged the next outage's start.
    synchronized (this) {
      if (!down) {
        down = true;
        LOG.warn("quota store unavailable, applying failure policy {} until it answers again: {}", policy,
            cause.toString(), cause);
      }
    }
  }

  void succeeded() {
    // A plain volatile read on the hot path; the lock is taken only on the first success after an outage.
    if (!down) {
      return;
    }
    synchronized (this) {
      if (down) {
        down = false;
        LOG.info("quota store available again");
      }
    }
  }

  boolean isDown() {
    return down;
  }
}

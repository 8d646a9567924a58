package dev.quota.jooq.internal;

import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * Hears the admin changes other store instances publish with {@code NOTIFY} and invalidates this instance's
 * cache. The implementation needs the PostgreSQL JDBC driver's own API; without the driver on the class path the
 * listener is disabled with one warning, and the cache's TTL alone bounds staleness.
 */
public interface ChangeListener extends AutoCloseable {
  /** @return whether the listener holds a connection that is listening right now */
  boolean isListening();

  @Override
  void close();

  /**
   * Starts a listener if the driver's API is available.
   *
   * @param source where its dedicated connection comes from
   * @param channel the channel
   * @param onTenant called with each notified tenant id
   * @param onGap called when notifications may have been missed (after the connection was lost)
   * @param maxBackoff the longest wait between reconnection attempts
   * @return the running listener, or one that does nothing
   */
  static ChangeListener start(ConnectionSource source, String channel, Consumer<String> onTenant, Runnable onGap,
      Duration maxBackoff) {
    try {
      Class.forName("org.postgresql.PGConnection", false, ChangeListener.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      // Logged once per store built without the driver; an interface's fields would all be public constants.
      LoggerFactory.getLogger(ChangeListener.class).warn("the PostgreSQL JDBC driver (org.postgresql:postgresql) is not on the class path: cache "
          + "invalidation across instances is disabled, and cached states stay stale for up to the cache TTL");
      return disabled();
    }
    return PgChangeListener.start(source, channel, onTenant, onGap, maxBackoff);
  }

  /** @return a listener that listens to nothing */
  static ChangeListener disabled() {
    return new ChangeListener() {
      @Override
      public boolean isListening() {
        return false;
      }

      @Override
      public void close() {}
    };
  }
}

package dev.quota.jooq.internal;

import static org.jooq.impl.DSL.name;

import java.sql.Connection;
import java.time.Duration;
import java.util.function.Consumer;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener on pgjdbc: one daemon thread, one dedicated connection, {@code LISTEN} on the channel, and a poll
 * of {@link PGConnection#getNotifications(int)}. A lost connection is replaced with exponential backoff; since
 * notifications sent meanwhile are lost, every cached state is dropped when listening resumes. Only this class
 * touches the driver's API, so the driver stays an optional dependency.
 */
final class PgChangeListener implements ChangeListener, Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeListener.class);
  private static final int POLL_MILLIS = 250;
  private static final long MIN_BACKOFF_MILLIS = 50;

  private final ConnectionSource source;
  private final String channel;
  private final Consumer<String> onTenant;
  private final Runnable onGap;
  private final long maxBackoffMillis;
  private final Thread thread;
  private volatile boolean closed;
  private volatile boolean listening;

  private PgChangeListener(ConnectionSource source, String channel, Consumer<String> onTenant, Runnable onGap,
      Duration maxBackoff) {
    this.source = source;
    this.channel = channel;
    this.onTenant = onTenant;
    this.onGap = onGap;
    this.maxBackoffMillis = Math.max(MIN_BACKOFF_MILLIS, maxBackoff.toMillis());
    this.thread = new Thread(this, "quota-change-listener[" + channel + "]");
    this.thread.setDaemon(true);
  }

  static PgChangeListener start(ConnectionSource source, String channel, Consumer<String> onTenant, Runnable onGap,
      Duration maxBackoff) {
    PgChangeListener listener = new PgChangeListener(source, channel, onTenant, onGap, maxBackoff);
    listener.thread.start();
    return listener;
  }

  @Override
  public void run() {
    long backoff = MIN_BACKOFF_MILLIS;
    boolean everListened = false;
    boolean down = false;
    while (!closed) {
      Connection connection = null;
      try {
        connection = source.acquire();
        connection.setAutoCommit(true);
        DSL.using(connection, SQLDialect.POSTGRES).query("LISTEN {0}", name(channel)).execute();
        PGConnection pg = connection.unwrap(PGConnection.class);
        listening = true;
        if (everListened) {
          onGap.run(); // whatever was notified while we were away is lost
        }
        if (down) {
          LOG.info("quota change listener on channel '{}' is listening again", channel);
          down = false;
        }
        everListened = true;
        backoff = MIN_BACKOFF_MILLIS;
        while (!closed) {
          PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
          if (notifications != null) {
            for (PGNotification n : notifications) {
              onTenant.accept(n.getParameter());
            }
          }
        }
      } catch (Exception | LinkageError e) {
        listening = false;
        if (closed) {
          break;
        }
        if (!down) {
          LOG.warn("quota change listener on channel '{}' lost its connection; retrying with backoff up to {} ms, "
              + "cached states are bounded by their TTL meanwhile: {}", channel, maxBackoffMillis, e.toString());
          down = true;
        }
      } finally {
        listening = false;
        if (connection != null) {
          try {
            source.release(connection);
          } catch (Exception ignored) {
            // a broken connection: the pool discards it
          }
        }
      }
      if (!closed) {
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        backoff = Math.min(backoff * 2, maxBackoffMillis);
      }
    }
  }

  @Override
  public boolean isListening() {
    return listening;
  }

  /**
   * Stops listening. Does not wait: the thread sees the flag at its next poll, within {@value #POLL_MILLIS} ms,
   * and then gives its connection back.
   */
  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}

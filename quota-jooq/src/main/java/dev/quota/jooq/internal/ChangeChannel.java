package dev.quota.jooq.internal;

import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.val;

import dev.quota.InvalidRequestException;
import dev.quota.TenantId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.time.Duration;
import java.util.HexFormat;
import org.jooq.ConnectionProvider;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The channel on which store instances tell each other of admin changes ({@code NOTIFY}, heard by the
 * {@link ChangeListener}): named after the schema, so that instances sharing a schema hear each other; the payload is
 * the tenant id.
 */
public final class ChangeChannel {
  private final String channel;

  /** @param schema the schema of quota's tables */
  public ChangeChannel(String schema) {
    this.channel = nameFor(schema);
  }

  /** @return the channel's name */
  public String name() {
    return channel;
  }

  /**
   * Starts listening on the channel: each notified tenant's cached states are dropped, and all of them when
   * notifications may have been missed (after the listener's connection was lost) or a payload is not a tenant id.
   *
   * @param connections where the listener's dedicated connection comes from
   * @param cache the cache to keep current
   * @param maxBackoff the longest wait between reconnection attempts
   * @return the running listener (one that does nothing if the driver's API is missing)
   */
  public ChangeListener listen(ConnectionProvider connections, StateCache cache, Duration maxBackoff) {
    ConnectionSource source = new ConnectionSource() {
      @Override
      public Connection acquire() {
        return connections.acquire();
      }

      @Override
      public void release(Connection connection) {
        connections.release(connection);
      }
    };
    return ChangeListener.start(source, channel, payload -> {
      try {
        cache.tenantChanged(TenantId.of(payload));
      } catch (InvalidRequestException e) {
        cache.invalidateAll(); // not ours to parse: be safe
      }
    }, cache::invalidateAll, maxBackoff);
  }

  /**
   * Queues a notification of a change of a tenant; PostgreSQL delivers it to every listener when the transaction
   * commits, and not at all if it rolls back.
   *
   * @param dsl the context of the change's transaction (or of a statement of its own)
   * @param tenant the tenant
   */
  public void notifyChange(DSLContext dsl, TenantId tenant) {
    dsl.select(function(DSL.name("pg_notify"), SQLDataType.OTHER, val(channel), val(tenant.value()))).fetch();
  }

  /** The schema's name after a prefix, or a digest of it when that would exceed PostgreSQL's 63 bytes. */
  private static String nameFor(String schema) {
    String channel = "quota_changes_" + schema;
    if (channel.length() <= 63) {
      return channel;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(schema.getBytes(StandardCharsets.UTF_8));
      return "quota_changes_" + HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

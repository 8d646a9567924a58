package dev.quota.jooq.internal;

import java.sql.Connection;
import java.sql.SQLException;

/** Where the change listener gets its dedicated connection from, and gives it back to. */
public interface ConnectionSource {
  /** @return a connection, held until {@link #release} */
  Connection acquire() throws SQLException;

  /** @param connection a connection from {@link #acquire} */
  void release(Connection connection) throws SQLException;
}

package dev.quota.cli;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Keeps the few connections a command opens and hands them out again, instead of connecting for every statement:
 * a command such as {@code simulate} or {@code verify} runs hundreds of statements, each of which would otherwise
 * pay for a new connection. No thread, no timer: nothing outlives the command, which closes them all at the end.
 *
 * <p>A connection given back is rolled back if a transaction was left open and put back in auto-commit mode, so the
 * next user finds it as a new one.
 */
final class ReusedConnections implements DataSource, AutoCloseable {
  /** The most idle connections kept; a command uses one at a time, or two. */
  static final int MAX_IDLE = 4;

  private final DataSource connect;
  private final Deque<Connection> idle = new ArrayDeque<>();
  private boolean closed;

  /** @param connect makes a new connection each time it is asked */
  ReusedConnections(DataSource connect) {
    this.connect = connect;
  }

  @Override
  public Connection getConnection() throws SQLException {
    Connection physical;
    synchronized (this) {
      if (closed) {
        throw new SQLException("the command has ended: its connections are closed", "08003");
      }
      physical = idle.pollFirst();
    }
    if (physical == null || physical.isClosed()) {
      physical = connect.getConnection();
    }
    return handOut(physical);
  }

  /** A view of the connection whose {@code close()} gives it back. */
  private Connection handOut(Connection physical) {
    boolean[] givenBack = {false};
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          switch (method.getName()) {
            case "close" -> {
              if (!givenBack[0]) {
                givenBack[0] = true;
                giveBack(physical);
              }
              return null;
            }
            case "isClosed" -> {
              return givenBack[0] || physical.isClosed();
            }
            case "toString" -> {
              return "reused " + physical;
            }
            default -> {
              if (givenBack[0]) {
                throw new SQLException("connection already given back", "08003");
              }
              try {
                return method.invoke(physical, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            }
          }
        });
  }

  private void giveBack(Connection physical) throws SQLException {
    if (physical.isClosed()) {
      return;
    }
    try {
      if (!physical.getAutoCommit()) {
        physical.rollback();
        physical.setAutoCommit(true);
      }
    } catch (SQLException broken) {
      physical.close();
      return;
    }
    synchronized (this) {
      if (!closed && idle.size() < MAX_IDLE) {
        idle.addFirst(physical);
        return;
      }
    }
    physical.close();
  }

  /** Closes the idle connections; those still handed out close when given back. */
  @Override
  public void close() {
    Deque<Connection> toClose;
    synchronized (this) {
      closed = true;
      toClose = new ArrayDeque<>(idle);
      idle.clear();
    }
    for (Connection connection : toClose) {
      try {
        connection.close();
      } catch (SQLException e) {
        // the command's outcome stands; the server ends the session when the process exits
      }
    }
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("credentials come with the JDBC URL or ~/.pgpass");
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return connect.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    connect.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    connect.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return connect.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return connect.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    return connect.unwrap(type);
  }

  @Override
  public boolean isWrapperFor(Class<?> type) throws SQLException {
    return type.isInstance(this) || connect.isWrapperFor(type);
  }
}

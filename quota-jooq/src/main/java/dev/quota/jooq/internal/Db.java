package dev.quota.jooq.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.impl.DefaultConnectionProvider;

/**
 * Runs the store's statements: single reads in auto-commit, everything else in explicit READ COMMITTED
 * transactions that commit, or roll back when the work asks for it or fails. Failures come out translated by
 * {@link Failures}; serialization failures and deadlocks are retried a few times first.
 */
public final class Db {
  private static final int MAX_TRANSACTION_ATTEMPTS = 5;

  private final DSLContext dsl;

  /** @param dsl the context with the store's dialect, settings and connection source */
  public Db(DSLContext dsl) {
    this.dsl = dsl;
  }

  /**
   * Cuts an instant to microseconds. PostgreSQL keeps microseconds: every instant is cut to them before it is bound,
   * so that comparisons in SQL and in Java agree.
   *
   * @param instant an instant
   * @return it, without its nanoseconds beyond the microsecond
   */
  public static Instant micros(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MICROS);
  }

  /** @return the context, for statements that need no transaction of their own */
  public DSLContext dsl() {
    return dsl;
  }

  /**
   * Runs one read statement (or a few that need no common snapshot) outside a transaction.
   *
   * @param work the statements
   * @param <T> the result type
   * @return what the work returned
   */
  public <T> T read(Function<DSLContext, T> work) {
    try {
      return work.apply(dsl);
    } catch (RuntimeException e) {
      throw Failures.translate(e);
    }
  }

  /** JDBC work on a connection of the store's. */
  @FunctionalInterface
  public interface JdbcWork<T> {
    /**
     * @param connection a connection, in auto-commit mode unless the host's pool hands out others
     * @return the result
     * @throws SQLException on a database failure
     */
    T run(Connection connection) throws SQLException;
  }

  /**
   * Runs one statement with plain JDBC, as its own transaction (auto-commit, or a commit after it when the
   * connection is not in auto-commit mode). Serialization failures and deadlocks are retried a few times;
   * other failures come out translated.
   *
   * @param work the statement
   * @param <T> the result type
   * @return what the work returned
   */
  public <T> T statement(JdbcWork<T> work) {
    for (int attempt = 1; ; attempt++) {
      try {
        return onConnection(work);
      } catch (SQLException e) {
        RuntimeException failure = new org.jooq.exception.DataAccessException("SQL [" + e.getMessage() + "]", e);
        if (attempt < MAX_TRANSACTION_ATTEMPTS && Failures.isRetryable(failure)) {
          continue;
        }
        throw Failures.translate(failure);
      } catch (RuntimeException e) {
        if (attempt < MAX_TRANSACTION_ATTEMPTS && Failures.isRetryable(e)) {
          continue;
        }
        throw Failures.translate(e);
      }
    }
  }

  private <T> T onConnection(JdbcWork<T> work) throws SQLException {
    org.jooq.ConnectionProvider provider = dsl.configuration().connectionProvider();
    Connection connection = provider.acquire();
    try {
      if (connection.getAutoCommit()) {
        return work.run(connection);
      }
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        try {
          connection.rollback();
        } catch (SQLException rollbackFailure) {
          e.addSuppressed(rollbackFailure);
        }
        throw e;
      }
    } finally {
      provider.release(connection);
    }
  }

  /**
   * Runs work in one transaction.
   *
   * @param work the statements; {@link Tx#rollbackOnly()} makes the transaction roll back while the work's
   *     result is still returned
   * @param <T> the result type
   * @return what the work returned
   */
  public <T> T transaction(Function<Tx, T> work) {
    for (int attempt = 1; ; attempt++) {
      try {
        return dsl.connectionResult(connection -> inTransaction(connection, work));
      } catch (RuntimeException e) {
        if (attempt < MAX_TRANSACTION_ATTEMPTS && Failures.isRetryable(e)) {
          continue;
        }
        throw Failures.translate(e);
      }
    }
  }

  private <T> T inTransaction(Connection connection, Function<Tx, T> work) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    if (autoCommit) {
      connection.setAutoCommit(false);
    }
    boolean ended = false;
    try {
      Tx tx = new Tx(dsl.configuration().derive(new DefaultConnectionProvider(connection)).dsl());
      T result = work.apply(tx);
      if (tx.rollback) {
        connection.rollback();
      } else {
        connection.commit();
      }
      ended = true;
      return result;
    } catch (RuntimeException | SQLException e) {
      try {
        connection.rollback();
      } catch (SQLException rollbackFailure) {
        e.addSuppressed(rollbackFailure);
      }
      ended = true;
      throw e;
    } finally {
      if (!ended) {
        try {
          connection.rollback();
        } catch (SQLException ignored) {
          // an Error is on its way out; the pool discards a broken connection
        }
      }
      if (autoCommit) {
        try {
          connection.setAutoCommit(true);
        } catch (SQLException ignored) {
          // the connection is broken; the pool will find out and discard it
        }
      }
    }
  }

  /** One transaction in progress. */
  public static final class Tx {
    private final DSLContext dsl;
    private boolean rollback;

    Tx(DSLContext dsl) {
      this.dsl = dsl;
    }

    /** @return the context bound to the transaction's connection */
    public DSLContext dsl() {
      return dsl;
    }

    /** Makes the transaction roll back instead of committing when the work returns. */
    public void rollbackOnly() {
      rollback = true;
    }
  }
}

package dev.quota.jooq.internal;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Param;
import org.jooq.QueryPart;
import org.jooq.impl.DSL;

/**
 * A jOOQ query rendered once, at start-up, and then executed many times with plain JDBC: the hot paths' way of
 * keeping jOOQ's type-safe construction (generated tables, the schema mapping) without paying for rendering and
 * result mapping on every call. The SQL text never changes, so the driver prepares it once per connection and
 * the server reuses its plan; every value travels as a bind value.
 *
 * <p>Parameters are jOOQ {@link Param}s made by {@link #param}, named {@code qp0}, {@code qp1}, ...; a parameter
 * may appear several times in the query. {@link #bind} takes the values in the order of the parameters.
 */
public final class RenderedQuery {
  private static final String PREFIX = "qp";

  private final String sql;
  private final int[] positions;
  private final int parameters;

  private RenderedQuery(String sql, int[] positions, int parameters) {
    this.sql = sql;
    this.positions = positions;
    this.parameters = parameters;
  }

  /**
   * Makes the {@code index}-th parameter of a query.
   *
   * @param index from 0, one per distinct value
   * @param type the Java type of the value
   * @param <T> the type
   * @return the parameter
   */
  public static <T> Param<T> param(int index, Class<T> type) {
    return DSL.param(PREFIX + index, type);
  }

  /**
   * Makes the {@code index}-th parameter of a query with a jOOQ data type (for arrays).
   *
   * @param index from 0, one per distinct value
   * @param type the data type
   * @param <T> the type
   * @return the parameter
   */
  public static <T> Param<T> param(int index, org.jooq.DataType<T> type) {
    return DSL.param(PREFIX + index, type);
  }

  /**
   * Renders a query with the context's settings (dialect, schema mapping).
   *
   * @param dsl the store's context
   * @param query the query, whose parameters come from {@link #param}
   * @param parameters how many distinct parameters it has
   * @return the rendered query
   */
  public static RenderedQuery render(DSLContext dsl, QueryPart query, int parameters) {
    String named = dsl.renderNamedParams(query);
    StringBuilder sql = new StringBuilder(named.length());
    List<Integer> positions = new ArrayList<>();
    int i = 0;
    while (i < named.length()) {
      char c = named.charAt(i);
      if (c == '"' || c == '\'') {
        // quoted identifiers and literals are copied as they are, so that nothing inside them is taken for a marker
        int end = i + 1;
        while (end < named.length()) {
          if (named.charAt(end) == c) {
            if (end + 1 < named.length() && named.charAt(end + 1) == c) {
              end += 2;
              continue;
            }
            break;
          }
          end++;
        }
        sql.append(named, i, Math.min(end + 1, named.length()));
        i = end + 1;
      } else if (c == ':' && named.startsWith(PREFIX, i + 1)) {
        int start = i + 1 + PREFIX.length();
        int end = start;
        while (end < named.length() && Character.isDigit(named.charAt(end))) {
          end++;
        }
        if (end == start) {
          sql.append(c);
          i++;
          continue;
        }
        int index = Integer.parseInt(named.substring(start, end));
        if (index >= parameters) {
          throw new IllegalStateException("parameter " + index + " beyond the declared " + parameters + " in " + named);
        }
        positions.add(index);
        sql.append('?');
        i = end;
      } else {
        sql.append(c);
        i++;
      }
    }
    int binds = dsl.extractBindValues(query).size();
    if (binds != positions.size()) {
      // a value that is not one of the numbered parameters would be bound by nobody: refuse at start-up
      throw new IllegalStateException("query has " + binds + " bind values but " + positions.size()
          + " numbered parameters: " + named);
    }
    return new RenderedQuery(sql.toString(), positions.stream().mapToInt(Integer::intValue).toArray(), parameters);
  }

  /** @return the SQL, with {@code ?} for each occurrence of a parameter */
  public String sql() {
    return sql;
  }

  /**
   * Prepares the statement on a connection and binds the values.
   *
   * @param connection the connection
   * @param values one per parameter, in the order of their indexes
   * @return the statement, for the caller to execute and close
   * @throws SQLException if the driver refuses
   */
  public PreparedStatement bind(Connection connection, Object... values) throws SQLException {
    if (values.length != parameters) {
      throw new IllegalArgumentException("expected " + parameters + " values, got " + values.length);
    }
    PreparedStatement statement = connection.prepareStatement(sql);
    try {
      for (int p = 0; p < positions.length; p++) {
        set(statement, p + 1, values[positions[p]]);
      }
      return statement;
    } catch (SQLException | RuntimeException e) {
      statement.close();
      throw e;
    }
  }

  private static void set(PreparedStatement statement, int index, Object value) throws SQLException {
    switch (value) {
      case null -> statement.setNull(index, Types.NULL);
      case String s -> statement.setString(index, s);
      case Long l -> statement.setLong(index, l);
      case Integer n -> statement.setInt(index, n);
      case Instant t -> statement.setObject(index, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
      case UUID u -> statement.setObject(index, u);
      case Array a -> statement.setArray(index, a);
      default -> throw new IllegalArgumentException("unsupported bind value type " + value.getClass().getName());
    }
  }
}

package dev.quota.jooq.internal;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Param;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.conf.ParamType;
import org.jooq.conf.SettingsTools;
import org.jooq.conf.StatementType;

/**
 * A jOOQ query rendered once, at start-up, and then run many times with JDBC: the hot paths' way of keeping jOOQ's
 * construction (generated tables, the schema mapping, the rules' functions) without rendering it on every call. The
 * SQL text never changes, so the driver prepares it once per connection and the server reuses its plan; every value
 * travels as a bind value, and rows come back as jOOQ records, read by field.
 *
 * <p>Nothing is parsed here: jOOQ renders the query with indexed markers ({@link ParamType#INDEXED}), and jOOQ also
 * tells which parameter each marker binds: {@link DSLContext#extractParams} names every parameter of the query by
 * its index in the order of binding. The query's parameters are made with {@link #parameter}, unnamed, and may appear
 * several times; each marker is matched, by identity, to one of the parameters declared to {@link #of}, which the
 * caller's values then fill in order. A query holding a value that is none of them is refused at start-up.
 */
public final class PreparedQuery {
  private final DSLContext dsl;
  private final String sql;
  private final int[] parameterOfMarker;
  private final int parameters;
  private final Field<?>[] fields;

  private PreparedQuery(DSLContext dsl, String sql, int[] parameterOfMarker, int parameters, Field<?>[] fields) {
    this.dsl = dsl;
    this.sql = sql;
    this.parameterOfMarker = parameterOfMarker;
    this.parameters = parameters;
    this.fields = fields;
  }

  /** The values of one run, made on its connection (which arrays need). */
  @FunctionalInterface
  public interface Values {
    /**
     * @param connection the connection the statement runs on
     * @return one value per declared parameter, in their order
     * @throws SQLException if an array cannot be made
     */
    Object[] on(Connection connection) throws SQLException;
  }

  /**
   * Makes a parameter for a query rendered by {@link #of}.
   *
   * @param type its data type
   * @param <T> the Java type of its values
   * @return an unnamed parameter without a value
   */
  public static <T> Param<T> parameter(org.jooq.DataType<T> type) {
    return org.jooq.impl.DSL.param(type);
  }

  /**
   * Renders a query with the context's dialect and schema mapping, always with bind values and indexed markers
   * whatever the context's own settings say.
   *
   * @param context the store's context
   * @param query the query
   * @param declared its parameters, made by {@link #parameter}, in the order in which {@link #fetch} takes values
   * @return the rendered query
   * @throws IllegalStateException if the query binds a value that is none of the declared parameters
   */
  public static PreparedQuery of(DSLContext context, ResultQuery<?> query, Param<?>... declared) {
    DSLContext dsl = context.configuration().derive(SettingsTools.clone(context.settings())
        .withParamType(ParamType.INDEXED).withStatementType(StatementType.PREPARED_STATEMENT)).dsl();
    // keyed by bind index (inlined values are numbered too, and bind nothing)
    Map<Integer, Param<?>> byIndex = new TreeMap<>();
    dsl.extractParams(query).forEach((index, param) -> {
      if (!index.chars().allMatch(Character::isDigit)) {
        throw new IllegalStateException("query has a named parameter '" + index + "'; make it with parameter()");
      }
      byIndex.put(Integer.parseInt(index), param);
    });
    List<Integer> order = new ArrayList<>();
    for (Param<?> param : byIndex.values()) {
      if (!param.isInline()) {
        order.add(indexOf(declared, param, query));
      }
    }
    int binds = dsl.extractBindValues(query).size();
    if (binds != order.size()) {
      throw new IllegalStateException("query binds " + binds + " values but has " + order.size() + " parameters: "
          + dsl.render(query));
    }
    return new PreparedQuery(dsl, dsl.render(query), order.stream().mapToInt(Integer::intValue).toArray(),
        declared.length, query.fields());
  }

  private static int indexOf(Param<?>[] declared, Param<?> param, ResultQuery<?> query) {
    for (int i = 0; i < declared.length; i++) {
      if (declared[i] == param) {
        return i;
      }
    }
    throw new IllegalStateException("query binds a value that is not one of its declared parameters: " + param
        + " in " + query);
  }

  /** @return the SQL, with {@code ?} for each occurrence of a parameter */
  public String sql() {
    return sql;
  }

  /**
   * Runs the query as one statement of its own (see {@link Db#statement}) and reads its rows.
   *
   * @param db the statements' runner
   * @param values the parameters' values
   * @return the rows, with the query's fields
   */
  public Result<Record> fetch(Db db, Values values) {
    return db.statement(connection -> {
      try (PreparedStatement statement = prepare(connection, values.on(connection));
          ResultSet rows = statement.executeQuery()) {
        return dsl.fetch(rows, fields);
      }
    });
  }

  private PreparedStatement prepare(Connection connection, Object[] values) throws SQLException {
    if (values.length != parameters) {
      throw new IllegalArgumentException("expected " + parameters + " values, got " + values.length);
    }
    PreparedStatement statement = connection.prepareStatement(sql);
    try {
      for (int marker = 0; marker < parameterOfMarker.length; marker++) {
        bind(statement, marker + 1, values[parameterOfMarker[marker]]);
      }
      return statement;
    } catch (SQLException | RuntimeException e) {
      statement.close();
      throw e;
    }
  }

  private static void bind(PreparedStatement statement, int marker, Object value) throws SQLException {
    switch (value) {
      case null -> statement.setNull(marker, Types.NULL);
      case String s -> statement.setString(marker, s);
      case Long l -> statement.setLong(marker, l);
      case Integer n -> statement.setInt(marker, n);
      case Boolean b -> statement.setBoolean(marker, b);
      case Instant t -> statement.setObject(marker, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
      case UUID u -> statement.setObject(marker, u);
      case Array a -> statement.setArray(marker, a);
      default -> throw new IllegalArgumentException("unsupported bind value type " + value.getClass().getName());
    }
  }
}

package dev.quota.jooq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.val;

import dev.quota.jooq.testsupport.PostgresDatabase;
import java.time.Instant;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Param;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.conf.ParamType;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A query rendered once binds each value where jOOQ put its parameter, however often and in whatever order. */
class PreparedQueryTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Field<String> FIRST = field(name("first"), SQLDataType.VARCHAR);
  private static final Field<String> SECOND = field(name("second"), SQLDataType.VARCHAR);
  private static final Field<String> THIRD = field(name("third"), SQLDataType.VARCHAR);
  private static final Field<Instant> WHEN = field(name("when"), SQLDataType.INSTANT);
  private static final Field<String> LABEL = field(name("label"), SQLDataType.VARCHAR);

  private final DSLContext dsl = DSL.using(DB.dataSource(), SQLDialect.POSTGRES);
  private final Db db = new Db(dsl);

  @Test
  void parametersUsedSeveralTimesAndOutOfTheirDeclaredOrderGetTheirOwnValues() {
    Param<String> a = PreparedQuery.parameter(SQLDataType.VARCHAR);
    Param<String> b = PreparedQuery.parameter(SQLDataType.VARCHAR);
    Param<Instant> at = PreparedQuery.parameter(SQLDataType.INSTANT);
    PreparedQuery query = PreparedQuery.of(dsl,
        select(b.as(FIRST), inline("constant").as(LABEL), a.as(SECOND), b.as(THIRD), at.as(WHEN)).where(a.ne(b)),
        a, b, at);
    Instant now = Instant.parse("2026-11-25T10:00:00.123456Z");

    Record row = query.fetch(db, connection -> new Object[] {"A", "B", now}).get(0);

    assertThat(row.get(FIRST)).isEqualTo("B");
    assertThat(row.get(SECOND)).isEqualTo("A");
    assertThat(row.get(THIRD)).isEqualTo("B");
    assertThat(row.get(LABEL)).isEqualTo("constant");
    assertThat(row.get(WHEN)).isEqualTo(now);
    assertThat(query.sql()).doesNotContain("'A'").contains("?");
  }

  @Test
  void theContextsOwnParameterSettingsDoNotInlineTheValues() {
    DSLContext inlining = DSL.using(DB.dataSource(), SQLDialect.POSTGRES,
        new Settings().withParamType(ParamType.INLINED));
    Param<String> a = PreparedQuery.parameter(SQLDataType.VARCHAR);
    PreparedQuery query = PreparedQuery.of(inlining, select(a.as(FIRST)), a);

    assertThat(query.sql()).contains("?");
    assertThat(query.fetch(new Db(inlining), connection -> new Object[] {"x"}).get(0).get(FIRST)).isEqualTo("x");
  }

  @Test
  void aValueThatIsNoneOfTheDeclaredParametersIsRefusedWhenRendered() {
    Param<String> a = PreparedQuery.parameter(SQLDataType.VARCHAR);

    assertThatThrownBy(() -> PreparedQuery.of(dsl, select(a.as(FIRST), val("stray").as(SECOND)), a))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("not one of its declared parameters");
  }

  @Test
  void aRunWithTooFewValuesIsRefused() {
    Param<String> a = PreparedQuery.parameter(SQLDataType.VARCHAR);
    Param<String> b = PreparedQuery.parameter(SQLDataType.VARCHAR);
    PreparedQuery query = PreparedQuery.of(dsl, select(a.as(FIRST), b.as(SECOND)), a, b);

    assertThatThrownBy(() -> query.fetch(db, connection -> new Object[] {"only one"}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 2 values");
  }
}

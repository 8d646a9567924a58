package dev.quota.jooq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.jooq.testsupport.PostgresDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The outcome codes of the batch functions and {@link BatchOutcome}, their one definition, agree: every outcome is
 * provoked from the functions as the database runs them, and the code each returns must decode to the constant it
 * means; the functions' source must hold no code the enum lacks.
 */
class BatchOutcomeTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final Instant START = Instant.parse("2026-11-01T00:00:00Z");
  private static final Instant END = Instant.parse("2026-12-01T00:00:00Z");
  private static final String METER = "ai-tokens";

  @Test
  void everyOutcomeOfTheConsumeBatchDecodesToTheConstantItMeans() throws SQLException {
    String tenant = newTenant();
    assertThat(consume(tenant, 0, "a", 5, 100)).isEqualTo(BatchOutcome.NO_COUNTER);
    counter(tenant, 0, null);
    assertThat(consume(tenant, 0, "a", 5, 100)).isEqualTo(BatchOutcome.WRITTEN);
    assertThat(consume(tenant, 0, "a", 5, 100)).isEqualTo(BatchOutcome.DUPLICATE);
    assertThat(consume(tenant, 0, "b", 96, 100)).isEqualTo(BatchOutcome.INSUFFICIENT);
    assertThat(consume(tenant, 7, "b", 1, 100)).isEqualTo(BatchOutcome.STALE);

    String withExpiredHold = newTenant();
    counter(withExpiredHold, 0, NOW.minusSeconds(1));
    assertThat(consume(withExpiredHold, 0, "a", 1, 100)).isEqualTo(BatchOutcome.SWEEP);
  }

  @Test
  void everyOutcomeOfTheAppendBatchDecodesToTheConstantItMeans() throws SQLException {
    String tenant = newTenant();
    assertThat(append(tenant, 0, "a", 5)).isEqualTo(BatchOutcome.NO_COUNTER);
    counter(tenant, 0, null);
    assertThat(append(tenant, 0, "a", 5)).isEqualTo(BatchOutcome.WRITTEN);
    assertThat(append(tenant, 0, "a", 5)).isEqualTo(BatchOutcome.DUPLICATE);
    assertThat(append(tenant, 7, "b", 1)).isEqualTo(BatchOutcome.STALE);
  }

  @Test
  void everyOutcomeOfTheReserveDecodesToTheConstantItMeans() throws SQLException {
    String tenant = newTenant();
    UUID id = UUID.randomUUID();
    assertThat(reserve(tenant, 0, id, 5, 100)).isEqualTo(BatchOutcome.NO_COUNTER);
    counter(tenant, 0, null);
    assertThat(reserve(tenant, 0, id, 5, 100)).isEqualTo(BatchOutcome.WRITTEN);
    assertThat(reserve(tenant, 0, id, 5, 100)).isEqualTo(BatchOutcome.DUPLICATE);
    assertThat(reserve(tenant, 0, UUID.randomUUID(), 96, 100)).isEqualTo(BatchOutcome.INSUFFICIENT);
    assertThat(reserve(tenant, 7, UUID.randomUUID(), 1, 100)).isEqualTo(BatchOutcome.STALE);

    String withExpiredHold = newTenant();
    counter(withExpiredHold, 0, NOW.minusSeconds(1));
    assertThat(reserve(withExpiredHold, 0, UUID.randomUUID(), 1, 100)).isEqualTo(BatchOutcome.SWEEP);
  }

  @Test
  void everyOutcomeOfTheCommitDecodesToTheConstantItMeans() throws SQLException {
    String tenant = newTenant();
    UUID id = UUID.randomUUID();
    assertThat(commit(tenant, 0, id, "a", 5)).isEqualTo(BatchOutcome.NO_COUNTER);
    counter(tenant, 0, null);
    assertThat(commit(tenant, 0, id, "a", 5)).isEqualTo(BatchOutcome.DECIDE_IN_TRANSACTION); // no such hold
    assertThat(reserve(tenant, 0, id, 10, 100)).isEqualTo(BatchOutcome.WRITTEN);
    assertThat(commit(tenant, 7, id, "a", 5)).isEqualTo(BatchOutcome.STALE);
    assertThat(commit(tenant, 0, id, "a", 5)).isEqualTo(BatchOutcome.WRITTEN);
    assertThat(commit(tenant, 0, id, "a", 5)).isEqualTo(BatchOutcome.DECIDE_IN_TRANSACTION); // ended
  }

  @Test
  void aBatchOfReservesOrCommitsIsDecidedInOrder() throws SQLException {
    String tenant = newTenant();
    counter(tenant, 0, null);
    UUID first = UUID.randomUUID();
    UUID second = UUID.randomUUID();
    // 60 fits, the same id again (10) is a duplicate, 50 more does not fit after the 60, 30 does
    assertThat(outcomes(reserveCall(tenant, new UUID[] {first, first, UUID.randomUUID(), second},
        new long[] {60, 10, 50, 30}, 100)))
        .containsExactly(BatchOutcome.WRITTEN, BatchOutcome.DUPLICATE, BatchOutcome.INSUFFICIENT,
            BatchOutcome.WRITTEN);
    // the first hold committed, then named again in the same batch: left to a transaction, nothing written for it
    assertThat(outcomes(commitCall(tenant, new UUID[] {first, first, second}, new String[] {"a", "b", "c"})))
        .containsExactly(BatchOutcome.WRITTEN, BatchOutcome.DECIDE_IN_TRANSACTION, BatchOutcome.WRITTEN);
    try (Connection c = DB.dataSource().getConnection(); PreparedStatement read = c.prepareStatement(
        "SELECT used, reserved FROM \"" + DB.schema() + "\".counter WHERE tenant_id = ?")) {
      read.setString(1, tenant);
      try (ResultSet rs = read.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong("used")).isEqualTo(2); // a and c, 1 each
        assertThat(rs.getLong("reserved")).isZero();
      }
    }
  }

  @Test
  void theFunctionsReturnExactlyTheCodesTheEnumDefines() throws SQLException {
    Set<Integer> returned = new TreeSet<>();
    try (Connection c = DB.dataSource().getConnection(); PreparedStatement source = c.prepareStatement(
        "SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            + "WHERE n.nspname = ? AND p.proname IN ('quota_consume_batch', 'quota_append_batch', 'quota_reserve', "
            + "'quota_commit')")) {
      source.setString(1, DB.schema());
      try (ResultSet rs = source.executeQuery()) {
        int functions = 0;
        while (rs.next()) {
          functions++;
          // a code is assigned to o_outcome (or to the outcome a request gets, in quota_commit), or returned in a row
          // of its own as the outcome column
          Matcher m = Pattern.compile("o_outcome := (\\d+)|SELECT 0, (\\d+)::smallint|v_outcomes\\[i\\] := (\\d+)")
              .matcher(rs.getString(1));
          while (m.find()) {
            String code = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            returned.add(Integer.parseInt(code));
          }
        }
        assertThat(functions).isEqualTo(4);
      }
    }
    assertThat(returned).containsExactlyInAnyOrderElementsOf(
        Arrays.stream(BatchOutcome.values()).map(BatchOutcome::code).collect(Collectors.toSet()));
  }

  @Test
  void aCodeNoConstantHasIsRefused() {
    assertThatThrownBy(() -> BatchOutcome.of(BatchOutcome.values().length))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("unknown batch outcome code");
  }

  // --- helpers ----------------------------------------------------------------------------------------------

  private static String newTenant() {
    return "outcome-" + UUID.randomUUID();
  }

  /** Creates the tenant's counter row of the month, with a version and the expiry of its earliest hold. */
  private static void counter(String tenant, long version, Instant nextHoldExpiry) throws SQLException {
    try (Connection c = DB.dataSource().getConnection(); PreparedStatement insert = c.prepareStatement(
        "INSERT INTO \"" + DB.schema() + "\".counter (tenant_id, meter, period_start, period_end, used, reserved, "
            + "version, next_hold_expiry) VALUES (?, ?, ?, ?, 0, 0, ?, ?)")) {
      insert.setString(1, tenant);
      insert.setString(2, METER);
      insert.setObject(3, utc(START));
      insert.setObject(4, utc(END));
      insert.setLong(5, version);
      insert.setObject(6, nextHoldExpiry == null ? null : utc(nextHoldExpiry));
      insert.executeUpdate();
    }
  }

  private static BatchOutcome consume(String tenant, long version, String key, long amount, long ceiling)
      throws SQLException {
    try (Connection c = DB.dataSource().getConnection(); PreparedStatement call = c.prepareStatement(
        "SELECT o_outcome FROM \"" + DB.schema() + "\".quota_consume_batch(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      call.setString(1, tenant);
      call.setString(2, METER);
      call.setObject(3, utc(START));
      call.setObject(4, utc(END));
      call.setLong(5, version);
      call.setObject(6, utc(NOW));
      call.setArray(7, c.createArrayOf("varchar", new String[] {key}));
      call.setArray(8, c.createArrayOf("int8", new Long[] {amount}));
      call.setArray(9, c.createArrayOf("int8", new Long[] {ceiling}));
      call.setArray(10, c.createArrayOf("text", new String[] {NOW.toString()}));
      call.setArray(11, c.createArrayOf("text", new String[] {null}));
      return onlyOutcome(call);
    }
  }

  private static BatchOutcome append(String tenant, long version, String key, long amount) throws SQLException {
    try (Connection c = DB.dataSource().getConnection(); PreparedStatement call = c.prepareStatement(
        "SELECT o_outcome FROM \"" + DB.schema() + "\".quota_append_batch(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      call.setArray(1, c.createArrayOf("varchar", new String[] {tenant}));
      call.setArray(2, c.createArrayOf("varchar", new String[] {METER}));
      call.setArray(3, c.createArrayOf("varchar", new String[] {key}));
      call.setArray(4, c.createArrayOf("int8", new Long[] {amount}));
      call.setArray(5, c.createArrayOf("text", new String[] {NOW.toString()}));
      call.setArray(6, c.createArrayOf("text", new String[] {START.toString()}));
      call.setArray(7, c.createArrayOf("text", new String[] {END.toString()}));
      call.setArray(8, c.createArrayOf("text", new String[] {null}));
      call.setArray(9, c.createArrayOf("int8", new Long[] {version}));
      call.setObject(10, utc(NOW));
      return onlyOutcome(call);
    }
  }

  private static List<BatchOutcome> outcomes(String[] call) throws SQLException {
    List<BatchOutcome> outcomes = new ArrayList<>();
    try (Connection c = DB.dataSource().getConnection(); java.sql.Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(call[0])) {
      while (rs.next()) {
        outcomes.add(BatchOutcome.of(rs.getShort("o_outcome")));
      }
    }
    return outcomes;
  }

  /** A call of quota_reserve for several holds of one amount each, as SQL. */
  private static String[] reserveCall(String tenant, UUID[] ids, long[] amounts, long ceiling) {
    List<String> ceilings = new ArrayList<>();
    List<String> times = new ArrayList<>();
    List<String> expiries = new ArrayList<>();
    for (int i = 0; i < ids.length; i++) {
      ceilings.add(String.valueOf(ceiling));
      times.add(NOW.toString());
      expiries.add(NOW.plusSeconds(60).toString());
    }
    return new String[] {"SELECT o_outcome FROM \"" + DB.schema() + "\".quota_reserve('" + tenant + "', '" + METER
        + "', '" + START + "', '" + END + "', 0, '" + NOW + "', ARRAY[" + quoted(Arrays.stream(ids)
        .map(UUID::toString).toList()) + "]::uuid[], ARRAY" + Arrays.toString(amounts) + "::bigint[], ARRAY"
        + ceilings + "::bigint[], ARRAY[" + quoted(times) + "], ARRAY[" + quoted(expiries) + "]) ORDER BY o_index"};
  }

  /** A call of quota_commit of several holds, 1 unit each, as SQL. */
  private static String[] commitCall(String tenant, UUID[] ids, String[] keys) {
    List<String> amounts = new ArrayList<>();
    List<String> times = new ArrayList<>();
    for (int i = 0; i < ids.length; i++) {
      amounts.add("1");
      times.add(NOW.toString());
    }
    return new String[] {"SELECT o_outcome FROM \"" + DB.schema() + "\".quota_commit('" + tenant + "', '" + METER
        + "', '" + START + "', '" + END + "', 0, '" + NOW + "', ARRAY[" + quoted(Arrays.stream(ids)
        .map(UUID::toString).toList()) + "]::uuid[], ARRAY[" + quoted(Arrays.asList(keys)) + "]::varchar[], ARRAY"
        + amounts + "::bigint[], ARRAY[" + quoted(times) + "], array_fill(NULL::text, ARRAY[" + ids.length + "]))"
        + " ORDER BY o_index"};
  }

  private static String quoted(List<String> values) {
    return String.join(", ", values.stream().map(v -> "'" + v + "'").toList());
  }

  private static BatchOutcome reserve(String tenant, long version, UUID id, long amount, long ceiling)
      throws SQLException {
    try (Connection c = DB.dataSource().getConnection(); PreparedStatement call = c.prepareStatement(
        "SELECT o_outcome FROM \"" + DB.schema() + "\".quota_reserve(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      call.setString(1, tenant);
      call.setString(2, METER);
      call.setObject(3, utc(START));
      call.setObject(4, utc(END));
      call.setLong(5, version);
      call.setObject(6, utc(NOW));
      call.setArray(7, c.createArrayOf("uuid", new String[] {id.toString()}));
      call.setArray(8, c.createArrayOf("int8", new Long[] {amount}));
      call.setArray(9, c.createArrayOf("int8", new Long[] {ceiling}));
      call.setArray(10, c.createArrayOf("text", new String[] {NOW.toString()}));
      call.setArray(11, c.createArrayOf("text", new String[] {NOW.plusSeconds(60).toString()}));
      return onlyOutcome(call);
    }
  }

  private static BatchOutcome commit(String tenant, long version, UUID id, String key, long amount)
      throws SQLException {
    try (Connection c = DB.dataSource().getConnection(); PreparedStatement call = c.prepareStatement(
        "SELECT o_outcome FROM \"" + DB.schema() + "\".quota_commit(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      call.setString(1, tenant);
      call.setString(2, METER);
      call.setObject(3, utc(START));
      call.setObject(4, utc(END));
      call.setLong(5, version);
      call.setObject(6, utc(NOW));
      call.setArray(7, c.createArrayOf("uuid", new String[] {id.toString()}));
      call.setArray(8, c.createArrayOf("varchar", new String[] {key}));
      call.setArray(9, c.createArrayOf("int8", new Long[] {amount}));
      call.setArray(10, c.createArrayOf("text", new String[] {NOW.toString()}));
      call.setArray(11, c.createArrayOf("text", new String[] {null}));
      return onlyOutcome(call);
    }
  }

  private static BatchOutcome onlyOutcome(PreparedStatement call) throws SQLException {
    try (ResultSet rs = call.executeQuery()) {
      assertThat(rs.next()).isTrue();
      BatchOutcome outcome = BatchOutcome.of(rs.getShort("o_outcome"));
      assertThat(rs.next()).as("one request, one row").isFalse();
      return outcome;
    }
  }

  private static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}

package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.jooq.internal.SchemaCheck;
import dev.quota.jooq.testsupport.PostgresDatabase;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Building the store fails fast on a schema without quota's tables or functions, saying what to run; a database
 * that does not answer is left to the failure policy.
 */
class SchemaCheckTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  @Test
  void aSchemaWithoutTablesFailsTheBuildSayingWhatToRun() throws SQLException {
    String schema = DB.schema() + "_empty";
    DB.execute("CREATE SCHEMA \"" + schema + "\"");
    try {
      assertThatThrownBy(() -> PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(schema).build())
          .isInstanceOfSatisfying(QuotaSchemaException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("schema " + schema + " has no quota tables: run 'quota --schema "
                + schema + " migrate', call PostgresQuotaStore.createSchema(dataSource, \"" + schema + "\"), or "
                + "migrate with Flyway (location classpath:db/quota, schema " + schema + ")");
            assertThat(e.schema()).isEqualTo(schema);
            assertThat(e.missing()).containsAll(SchemaCheck.TABLES);
          });
    } finally {
      DB.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    }
  }

  @Test
  void aSchemaThatDoesNotExistFailsTheSameWay() {
    String schema = DB.schema() + "_nowhere";

    assertThatThrownBy(() -> PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(schema).build())
        .isInstanceOf(QuotaSchemaException.class)
        .hasMessageStartingWith("schema " + schema + " has no quota tables: run 'quota --schema " + schema
            + " migrate'");
  }

  /**
   * A schema at version 3 with a hold opened by the previous release's statements (as rows) is upgraded in place by
   * Flyway to V6, and the store then commits that hold in one statement.
   */
  @Test
  void aSchemaAtVersion3IsUpgradedInPlaceAndItsOpenHoldsCommit() throws SQLException {
    String schema = DB.schema() + "_v3";
    try {
      Flyway.configure().dataSource(DB.dataSource()).schemas(schema).createSchemas(true)
          .locations(PostgresQuotaStore.MIGRATION_LOCATION).target("3").load().migrate();
      java.time.Instant now = java.time.Instant.parse("2026-11-25T10:00:00Z");
      String q = "\"" + schema + "\".";
      java.util.UUID id = java.util.UUID.randomUUID();
      DB.execute("INSERT INTO " + q + "tenant (tenant_id, tier, version) VALUES ('old', 'pro', 0)");
      DB.execute("INSERT INTO " + q + "counter (tenant_id, meter, period_start, period_end, used, reserved, version, "
          + "next_hold_expiry) VALUES ('old', 'ai-tokens', '2026-11-01Z', '2026-12-01Z', 0, 10, 0, '2026-11-25T11:00:00Z')");
      DB.execute("INSERT INTO " + q + "reservation (tenant_id, reservation_id, meter, amount, period_start, period_end, "
          + "created_at, expires_at, state, counted) VALUES ('old', '" + id + "', 'ai-tokens', 10, '2026-11-01Z', "
          + "'2026-12-01Z', '2026-11-25T10:00:00Z', '2026-11-25T11:00:00Z', 'OPEN', true)");

      Flyway.configure().dataSource(DB.dataSource()).schemas(schema)
          .locations(PostgresQuotaStore.MIGRATION_LOCATION).load().migrate();

      try (PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(schema)
          .strict().build()) {
        dev.quota.Quota quota = dev.quota.Quota.builder().store(store)
            .clock(java.time.Clock.fixed(now, java.time.ZoneOffset.UTC)).build();
        dev.quota.TenantId old = dev.quota.TenantId.of("old");
        dev.quota.RecordResult committed = quota.guard().commit(old, new dev.quota.ReservationId(id),
            dev.quota.Meter.AI_TOKENS, 7, dev.quota.UsageKey.of("after-upgrade"));
        assertThat(committed.duplicate()).isFalse();
        dev.quota.UsageReport usage = quota.guard().usage(old);
        assertThat(usage.used()).isEqualTo(7);
        assertThat(usage.reserved()).isZero();
        assertThat(quota.admin().verify(old).consistent()).isTrue();
      }
    } finally {
      DB.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    }
  }

  @Test
  void aSchemaMigratedByAnOlderVersionNamesWhatItLacks() throws SQLException {
    String schema = DB.schema() + "_v1";
    try {
      Flyway.configure().dataSource(DB.dataSource()).schemas(schema).createSchemas(true)
          .locations(PostgresQuotaStore.MIGRATION_LOCATION).target("1").load().migrate();

      assertThatThrownBy(() -> PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(schema).build())
          .isInstanceOfSatisfying(QuotaSchemaException.class, e -> {
            assertThat(e.missing()).containsExactly("block_mark", "notification", "notification_delivery",
                "reservation_hold", "service_record", "usage_rollup", "usage_archive_history", "usage_ledger_history",
                "entitlement_rollover_once",
                "quota_append_batch()",
                "quota_commit()", "quota_consume_batch()", "quota_expired()", "quota_expired_holds()", "quota_fits()",
                "quota_next_hold_expiry()", "quota_path_commit()", "quota_path_consume_batch()",
                "quota_path_write()", "quota_reserve()");
            assertThat(e.getMessage()).startsWith("schema " + schema + " lacks part of quota's tables and functions "
                + "(block_mark, notification, notification_delivery, reservation_hold, service_record, usage_rollup, ")
                .contains("its migration scripts are not all applied; run 'quota --schema " + schema + " migrate'");
          });

      PostgresQuotaStore.createSchema(DB.dataSource(), schema);
      PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(schema).build().close();
    } finally {
      DB.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    }
  }

  @Test
  void aDroppedTableIsNamed() throws SQLException {
    String schema = DB.schema() + "_part";
    try {
      PostgresQuotaStore.createSchema(DB.dataSource(), schema);
      DB.execute("DROP TABLE \"" + schema + "\".alert_mark");

      assertThatThrownBy(() -> PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(schema).build())
          .isInstanceOfSatisfying(QuotaSchemaException.class,
              e -> assertThat(e.missing()).containsExactly("alert_mark"));
    } finally {
      DB.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    }
  }

  @Test
  void theFunctionsCheckedAreThoseTheScriptsCreate() {
    List<String> created = new ArrayList<>(DSL.using(DB.dataSource(), SQLDialect.POSTGRES)
        .resultQuery("SELECT p.proname FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n "
            + "ON n.oid = p.pronamespace WHERE n.nspname = ? ORDER BY p.proname", DB.schema())
        .fetch().getValues(0, String.class));

    assertThat(created).containsExactlyElementsOf(SchemaCheck.FUNCTIONS);
    assertThat(SchemaCheck.missing(DSL.using(DB.dataSource(), SQLDialect.POSTGRES), DB.schema())).isEmpty();
  }

  @Test
  void aDatabaseThatDoesNotAnswerDoesNotStopTheBuild() {
    DataSource nowhere = (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(),
        new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
          return switch (method.getName()) {
            case "getConnection" -> throw new SQLException("Connection to 127.0.0.1:1 refused", "08001");
            case "toString" -> "a database that does not answer";
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> throw new UnsupportedOperationException(method.getName());
          };
        });

    try (PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(nowhere).strict()
        .listenForChanges(false).build()) {
      assertThat(store.schema()).isEqualTo("quota");
    }
  }

  @Test
  void theExceptionNamesWhatIsMissing() {
    assertThatThrownBy(() -> new QuotaSchemaException("quota", List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(QuotaSchemaException.withoutTables("billing").getMessage())
        .startsWith("schema billing has no quota tables: run 'quota --schema billing migrate'");
  }

  @Test
  void theProblemIsTheMessageWithoutTheFixesForToolsThatOfferTheirOwn() {
    QuotaSchemaException none = QuotaSchemaException.withoutTables("billing");
    assertThat(none.problem()).isEqualTo("schema billing has no quota tables");
    assertThat(none.getMessage()).startsWith(none.problem() + ": ");
    QuotaSchemaException part = new QuotaSchemaException("billing", List.of("alert_mark"));
    assertThat(part.getMessage()).startsWith(part.problem() + "; run 'quota --schema billing migrate'");
  }
}

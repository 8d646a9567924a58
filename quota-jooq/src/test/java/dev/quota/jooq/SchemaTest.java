package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.HistoryGranularity;
import dev.quota.alert.DeliveryState;
import dev.quota.jooq.internal.Migrations;
import dev.quota.jooq.internal.SchemaCheck;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.testkit.TestClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The schema: shipped scripts, one-call creation, and the append-only audit log. */
class SchemaTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  @Test
  void theScriptListNamesEveryMigrationInTheFolder() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("src/main/resources", Migrations.LOCATION))) {
      // in version order, as Flyway runs them (V11 after V9, which a sort of the names would not give)
      assertThat(files.map(p -> p.getFileName().toString())
          .sorted(Comparator.comparingInt(name -> Integer.parseInt(name.substring(1, name.indexOf("__"))))))
          .containsExactlyElementsOf(Migrations.SCRIPTS);
    }
  }

  @Test
  void createSchemaCreatesTheTablesOnceAndTheStoreWorksOnThem() throws SQLException {
    String schema = DB.schema() + "_made";
    try {
      assertThat(PostgresQuotaStore.createSchema(DB.dataSource(), schema)).isTrue();
      assertThat(PostgresQuotaStore.createSchema(DB.dataSource(), schema)).isFalse();

      try (PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(schema).build()) {
        Quota quota = Quota.builder().store(store).clock(TestClock.at("2026-11-25T10:00:00Z")).build();
        TenantId tenant = TenantId.of("made");
        assertThat(quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 10, UsageKey.of("k")).allowed()).isTrue();
        assertThat(quota.guard().usage(tenant).used()).isEqualTo(10);
      }
    } finally {
      DB.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    }
  }

  @Test
  void createSchemaUpgradesASchemaMadeWithTheFirstScriptOnly() throws SQLException {
    String schema = DB.schema() + "_old";
    try {
      Flyway.configure().dataSource(DB.dataSource()).schemas(schema).createSchemas(true)
          .locations(PostgresQuotaStore.MIGRATION_LOCATION).target("1").load().migrate();

      assertThat(PostgresQuotaStore.createSchema(DB.dataSource(), schema)).as("the later scripts ran").isTrue();
      assertThat(PostgresQuotaStore.createSchema(DB.dataSource(), schema)).as("then it is up to date").isFalse();

      try (PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(schema).build()) {
        Quota quota = Quota.builder().store(store).clock(TestClock.at("2026-11-25T10:00:00Z")).build();
        TenantId tenant = TenantId.of("upgraded");
        assertThat(quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 10, UsageKey.of("k")).allowed()).isTrue();
        assertThat(quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 5, UsageKey.of("r"))).duplicate())
            .isFalse();
        assertThat(quota.guard().usage(tenant).used()).isEqualTo(15);
      }
    } finally {
      DB.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    }
  }

  @Test
  void flywayAddsTheOutboxToASchemaOfThePreviousReleaseKeepingItsAlertMarks() throws SQLException {
    String schema = DB.schema() + "_v3";
    try {
      Flyway.configure().dataSource(DB.dataSource()).schemas(schema).createSchemas(true)
          .locations(PostgresQuotaStore.MIGRATION_LOCATION).target("3").load().migrate();
      DB.execute("INSERT INTO \"" + schema + "\".alert_mark VALUES ('fired', 'ai-tokens', "
          + "'2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', 80)");

      assertThat(Flyway.configure().dataSource(DB.dataSource()).schemas(schema)
          .locations(PostgresQuotaStore.MIGRATION_LOCATION).load().migrate().migrationsExecuted)
          .as("V5, V6, V7, V8, V9, V11, V12, V13 and V14 ran").isEqualTo(9);

      try (PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(schema).build()) {
        List<String> heard = new ArrayList<>();
        Quota quota = Quota.builder().store(store).clock(TestClock.at("2026-11-25T10:00:00Z"))
            .alertListener(alert -> heard.add(alert.tenant().value())).dispatchManually().build();
        quota.guard().record(UsageEvent.of(TenantId.of("fired"), Meter.AI_TOKENS, 85_000, UsageKey.of("k")));
        quota.guard().record(UsageEvent.of(TenantId.of("fresh"), Meter.AI_TOKENS, 85_000, UsageKey.of("k")));
        quota.dispatcher().orElseThrow().runOnce();

        assertThat(quota.outbox().deliveries(DeliveryState.DELIVERED, 10))
            .as("the mark kept from before the upgrade fires nothing again")
            .extracting(d -> d.notification().tenant().value()).containsExactly("fresh");
        assertThat(heard).containsExactly("fresh");
      }
    } finally {
      DB.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    }
  }

  @Test
  void flywayUpgradesASchemaOfTheSeventhScriptInPlaceAndItsUsageHasAHistory() throws SQLException {
    String schema = DB.schema() + "_v7";
    try {
      Flyway.configure().dataSource(DB.dataSource()).schemas(schema).createSchemas(true)
          .locations(PostgresQuotaStore.MIGRATION_LOCATION).target("7").load().migrate();
      DB.execute("INSERT INTO \"" + schema + "\".usage_ledger (tenant_id, meter, usage_key, amount, occurred_at, "
          + "period_start, period_end) VALUES ('before-upgrade', 'ai-tokens', 'k', 42, '2026-11-24T12:00:00Z', "
          + "'2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z')");
      assertThatThrownBy(() -> PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(schema).build())
          .isInstanceOfSatisfying(QuotaSchemaException.class,
              e -> assertThat(e.missing()).containsExactly("reservation_hold", "usage_rollup", "usage_archive_history",
                  "usage_ledger_history", "entitlement_rollover_once", "quota_path_commit()", "quota_path_consume_batch()",
                  "quota_path_write()"));

      Flyway.configure().dataSource(DB.dataSource()).schemas(schema)
          .locations(PostgresQuotaStore.MIGRATION_LOCATION).load().migrate();

      try (PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(schema).build()) {
        Quota quota = Quota.builder().store(store).clock(TestClock.at("2026-11-25T10:00:00Z")).build();
        assertThat(quota.admin().usageHistory(TenantId.of("before-upgrade"), Meter.AI_TOKENS,
            Instant.parse("2026-11-24T00:00:00Z"), Instant.parse("2026-11-25T00:00:00Z"), HistoryGranularity.DAY)
            .total()).isEqualTo(42);
      }
    } finally {
      DB.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    }
  }

  @Test
  void aSchemaNameOutsideTheRuleIsRefusedNamingTheField() {
    assertThatThrownBy(() -> PostgresQuotaStore.createSchema(DB.dataSource(), "quota\"; DROP"))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("schema"));
    assertThatThrownBy(() -> PostgresQuotaStore.builder().schema("1quota"))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("schema"));
  }

  @Test
  void theAuditLogRefusesUpdateDeleteAndTruncate() throws SQLException {
    try (PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema()).build()) {
      Quota quota = Quota.builder().store(store).clock(TestClock.at("2026-11-25T10:00:00Z")).build();
      quota.admin().acceptingNewTenants().grantCredit(TenantId.of("audited"), Meter.AI_TOKENS, 5, Instant.parse("2026-12-01T00:00:00Z"),
          Actor.of("ops"), "goodwill");
    }
    String table = "\"" + DB.schema() + "\".audit_log";
    for (String change : new String[] {"UPDATE " + table + " SET reason = 'rewritten'", "DELETE FROM " + table,
        "TRUNCATE " + table}) {
      assertThatThrownBy(() -> DB.execute(change)).isInstanceOf(SQLException.class)
          .hasMessageContaining("append-only");
    }
    try (Connection c = DriverManager.getConnection(PostgresDatabase.url()); Statement s = c.createStatement();
        var rs = s.executeQuery("SELECT count(*) FROM " + table + " WHERE reason = 'goodwill'")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
  }
}

package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.Reservation;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.PurgeConfirmation;
import dev.quota.admin.QuotaAdmin;
import dev.quota.alert.DeliveryState;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationChannel;
import dev.quota.alert.NotificationKind;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.spi.ParentOutcome;
import dev.quota.testkit.TestClock;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The grant set documented for the application's database role is enough for everything the store does, and no more. */
class LeastPrivilegeTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final String ROLE = "quota_app_" + UUID.randomUUID().toString().substring(0, 8);

  /** The documented grants (README), with the schema and role filled in. */
  static String grants(String schema, String role) {
    String s = "\"" + schema + "\"";
    return String.join(";\n",
        "GRANT USAGE ON SCHEMA " + s + " TO " + role,
        "GRANT SELECT, INSERT, UPDATE ON " + s + ".tenant TO " + role,
        "GRANT SELECT, INSERT, UPDATE, DELETE ON " + s + ".counter TO " + role,
        "GRANT SELECT, INSERT, UPDATE, DELETE ON " + s + ".usage_ledger, " + s + ".usage_archive, " + s
            + ".reservation, " + s + ".reservation_hold TO " + role,
        "GRANT SELECT, INSERT, DELETE ON " + s + ".usage_rollup TO " + role,
        "GRANT SELECT, INSERT, UPDATE ON " + s + ".entitlement TO " + role,
        "GRANT SELECT, INSERT ON " + s + ".audit_log, " + s + ".service_record TO " + role,
        "GRANT SELECT, INSERT, DELETE ON " + s + ".alert_mark, " + s + ".block_mark TO " + role,
        "GRANT SELECT, INSERT, DELETE ON " + s + ".notification TO " + role,
        "GRANT SELECT, INSERT, UPDATE, DELETE ON " + s + ".notification_delivery TO " + role);
  }

  @BeforeAll
  static void createRole() throws SQLException {
    DB.execute("CREATE ROLE " + ROLE + " LOGIN");
    for (String grant : grants(DB.schema(), ROLE).split(";\n")) {
      DB.execute(grant);
    }
  }

  @AfterAll
  static void dropRole() throws SQLException {
    DB.execute("DROP OWNED BY " + ROLE);
    DB.execute("DROP ROLE " + ROLE);
  }

  private static String urlAs(String role) {
    URI target = URI.create(PostgresDatabase.url().substring("jdbc:".length()));
    return "jdbc:postgresql://" + target.getHost() + ":" + (target.getPort() < 0 ? 5432 : target.getPort())
        + target.getRawPath() + "?user=" + role;
  }

  @Test
  void theDocumentedGrantsRunEveryOperation() {
    TestClock clock = TestClock.at("2026-09-10T10:00:00Z");
    try (PostgresQuotaStore store = PostgresQuotaStore.builder()
        .dataSource(DB.newPool(urlAs(ROLE), "least-privilege", 4)).schema(DB.schema()).build()) {
      List<Notification> delivered = new ArrayList<>();
      NotificationChannel channel = new NotificationChannel() {
        @Override
        public String name() {
          return "ops";
        }

        @Override
        public void deliver(Notification notification) {
          delivered.add(notification);
        }
      };
      Quota quota = Quota.builder().store(store).clock(clock).notificationChannel(channel).dispatchManually()
          .recordServiceConfiguration("restricted-service", "1").build();
      TenantId tenant = TenantId.of("restricted");
      Actor operator = Actor.of("ops");
      quota.guard().record(UsageEvent.of(tenant, Meter.AI_TOKENS, 10, UsageKey.of("old")));
      clock.set("2026-11-25T10:00:00Z");
      quota.admin().setPlan(tenant, Plan.of(Tier.PRO, 20), operator, "upgrade");
      assertThat(quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 10, UsageKey.of("k1")).outcome())
          .isEqualTo(ConsumeResult.Outcome.CONSUMED);
      Reservation hold = quota.guard().reserve(tenant, Meter.AI_TOKENS, 100, Duration.ofMinutes(1)).reservation();
      hold.commit(50, UsageKey.of("k2"));
      quota.guard().reserve(tenant, Meter.AI_TOKENS, 100, Duration.ofMinutes(1)).reservation().release();
      clock.advance(Duration.ofDays(3));
      quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 10, UsageKey.of("k3")); // sweeps the expired hold
      quota.admin().resetUsage(tenant, operator, "ticket");
      var grant = quota.admin().grantCredit(tenant, Meter.AI_TOKENS, 5, Instant.parse("2027-01-01T00:00:00Z"),
          operator, "goodwill");
      quota.admin().revoke(grant.id(), operator, "mistake");
      assertThat(store.archiveUsage(tenant, Instant.parse("2026-10-01T00:00:00Z"))).isEqualTo(1);
      quota.admin().purgeUsage(tenant, Instant.parse("2026-11-28T00:00:00Z"), new PurgeConfirmation("restricted"),
          operator, "erasure");
      quota.admin().listUsage(dev.quota.admin.PageRequest.first(10));
      // the outbox: a refusal marks the tenant blocked, a grant unblocks it, the dispatcher delivers
      quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 5_000_000, UsageKey.of("too-much"));
      quota.admin().grantCredit(tenant, Meter.AI_TOKENS, 5, Instant.parse("2027-01-01T00:00:00Z"), operator, "sorry");
      quota.dispatcher().orElseThrow().runOnce();
      assertThat(delivered).extracting(Notification::kind).contains(NotificationKind.BLOCKED, NotificationKind.UNBLOCKED);
      assertThat(quota.outbox().deliveries(DeliveryState.DELIVERED, 10)).isNotEmpty();
      assertThat(store.purgeDelivered(clock.instant().plus(Duration.ofDays(1)), 100)).as("retention").isPositive();

      assertThat(quota.admin().verify(tenant).consistent()).isTrue();
      assertThat(quota.admin().serviceConfiguration()).isPresent();
      // the tree and the compaction of short windows
      TenantId member = TenantId.of("restricted-member");
      assertThat(store.setParent(member, Optional.of(tenant), QuotaAdmin.MAX_TREE_DEPTH,
          new AuditEntry(UUID.randomUUID(), clock.instant(), member, operator, AdminOperation.SET_PLAN,
              "joins", Map.of()))).isEqualTo(ParentOutcome.CHANGED);
      assertThat(store.children(tenant, dev.quota.admin.PageRequest.first(10)).items()).containsExactly(member);
      assertThat(store.compactWindows(clock.instant(), 100)).isNotNegative();
    }
  }

  @Test
  void theRoleCannotChangeTheAuditLog() throws SQLException {
    try (Connection c = DriverManager.getConnection(urlAs(ROLE)); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute("DELETE FROM \"" + DB.schema() + "\".audit_log"))
          .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
      assertThatThrownBy(() -> s.execute("DELETE FROM \"" + DB.schema() + "\".service_record"))
          .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
    }
  }
}

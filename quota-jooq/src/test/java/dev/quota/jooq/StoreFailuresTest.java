package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.FailurePolicy;
import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.testkit.TestClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.jooq.DataType;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every failure of the database reaches the guard as a store failure, which its failure policy decides, and every
 * input the database would refuse is refused before as bad input: no raw jOOQ or JDBC exception gets out.
 */
class StoreFailuresTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final TenantId ACME = TenantId.of("acme");
  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  private final String schema = DB.schema() + "_" + UUID.randomUUID().toString().substring(0, 8);
  private PostgresQuotaStore store;

  @AfterEach
  void dropSchema() throws Exception {
    if (store != null) {
      store.close();
    }
    DB.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
  }

  private Quota quotaOnOwnSchema(FailurePolicy policy) {
    PostgresQuotaStore.createSchema(DB.dataSource(), schema);
    store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(schema).strict().build();
    return Quota.builder().store(store).clock(clock).failurePolicy(policy).build();
  }

  @Test
  void tablesDroppedAtRuntimeAreAStoreFailureThatTheDenyPolicyDecides() throws Exception {
    Quota quota = quotaOnOwnSchema(FailurePolicy.deny());
    quota.guard().record(UsageEvent.of(ACME, Meter.AI_TOKENS, 10, UsageKey.of("before")));

    DB.execute("DROP SCHEMA \"" + schema + "\" CASCADE");

    ConsumeResult consumed = quota.guard().tryConsume(ACME, Meter.AI_TOKENS, 1, UsageKey.of("after"));
    assertThat(consumed.outcome()).isEqualTo(ConsumeResult.Outcome.DENIED);
    assertThat(consumed.decision().reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
    assertThat(quota.guard().canProceed(ACME)).isFalse();
    assertThat(quota.guard().reserve(ACME, Meter.AI_TOKENS, 5, Duration.ofMinutes(1)).decision().reason())
        .isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
  }

  @Test
  void tablesDroppedAtRuntimeLetCallsThroughUnrecordedUnderTheAllowPolicy() throws Exception {
    Quota quota = quotaOnOwnSchema(FailurePolicy.allow());
    DB.execute("DROP SCHEMA \"" + schema + "\" CASCADE");

    ConsumeResult consumed = quota.guard().tryConsume(ACME, Meter.AI_TOKENS, 1, UsageKey.of("after"));

    assertThat(consumed.outcome()).isEqualTo(ConsumeResult.Outcome.ALLOWED_UNRECORDED);
    assertThat(quota.guard().canProceed(ACME)).isTrue();
  }

  @Test
  void aMissingTableIsReportedSayingWhatIsMissingAndHowToCreateIt() throws Exception {
    Quota quota = quotaOnOwnSchema(FailurePolicy.deny());
    DB.execute("DROP TABLE \"" + schema + "\".counter CASCADE");

    assertThatThrownBy(() -> quota.guard().usage(ACME))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("relation \"" + schema + ".counter\" does not exist")
        .hasMessageContaining("SQLState 42P01")
        .hasMessageContaining(PostgresQuotaStore.MIGRATION_LOCATION)
        .hasMessageNotContaining("Position");
    assertThatThrownBy(() -> quota.admin().grantCredit(ACME, Meter.AI_TOKENS, 5,
        clock.instant().plus(Duration.ofDays(1)), Actor.of("ops"), "ticket"))
        .isInstanceOf(StoreUnavailableException.class);
    assertThatThrownBy(() -> quota.guard().record(UsageEvent.of(ACME, Meter.AI_TOKENS, 1, UsageKey.of("r"))))
        .isInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void aTenantIdThatIsNoBigintForABigintHostIdColumnIsBadInputAndWritesNothing() throws Exception {
    Quota quota = quotaOverHostTable("bigint", SQLDataType.BIGINT, "42");

    assertThatThrownBy(() -> quota.guard().canProceed(TenantId.of("acme")))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("tenant");
          assertThat(e.rule()).startsWith("must be a bigint, the type of the id column of the host's plan table")
              .endsWith("; was 'acme'");
        });
    assertThatThrownBy(() -> quota.guard().tryConsume(TenantId.of("99999999999999999999"), Meter.AI_TOKENS, 1,
        UsageKey.of("k"))).isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> quota.guard().usage(TenantId.of("4 2"))).isInstanceOf(InvalidRequestException.class);
    assertThat(ledgerRows()).isZero();

    assertThat(quota.guard().usage(TenantId.of("42")).plannedTier()).contains(Tier.PRO);
    assertThat(quota.guard().usage(TenantId.of("-7")).plannedTier()).isEmpty();
  }

  @Test
  void aTenantIdThatIsNoIntegerForAnIntegerHostIdColumnIsBadInput() throws Exception {
    Quota quota = quotaOverHostTable("integer", SQLDataType.INTEGER, "42");

    assertThatThrownBy(() -> quota.guard().canProceed(TenantId.of("3000000000")))
        .isInstanceOfSatisfying(InvalidRequestException.class,
            e -> assertThat(e.rule()).startsWith("must be an integer, the type of the id column"));
    assertThat(quota.guard().usage(TenantId.of("42")).plannedTier()).contains(Tier.PRO);
  }

  @Test
  void aTenantIdThatIsNoUuidForAUuidHostIdColumnIsBadInput() throws Exception {
    String id = "6f1c3a52-0d3e-4b8e-9a51-4c1f0e9d2b7a";
    Quota quota = quotaOverHostTable("uuid", SQLDataType.UUID, "'" + id + "'");

    assertThatThrownBy(() -> quota.guard().canProceed(TenantId.of("acme")))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.rule()).startsWith("must be a uuid"));
    assertThat(quota.guard().usage(TenantId.of(id)).plannedTier()).contains(Tier.PRO);
    // PostgreSQL's other spellings of a uuid are accepted as it accepts them
    assertThat(quota.guard().usage(TenantId.of("{" + id.toUpperCase(java.util.Locale.ROOT).replace("-", "") + "}"))
        .plannedTier()).contains(Tier.PRO);
  }

  @Test
  void aHostPlanTableDroppedAtRuntimeIsAStoreFailure() throws Exception {
    Quota quota = quotaOverHostTable("bigint", SQLDataType.BIGINT, "42");
    DB.execute("DROP TABLE \"" + schema + "\".account");

    assertThat(quota.guard().check(TenantId.of("42"), Meter.AI_TOKENS, 1).reason())
        .isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
    assertThatThrownBy(() -> quota.guard().usage(TenantId.of("42")))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("account\" does not exist");
  }

  private Quota quotaOverHostTable(String sqlType, DataType<?> idType, String proId) throws Exception {
    PostgresQuotaStore.createSchema(DB.dataSource(), schema);
    DB.execute("CREATE TABLE \"" + schema + "\".account (id " + sqlType + " PRIMARY KEY, tier text)");
    DB.execute("INSERT INTO \"" + schema + "\".account (id, tier) VALUES (" + proId + ", 'pro')");
    store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(schema).strict()
        .plansFromHostTable(schema, "account", "id", "tier", idType).build();
    return Quota.builder().store(store).clock(clock).failurePolicy(FailurePolicy.deny()).build();
  }

  private long ledgerRows() throws Exception {
    try (Connection c = DriverManager.getConnection(PostgresDatabase.url()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM \"" + schema + "\".usage_ledger")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}

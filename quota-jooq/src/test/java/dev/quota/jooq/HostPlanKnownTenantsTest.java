package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.admin.Actor;
import dev.quota.admin.TenantLookup;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.testkit.TestClock;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.jooq.DataType;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With plans in the host's table, a row there makes a tenant known, whatever the id column's type; an id that cannot
 * be of that type is simply unknown (no failed cast), and the host's ids are suggested for typos.
 */
class HostPlanKnownTenantsTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Actor OPERATOR = Actor.of("ops@example.com");
  private static final TestClock CLOCK = TestClock.at("2026-11-25T10:00:00Z");

  private PostgresQuotaStore storeOver(String table, String idSql, DataType<?> idType, String rows)
      throws SQLException {
    DB.execute("CREATE TABLE \"" + DB.schema() + "\".\"" + table + "\" (id " + idSql + " PRIMARY KEY, tier text)");
    DB.execute("INSERT INTO \"" + DB.schema() + "\".\"" + table + "\" VALUES " + rows);
    return PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema())
        .plansFromHostTable(DB.schema(), table, "id", "tier", idType).build();
  }

  @Test
  void aTenantInTheHostsTableIsKnownEvenWithoutATier() throws SQLException {
    try (PostgresQuotaStore store = storeOver("account_text", "text", SQLDataType.VARCHAR,
        "('acme', 'pro'), ('initech', NULL)")) {
      assertThat(store.knowsTenant(TenantId.of("acme"))).isTrue();
      assertThat(store.knowsTenant(TenantId.of("initech"))).isTrue();
      assertThat(store.knowsTenant(TenantId.of("globex"))).isFalse();
    }
  }

  @Test
  void aBigintIdColumnKnowsNumbersAndRefusesTextWithoutACastFailure() throws SQLException {
    try (PostgresQuotaStore store = storeOver("account_bigint", "bigint", SQLDataType.BIGINT,
        "(12345, 'pro'), (777, 'free')")) {
      Quota quota = Quota.builder().store(store).clock(CLOCK).build();

      assertThat(store.knowsTenant(TenantId.of("12345"))).isTrue();
      assertThat(store.knowsTenant(TenantId.of("acme"))).isFalse();
      assertThat(store.knowsTenant(TenantId.of("99999999999999999999"))).as("beyond bigint").isFalse();
      assertThat(quota.admin().lookUp(TenantId.of("12354")))
          .isEqualTo(new TenantLookup(TenantId.of("12354"), false, List.of(TenantId.of("12345"))));
      assertThatThrownBy(() -> quota.admin().bypass(TenantId.of("12354"), CLOCK.instant().plus(Duration.ofHours(1)),
          OPERATOR, "incident"))
          .isInstanceOf(InvalidRequestException.class)
          .hasMessageContaining("did you mean '12345'?");
      assertThat(quota.admin().grantCredit(TenantId.of("12345"), Meter.AI_TOKENS, 10,
          CLOCK.instant().plus(Duration.ofHours(1)), OPERATOR, "known by the host's row").amount()).isEqualTo(10);
    }
  }

  @Test
  void aUuidIdColumnKnowsCanonicalUuidsOnly() throws SQLException {
    try (PostgresQuotaStore store = storeOver("account_uuid", "uuid", SQLDataType.UUID,
        "('3f2b1c9e-6a1d-4f0b-9e35-2b8c7d6e5f4a', 'pro')")) {
      assertThat(store.knowsTenant(TenantId.of("3f2b1c9e-6a1d-4f0b-9e35-2b8c7d6e5f4a"))).isTrue();
      assertThat(store.knowsTenant(TenantId.of("3F2B1C9E-6A1D-4F0B-9E35-2B8C7D6E5F4A"))).isTrue();
      assertThat(store.knowsTenant(TenantId.of("not-a-uuid"))).isFalse();
      assertThat(store.knownTenantsLike(TenantId.of("3f2b1c9e-6a1d-4f0b-9e35-2b8c7d6e5f4b"), 3))
          .containsExactly(TenantId.of("3f2b1c9e-6a1d-4f0b-9e35-2b8c7d6e5f4a"));
    }
  }
}

package dev.quota.spring.boot.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Tenants' tiers can come from the application's own table, such as the seed's "user".tier. */
class HostTierTableTest {
  @RegisterExtension
  static final TestDatabase database = new TestDatabase();

  @Test
  void aTenantsTierIsReadFromTheApplicationsTable() throws Exception {
    String host = database.hostSchema();
    database.execute("CREATE SCHEMA \"" + host + "\"");
    database.execute("CREATE TABLE \"" + host + "\".\"user\" (id bigint PRIMARY KEY, tier text)");
    database.execute("INSERT INTO \"" + host + "\".\"user\" (id, tier) VALUES (42, 'pro'), (43, NULL)");

    PostgresRunner.forSchema(database.schema())
        .withPropertyValues("quota.host-tier-table.schema=" + host, "quota.host-tier-table.table=user",
            "quota.host-tier-table.id-column=id", "quota.host-tier-table.tier-column=tier",
            "quota.host-tier-table.id-type=bigint")
        .run(context -> {
          QuotaGuard guard = context.getBean(QuotaGuard.class);

          UsageReport pro = guard.usage(TenantId.of("42"));
          UsageReport withoutTier = guard.usage(TenantId.of("43"));

          assertThat(pro.plannedTier()).contains(Tier.PRO);
          assertThat(pro.limit()).isEqualTo(1_000_000);
          assertThat(withoutTier.plannedTier()).isEmpty();
          assertThat(withoutTier.effectiveTier()).contains(Tier.FREE);
        });
  }

  @Test
  void aBlankTableNameFailsNamingTheProperty() {
    PostgresRunner.forSchema(database.schema("blank")).withPropertyValues("quota.host-tier-table.table= ")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("quota.host-tier-table.table");
        });
  }
}

package dev.quota.spring.boot.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.Actor;
import dev.quota.admin.PlanSource;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.ServiceRecord;
import dev.quota.admin.TenantKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * At start-up the service records what it enforces in quota's schema: its tiers, its plan source (the host tier
 * table, as configured) and its tenant key ({@code quota.tenant-key.*}), once per change.
 */
class ServiceRecordStartupTest {
  @RegisterExtension
  static final TestDatabase database = new TestDatabase();

  @Test
  void startUpRecordsTheHostTierTableAndTheTenantKeyColumn() throws Exception {
    String host = database.hostSchema();
    database.execute("CREATE SCHEMA \"" + host + "\"");
    database.execute("CREATE TABLE \"" + host + "\".app_user (id bigint PRIMARY KEY, email text, tier text)");

    PostgresRunner.forSchema(database.schema())
        .withPropertyValues("spring.application.name=planner", "quota.service.version=1.4.2",
            "quota.host-tier-table.schema=" + host, "quota.host-tier-table.table=app_user",
            "quota.host-tier-table.id-type=bigint", "quota.tenant-key.key-column=email",
            "quota.tiers[0].name=free", "quota.tiers[0].limits.ai-tokens=500")
        .run(context -> {
          assertThat(context).hasNotFailed();
          ServiceRecord record = context.getBean(QuotaAdmin.class).serviceConfiguration().orElseThrow();

          assertThat(record.actor()).isEqualTo(Actor.of("service:planner"));
          assertThat(record.configuration().service()).isEqualTo("planner");
          assertThat(record.configuration().serviceVersion()).isEqualTo("1.4.2");
          assertThat(record.configuration().plans())
              .isEqualTo(new PlanSource.HostTable(host, "app_user", "id", "tier", "bigint"));
          assertThat(record.configuration().tenantKey()).isEqualTo(new TenantKey(host, "app_user", "email", "id"));
          assertThat(record.configuration().catalogue().tiers()).extracting(t -> t.name()).containsExactly("free");
        });
  }

  @Test
  void aTenantKeyColumnWithoutATableFailsNamingTheProperty() {
    PostgresRunner.forSchema(database.schema("keyless")).withPropertyValues("quota.schema.create=true",
            "quota.tenant-key.key-column=email")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("quota.tenant-key.table");
        });
  }

  @Test
  void recordingCanBeTurnedOff() {
    PostgresRunner.forSchema(database.schema("unrecorded"))
        .withPropertyValues("quota.schema.create=true", "quota.service.record-configuration=false")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(QuotaAdmin.class).serviceConfiguration()).isEmpty();
        });
  }
}

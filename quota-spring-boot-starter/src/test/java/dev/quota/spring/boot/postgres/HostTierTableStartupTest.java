package dev.quota.spring.boot.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.spi.QuotaStore;
import dev.quota.spring.boot.autoconfigure.QuotaHostTierTable;
import dev.quota.testkit.InMemoryQuotaStore;
import java.net.URI;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A misconfigured host tier table is found at start-up, naming the property to fix, rather than by every call of
 * the guard; and a store of the application's own does not silently ignore the table.
 */
@ExtendWith(OutputCaptureExtension.class)
class HostTierTableStartupTest {
  @RegisterExtension
  static final TestDatabase database = new TestDatabase();

  private static final String READER = "qs_reader_" + UUID.randomUUID().toString().substring(0, 8);

  @BeforeAll
  static void createTables() throws Exception {
    String host = database.hostSchema();
    database.execute("CREATE SCHEMA \"" + host + "\"");
    database.execute("CREATE TABLE \"" + host + "\".app_user (id bigint PRIMARY KEY, email text, tier text)");
    database.execute("INSERT INTO \"" + host + "\".app_user (id, email, tier) VALUES (42, 'pro@example.com', 'pro')");
    database.execute("CREATE TYPE \"" + host + "\".plan_tier AS ENUM ('free', 'pro')");
    database.execute("CREATE TABLE \"" + host + "\".account (id uuid PRIMARY KEY, tier \"" + host + "\".plan_tier, "
        + "seats integer)");
    database.execute("CREATE ROLE " + READER + " LOGIN");
    database.execute("GRANT USAGE ON SCHEMA \"" + host + "\" TO " + READER);
    database.execute("GRANT SELECT (id) ON \"" + host + "\".app_user TO " + READER);
  }

  @AfterAll
  static void dropRole() throws Exception {
    database.execute("DROP OWNED BY " + READER);
    database.execute("DROP ROLE " + READER);
  }

  private ApplicationContextRunner runner(String suffix, String... hostProperties) {
    String[] properties = new String[hostProperties.length + 1];
    properties[0] = "quota.host-tier-table.schema=" + database.hostSchema();
    System.arraycopy(hostProperties, 0, properties, 1, hostProperties.length);
    return PostgresRunner.forSchema(database.schema(suffix)).withPropertyValues(properties);
  }

  @Test
  void aWellConfiguredTableStartsAndItsTiersAreRead() {
    runner("ok", "quota.host-tier-table.table=app_user", "quota.host-tier-table.id-type=bigint").run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(QuotaGuard.class).usage(TenantId.of("42")).plannedTier()).contains(Tier.PRO);
    });
  }

  @Test
  void aWrongTableNameFailsStartUpNamingTheProperty() {
    runner("table", "quota.host-tier-table.table=app_users", "quota.host-tier-table.id-type=bigint")
        .run(context -> assertInvalid(context, "quota.host-tier-table.table",
            "names no table or view in schema '" + database.hostSchema() + "'"));
  }

  @Test
  void aWrongSchemaNameFailsStartUpNamingTheProperty() {
    runner("schema", "quota.host-tier-table.table=app_user", "quota.host-tier-table.schema=no_such_schema")
        .run(context -> assertInvalid(context, "quota.host-tier-table.schema", "names no schema of the database"));
  }

  @Test
  void aMissingIdColumnFailsStartUpNamingThePropertyAndTheColumnsThereAre() {
    runner("idcolumn", "quota.host-tier-table.table=app_user", "quota.host-tier-table.id-column=user_id",
        "quota.host-tier-table.id-type=bigint")
        .run(context -> assertInvalid(context, "quota.host-tier-table.id-column",
            "names no column of \"" + database.hostSchema() + "\".\"app_user\" (names are case-sensitive); its "
                + "columns are [id, email, tier]"));
  }

  @Test
  void aMissingTierColumnFailsStartUpNamingTheProperty() {
    runner("tiercolumn", "quota.host-tier-table.table=app_user", "quota.host-tier-table.tier-column=plan",
        "quota.host-tier-table.id-type=bigint")
        .run(context -> assertInvalid(context, "quota.host-tier-table.tier-column", "names no column of"));
  }

  @Test
  void aBigintIdColumnWithTheDefaultIdTypeFailsStartUpSayingWhatToSet() {
    runner("idtype", "quota.host-tier-table.table=app_user")
        .run(context -> assertInvalid(context, "quota.host-tier-table.id-type",
            "does not match the id column \"" + database.hostSchema() + "\".\"app_user\".id, which is of type "
                + "bigint: set quota.host-tier-table.id-type=bigint (the values are text, bigint, integer and uuid)"));
  }

  @Test
  void aTierColumnThatHoldsNoNamesFailsStartUpNamingTheProperty() {
    runner("tiertype", "quota.host-tier-table.table=account", "quota.host-tier-table.id-type=uuid",
        "quota.host-tier-table.tier-column=seats")
        .run(context -> assertInvalid(context, "quota.host-tier-table.tier-column",
            "is of type integer, but must hold tier names: text, varchar or an enum"));
  }

  @Test
  void aUuidIdColumnAndAnEnumTierColumnStart() {
    runner("uuid", "quota.host-tier-table.table=account", "quota.host-tier-table.id-type=uuid")
        .run(context -> assertThat(context).hasNotFailed());
  }

  @Test
  void aTableTheApplicationsUserMayNotReadFailsStartUpSayingWhatToGrant() {
    runner("grant", "quota.host-tier-table.table=app_user", "quota.host-tier-table.id-type=bigint",
        "spring.datasource.url=" + urlAs(READER))
        .withBean(QuotaStore.class, InMemoryQuotaStore::new) // the reader may not create quota's tables either
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("may not read its columns id and tier")
              .hasMessageContaining("GRANT SELECT (\"id\", \"tier\") ON \"" + database.hostSchema()
                  + "\".\"app_user\" TO");
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class InMemoryStoreOverTheTable {
    @Bean
    QuotaStore quotaStore(QuotaHostTierTable hostTierTable) {
      return InMemoryQuotaStore.builder().plansFrom(hostTierTable::tierOf).build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class InMemoryStoreAlone {
    @Bean
    QuotaStore quotaStore() {
      return new InMemoryQuotaStore();
    }
  }

  @Test
  void anInMemoryStoreGivenTheTableTreatsAProTenantAsPro(CapturedOutput output) {
    runner("memory", "quota.host-tier-table.table=app_user", "quota.host-tier-table.id-type=bigint")
        .withUserConfiguration(InMemoryStoreOverTheTable.class)
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(QuotaGuard.class).usage(TenantId.of("42")).limit()).isEqualTo(1_000_000);
        });
    assertThat(output).doesNotContain("does not read that table");
  }

  @Test
  void anInMemoryStoreThatIgnoresTheTableIsWarnedAbout(CapturedOutput output) {
    runner("ignored", "quota.host-tier-table.table=app_user", "quota.host-tier-table.id-type=bigint")
        .withUserConfiguration(InMemoryStoreAlone.class)
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(QuotaGuard.class).usage(TenantId.of("42")).plannedTier()).isEmpty();
        });
    assertThat(output).containsOnlyOnce("quota.host-tier-table.table=app_user is set, but the application's own "
        + "QuotaStore bean 'quotaStore' (InMemoryQuotaStore) does not read that table")
        .contains("InMemoryQuotaStore.builder().plansFrom(table::tierOf)");
  }

  @Test
  void theStoreTheStarterBuildsIsNotWarnedAbout(CapturedOutput output) {
    runner("own", "quota.host-tier-table.table=app_user", "quota.host-tier-table.id-type=bigint")
        .run(context -> assertThat(context).hasNotFailed());
    assertThat(output).doesNotContain("does not read that table");
  }

  private static void assertInvalid(org.springframework.boot.test.context.assertj.AssertableApplicationContext context,
      String property, String reason) {
    assertThat(context).hasFailed();
    assertThat(context.getStartupFailure()).rootCause()
        .isInstanceOf(InvalidConfigurationPropertyValueException.class)
        .hasMessageContaining("Property " + property + " with value")
        .hasMessageContaining(reason);
  }

  private static String urlAs(String role) {
    URI target = URI.create(TestDatabase.url().substring("jdbc:".length()));
    return "jdbc:postgresql://" + target.getHost() + ":" + (target.getPort() < 0 ? 5432 : target.getPort())
        + target.getRawPath() + "?user=" + role;
  }
}

package dev.quota.spring.boot.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.Meter;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.spring.boot.autoconfigure.QuotaSchemaInitializer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** With Flyway on the class path, the starter migrates quota's schema in a run of its own. */
@ExtendWith(OutputCaptureExtension.class)
class FlywaySchemaTest {
  @RegisterExtension
  static final TestDatabase database = new TestDatabase();

  private static final TenantId ACME = TenantId.of("acme");

  @Test
  void flywayMigratesQuotasSchemaWithItsOwnHistoryTable() throws Exception {
    PostgresRunner.forSchema(database.schema()).run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(PostgresQuotaStore.class);
      assertThat(context.getBean(QuotaSchemaInitializer.class).strategy())
          .isEqualTo(QuotaSchemaInitializer.Strategy.FLYWAY);
      assertThat(context.getBean(PostgresQuotaStore.class).schema()).isEqualTo(database.schema());
    });

    try (Connection c = DriverManager.getConnection(TestDatabase.url()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version, success FROM \"" + database.schema() + "\"."
            + QuotaSchemaInitializer.HISTORY_TABLE + " WHERE version IS NOT NULL ORDER BY installed_rank")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString("version")).isEqualTo("1");
      assertThat(rs.getBoolean("success")).isTrue();
    }
  }

  @Test
  void theGuardBlocksAFreeTenantAtItsLimitAndUsageSurvivesARestart() {
    String schema = database.schema("restart");
    PostgresRunner.forSchema(schema).run(context -> {
      QuotaGuard guard = context.getBean(QuotaGuard.class);
      ConsumeResult all = guard.tryConsume(ACME, Meter.AI_TOKENS, 100_000, UsageKey.of("session-1"));
      assertThat(all.outcome()).isEqualTo(ConsumeResult.Outcome.CONSUMED);

      ConsumeResult oneMore = guard.tryConsume(ACME, Meter.AI_TOKENS, 1, UsageKey.of("session-2"));

      assertThat(oneMore.outcome()).isEqualTo(ConsumeResult.Outcome.DENIED);
      assertThat(oneMore.decision().reason()).isEqualTo(Decision.Reason.INSUFFICIENT_BALANCE);
    });

    PostgresRunner.forSchema(schema).run(context -> {
      QuotaGuard guard = context.getBean(QuotaGuard.class);
      assertThat(guard.usage(ACME).used()).isEqualTo(100_000);
      assertThat(guard.canProceed(ACME)).isFalse();
    });
  }

  @Test
  void quotasMigrationRunsOnTheApplicationsFlywayDataSource() {
    String schema = database.schema("appflyway");
    String appSchema = database.schema("app");
    // The application's own Flyway, in a schema of its own, as a user with spring.flyway.* settings would have it.
    PostgresRunner.forSchema(schema)
        .withPropertyValues("spring.flyway.enabled=true", "spring.flyway.schemas=" + appSchema,
            "spring.flyway.create-schemas=true", "spring.flyway.locations=classpath:db/migration/app",
            "spring.flyway.fail-on-missing-locations=false")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(QuotaGuard.class).canProceed(ACME)).isTrue();
        });
  }

  @Test
  void theApplicationsFlywayMayNotAlsoTakeInQuotasScripts() {
    String appSchema = database.schema("widelocation");
    PostgresRunner.forSchema(database.schema("notcovered"))
        .withPropertyValues("spring.flyway.enabled=true", "spring.flyway.schemas=" + appSchema,
            "spring.flyway.locations=classpath:db")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("spring.flyway.locations")
              .hasMessageContaining("classpath:db")
              .hasMessageContaining("takes in quota's scripts");
        });
  }

  @Test
  void flywaysDefaultLocationLeavesQuotasScriptsAlone() {
    String appSchema = database.schema("defaultlocation");
    PostgresRunner.forSchema(database.schema("defaultquota"))
        .withPropertyValues("spring.flyway.enabled=true", "spring.flyway.schemas=" + appSchema,
            "spring.flyway.create-schemas=true", "spring.flyway.fail-on-missing-locations=false")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(QuotaGuard.class).canProceed(ACME)).isTrue();
        });
  }

  @Test
  void springFlywayEnabledFalseLeavesQuotasOwnMigrationOnAndSaysHowToTurnItOff(CapturedOutput output) {
    // PostgresRunner sets spring.flyway.enabled=false, as many applications' tests do
    String schema = database.schema("appflywayoff");
    PostgresRunner.forSchema(schema).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(QuotaSchemaInitializer.class).strategy())
          .isEqualTo(QuotaSchemaInitializer.Strategy.FLYWAY);
      assertThat(context.getBean(QuotaGuard.class).canProceed(ACME)).isTrue();
    });
    assertThat(output).containsOnlyOnce("quota: spring.flyway.enabled=false turns off the application's own Flyway "
        + "migrations, not quota's: quota migrates schema '" + schema + "' in a Flyway run of its own. To leave "
        + "quota's schema to the application, set quota.schema.use-flyway=false.");
  }

  @Test
  void withTheApplicationsFlywayOnNothingIsSaidAboutIt(CapturedOutput output) {
    String appSchema = database.schema("flywayon");
    PostgresRunner.forSchema(database.schema("flywayonquota"))
        .withPropertyValues("spring.flyway.enabled=true", "spring.flyway.schemas=" + appSchema,
            "spring.flyway.create-schemas=true", "spring.flyway.fail-on-missing-locations=false")
        .run(context -> assertThat(context).hasNotFailed());
    assertThat(output).doesNotContain("spring.flyway.enabled=false");
  }

  @Test
  void anInvalidSchemaNameFailsNamingTheProperty() {
    PostgresRunner.forSchema("quota-schema").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).rootCause()
          .hasMessageContaining("quota.schema.name")
          .hasMessageContaining("must be 1 to 63 ASCII letters, digits and underscores");
    });
  }

  @Test
  void aStalenessAboveOneHourFailsNamingTheProperty() {
    PostgresRunner.forSchema(database.schema("stale")).withPropertyValues("quota.cache.staleness=2h")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("quota.cache.staleness")
              .hasMessageContaining("must be positive and at most 1 hour");
        });
  }
}

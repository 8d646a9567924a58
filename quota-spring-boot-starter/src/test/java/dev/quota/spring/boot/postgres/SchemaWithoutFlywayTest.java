package dev.quota.spring.boot.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.spring.boot.autoconfigure.QuotaSchemaInitializer;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** Without Flyway the schema is created only when the application asks for it, and never silently left out. */
class SchemaWithoutFlywayTest {
  @RegisterExtension
  static final TestDatabase database = new TestDatabase();

  @Test
  void withoutCreateStartUpFailsSayingHowToGetTheSchema() {
    PostgresRunner.forSchema(database.schema("missing"))
        .withClassLoader(new FilteredClassLoader(Flyway.class))
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("schema " + database.schema("missing") + " has no quota tables")
              .hasMessageContaining("quota.schema.create=true")
              .hasMessageContaining("flyway-core");
        });
  }

  @Test
  void createTrueCreatesTheSchemaOnceAndTheNextStartFindsIt() {
    String schema = database.schema("created");
    for (int start = 0; start < 2; start++) {
      PostgresRunner.forSchema(schema)
          .withClassLoader(new FilteredClassLoader(Flyway.class))
          .withPropertyValues("quota.schema.create=true")
          .run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(QuotaSchemaInitializer.class).strategy())
                .isEqualTo(QuotaSchemaInitializer.Strategy.CREATE);
            assertThat(context.getBean(QuotaGuard.class).canProceed(TenantId.of("acme"))).isTrue();
          });
    }
  }

  @Test
  void useFlywayFalseLeavesTheSchemaToTheApplication() {
    PostgresRunner.forSchema(database.schema("own"))
        .withPropertyValues("quota.schema.use-flyway=false")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("has no quota tables");
        });
  }

  @Test
  void useFlywayFalseWithFlywayPresentAdvisesTheApplicationsOwnMigrationNotAddingFlyway() {
    String schema = database.schema("advice");
    PostgresRunner.forSchema(schema)
        .withPropertyValues("quota.schema.use-flyway=false")
        .run(context -> {
          assertThat(context).hasFailed();
          FailureAnalysis analysis = analyze(context.getStartupFailure());
          assertThat(analysis.getDescription()).isEqualTo("schema " + schema + " has no quota tables, and "
              + "quota.schema.use-flyway=false leaves them to the application.");
          assertThat(analysis.getAction())
              .contains("apply the scripts in classpath:db/quota to schema '" + schema + "' with the application's "
                  + "own migration (a Flyway run with schemas=" + schema + ", locations=classpath:db/quota and "
                  + "table=quota_schema_history)")
              .contains("set quota.schema.create=true")
              .contains("remove quota.schema.use-flyway=false")
              .doesNotContain("Add Flyway");
        });
  }

  @Test
  void withoutFlywayTheFailureIsReportedAsWhatIsWrongAndWhatToDo() {
    String schema = database.schema("analyzed");
    PostgresRunner.forSchema(schema)
        .withClassLoader(new FilteredClassLoader(Flyway.class))
        .run(context -> {
          FailureAnalysis analysis = analyze(context.getStartupFailure());
          assertThat(analysis.getDescription()).startsWith("schema " + schema + " has no quota tables, and without Flyway");
          assertThat(analysis.getAction()).startsWith("Add Flyway to the application");
        });
  }

  /** The analysis Spring Boot prints for a start-up failure: the first of the registered analyzers that has one. */
  static FailureAnalysis analyze(Throwable failure) {
    // analyzers that need the context to be built are left out: quota's needs none
    for (FailureAnalyzer analyzer : SpringFactoriesLoader.forDefaultResourceLocation(
        SchemaWithoutFlywayTest.class.getClassLoader()).load(FailureAnalyzer.class,
            SpringFactoriesLoader.FailureHandler.handleMessage((message, cause) -> { }))) {
      FailureAnalysis analysis = analyzer.analyze(failure);
      if (analysis != null) {
        return analysis;
      }
    }
    throw new AssertionError("no failure analyzer explains " + failure);
  }
}

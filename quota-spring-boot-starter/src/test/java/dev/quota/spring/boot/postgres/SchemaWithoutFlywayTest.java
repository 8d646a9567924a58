package dev.quota.spring.boot.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.spring.boot.autoconfigure.QuotaSchemaInitializer;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.FilteredClassLoader;

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
              .hasMessageContaining("quota's tables are missing in schema '" + database.schema("missing") + "'")
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
          assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("quota's tables are missing");
        });
  }
}

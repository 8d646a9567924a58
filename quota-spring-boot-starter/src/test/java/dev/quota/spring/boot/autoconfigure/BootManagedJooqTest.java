package dev.quota.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.spi.QuotaStore;
import dev.quota.testkit.InMemoryQuotaStore;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The starter in an application built with Spring Boot's dependency management and without {@code jooq.version}:
 * Spring Boot's jOOQ (3.19 for Spring Boot 4.0) is on the class path in place of quota's. Run by the
 * {@code boot-managed-jooq} execution of this module's build, which swaps the jars; the other test runs leave out its
 * tag.
 */
@Tag("boot-managed-jooq")
class BootManagedJooqTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, QuotaAutoConfiguration.class))
      // never connected: start-up stops before quota first uses the database
      .withPropertyValues("spring.datasource.url=jdbc:postgresql://127.0.0.1:1/none");

  @Test
  void theClassPathHasSpringBootsJooq() {
    String expected = System.getProperty("boot-managed-jooq.version");
    assertThat(expected).as("run by the boot-managed-jooq execution of the starter's build").isNotNull();
    assertThat(JooqSetup.runtimeVersion()).isEqualTo(expected);
  }

  @Test
  void startUpFailsNamingTheBuildPropertyToSet() {
    String built = JooqSetup.builtVersion();
    runner.run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).rootCause()
          .isInstanceOf(QuotaStartupException.class)
          .hasMessageContaining("quota-jooq needs jOOQ 3.21 or newer (it was built with jOOQ " + built + "), but the "
              + "class path has jOOQ " + System.getProperty("boot-managed-jooq.version"));

      FailureAnalysis analysis = new QuotaStartupFailureAnalyzer().analyze(context.getStartupFailure());
      assertThat(analysis).isNotNull();
      assertThat(analysis.getAction()).contains("Set the build property jooq.version to " + built)
          .contains("<jooq.version>" + built + "</jooq.version>");
    });
  }

  @Test
  void anApplicationWithAStoreOfItsOwnDoesNotNeedQuotasJooq() {
    runner.withBean(QuotaStore.class, InMemoryQuotaStore::new).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(QuotaGuard.class).canProceed(TenantId.of("acme"))).isTrue();
    });
  }
}

package dev.quota.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Which jOOQ versions quota-jooq runs on: those of the minor version it was built with, and newer. */
class JooqSetupTest {

  @Test
  void theStarterKnowsTheJooqItWasBuiltWithAndTheClassPathHasIt() {
    assertThat(JooqSetup.builtVersion()).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(JooqSetup.runtimeVersion()).isEqualTo(JooqSetup.builtVersion());
  }

  @Test
  void theSameMinorVersionOrANewerOneIsAccepted() {
    assertThatCode(() -> JooqSetup.check("3.21.0", "3.21.9")).doesNotThrowAnyException();
    assertThatCode(() -> JooqSetup.check("3.21.9", "3.21.9")).doesNotThrowAnyException();
    assertThatCode(() -> JooqSetup.check("3.22.1", "3.21.9")).doesNotThrowAnyException();
    assertThatCode(() -> JooqSetup.check("4.0.0-SNAPSHOT", "3.21.9")).doesNotThrowAnyException();
  }

  @Test
  void anOlderMinorVersionIsRefusedNamingTheProperty() {
    assertThatThrownBy(() -> JooqSetup.check("3.19.35", "3.21.9"))
        .isInstanceOfSatisfying(QuotaStartupException.class, e -> {
          assertThat(e.description()).startsWith("quota-jooq needs jOOQ 3.21 or newer (it was built with jOOQ 3.21.9), "
              + "but the class path has jOOQ 3.19.35.");
          assertThat(e.action()).startsWith("Set the build property jooq.version to 3.21.9");
        });
    assertThatThrownBy(() -> JooqSetup.check("2.99.0", "3.21.9")).isInstanceOf(QuotaStartupException.class);
  }

  @Test
  void anUnknownVersionIsNotGuessedAt() {
    assertThatCode(() -> JooqSetup.check(null, "3.21.9")).doesNotThrowAnyException();
  }
}

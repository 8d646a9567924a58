package dev.quota.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.Location;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

class QuotaFlywayLocationCheckTest {

  @Test
  void flywaysDefaultLocationTakesInQuotasScripts() {
    assertThat(QuotaFlywayLocationCheck.covers(new Location("classpath:db/migration"))).isTrue();
    assertThat(QuotaFlywayLocationCheck.covers(new Location("classpath:db"))).isTrue();
    assertThat(QuotaFlywayLocationCheck.covers(new Location("classpath:db/migration/quota"))).isTrue();
  }

  @Test
  void aSiblingFolderOrTheFileSystemDoesNot() {
    assertThat(QuotaFlywayLocationCheck.covers(new Location("classpath:db/migration/app"))).isFalse();
    assertThat(QuotaFlywayLocationCheck.covers(new Location("classpath:db/migration/quotas"))).isFalse();
    assertThat(QuotaFlywayLocationCheck.covers(new Location("filesystem:db/migration"))).isFalse();
  }

  @Test
  void theApplicationsFlywayIsRefusedNamingSpringFlywayLocations() {
    QuotaFlywayLocationCheck check = new QuotaFlywayLocationCheck("quota");

    assertThatThrownBy(() -> check.customize(Flyway.configure().locations("classpath:db/migration")))
        .isInstanceOf(InvalidConfigurationPropertyValueException.class)
        .hasMessageContaining("spring.flyway.locations")
        .hasMessageContaining("classpath:db/migration/app");
    assertThatNoException().isThrownBy(() -> check.customize(Flyway.configure().locations("classpath:db/migration/app")));
  }
}

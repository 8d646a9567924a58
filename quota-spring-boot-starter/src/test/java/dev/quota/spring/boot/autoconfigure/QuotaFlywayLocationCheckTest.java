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
  void aLocationAtOrAboveQuotasFolderTakesInQuotasScripts() {
    assertThat(QuotaFlywayLocationCheck.covers(new Location("classpath:db"))).isTrue();
    assertThat(QuotaFlywayLocationCheck.covers(new Location("classpath:db/quota"))).isTrue();
    assertThat(QuotaFlywayLocationCheck.covers(new Location("classpath:"))).isTrue();
  }

  @Test
  void flywaysDefaultLocationASiblingFolderOrTheFileSystemDoNot() {
    assertThat(QuotaFlywayLocationCheck.covers(new Location("classpath:db/migration"))).isFalse();
    assertThat(QuotaFlywayLocationCheck.covers(new Location("classpath:db/migration/app"))).isFalse();
    assertThat(QuotaFlywayLocationCheck.covers(new Location("classpath:db/quotas"))).isFalse();
    assertThat(QuotaFlywayLocationCheck.covers(new Location("filesystem:db"))).isFalse();
  }

  @Test
  void theApplicationsFlywayIsRefusedNamingSpringFlywayLocations() {
    QuotaFlywayLocationCheck check = new QuotaFlywayLocationCheck("quota");

    assertThatThrownBy(() -> check.customize(Flyway.configure().locations("classpath:db")))
        .isInstanceOf(InvalidConfigurationPropertyValueException.class)
        .hasMessageContaining("spring.flyway.locations")
        .hasMessageContaining("classpath:db/migration/app");
    assertThatNoException().isThrownBy(() -> check.customize(Flyway.configure().locations("classpath:db/migration")));
  }
}

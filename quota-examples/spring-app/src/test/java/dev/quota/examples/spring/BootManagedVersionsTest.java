package dev.quota.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.postgresql.Driver;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;

/**
 * The example is built as a user's service: with Spring Boot's dependency management, so its tests run quota on the
 * versions Spring Boot manages, not on quota's own. This holds the class path to that, and README's list of the
 * versions tested together to the class path.
 */
class BootManagedVersionsTest {
  /** The libraries quota uses, each found by a class of its jar. */
  private static final Map<String, Class<?>> LIBRARIES = Map.of(
      "spring-boot", SpringApplication.class,
      "jooq", DSLContext.class,
      "caffeine", Caffeine.class,
      "flyway", Flyway.class,
      "micrometer", MeterRegistry.class,
      "postgresql", Driver.class,
      "slf4j", LoggerFactory.class,
      "hikaricp", HikariDataSource.class);

  @Test
  void quotaRunsOnTheVersionsSpringBootManages() throws IOException {
    Properties managed = managedVersions();
    LIBRARIES.forEach((library, type) -> assertThat(jarOf(type))
        .as("the jar of %s", library)
        .endsWith("-" + managed.getProperty(library) + ".jar"));
  }

  @Test
  void readmeSaysWhichVersionsWereTestedTogether() throws IOException {
    Properties managed = managedVersions();
    String row = springSection().lines().filter(line -> line.startsWith("| Spring example")).findFirst()
        .orElseThrow(() -> new AssertionError("README's Spring Boot section has no row '| Spring example ...'"));
    for (String library : LIBRARIES.keySet()) {
      assertThat(row).as("README's row of the Spring example names %s %s", library, managed.getProperty(library))
          .contains("| " + managed.getProperty(library) + " |");
    }
  }

  private static Properties managedVersions() throws IOException {
    Properties managed = new Properties();
    try (InputStream in = BootManagedVersionsTest.class.getResourceAsStream("/managed-versions.properties")) {
      managed.load(in);
    }
    return managed;
  }

  private static String jarOf(Class<?> type) {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().getPath()).getFileName().toString();
  }

  /** README's "## Spring Boot" section, up to the next section of its level. */
  static String springSection() throws IOException {
    String readme = Files.readString(Path.of("../../README.md"));
    int start = readme.indexOf("\n## Spring Boot");
    assertThat(start).as("README has a section '## Spring Boot'").isNotNegative();
    int end = readme.indexOf("\n## ", start + 1);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }
}

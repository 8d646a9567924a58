package dev.quota.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.spring.boot.postgres.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * An application with the starter does not print jOOQ's logo and tip of the day, unless it asks for them. jOOQ prints
 * them once per JVM, when it first renders SQL, so each case starts an application in a JVM of its own; the
 * starter's first statement is its check of quota's tables, before the store is built.
 */
class JooqStartupMessagesTest {
  private static final String LOGO = "Thank you for using jOOQ";
  private static final String TIP = "tip of the day";

  @Test
  void anApplicationWithTheStarterLeavesOutJooqsLogoAndTip() throws Exception {
    String output = startInNewJvm();

    assertThat(output).contains("started: quota checked schema").doesNotContain(LOGO).doesNotContain(TIP);
  }

  @Test
  void anApplicationThatAsksForJooqsLogoAndTipGetsThem() throws Exception {
    String output = startInNewJvm("-Dorg.jooq.no-logo=false", "-Dorg.jooq.no-tips=false");

    assertThat(output).contains("started: quota checked schema").contains(LOGO).contains(TIP);
  }

  /** Starts an application whose quota checks (and does not find) its tables, then stops. */
  public static final class CheckSchema {
    private CheckSchema() {}

    /**
     * @param args the JDBC URL of the test database
     */
    public static void main(String[] args) {
      String schema = "qs_jooq_messages_" + UUID.randomUUID().toString().substring(0, 8);
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, QuotaAutoConfiguration.class))
          .withClassLoader(new FilteredClassLoader("org.flywaydb"))
          .withPropertyValues("spring.datasource.url=" + args[0], "quota.schema.name=" + schema)
          .run(context -> System.out.println("started: quota checked schema " + schema + ": "
              + context.getStartupFailure()));
    }
  }

  private static String startInNewJvm(String... properties) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(properties));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), CheckSchema.class.getName(),
        TestDatabase.url()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try (InputStream in = process.getInputStream()) {
      in.transferTo(output);
    }
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the JVM ended within 60 s").isTrue();
    String text = output.toString(StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(text).isZero();
    return text;
  }
}

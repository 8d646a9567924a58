package dev.quota.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * jOOQ's logo and tip of the day stay out of the logs of applications using quota, unless they ask for them. jOOQ
 * prints them once per JVM, so each case runs in a JVM of its own, with jOOQ's INFO messages shown.
 */
class JooqStartupMessagesTest {
  private static final String LOGO = "Thank you for using jOOQ";
  private static final String TIP = "tip of the day";

  @Test
  void buildingAStoreLeavesOutJooqsLogoAndTip() throws Exception {
    String output = runStoreInNewJvm();

    assertThat(output).contains("store built").doesNotContain(LOGO).doesNotContain(TIP);
  }

  @Test
  void anApplicationThatAsksForJooqsLogoAndTipGetsThem() throws Exception {
    String output = runStoreInNewJvm("-Dorg.jooq.no-logo=false", "-Dorg.jooq.no-tips=false");

    assertThat(output).contains("store built").contains(LOGO).contains(TIP);
  }

  /** Builds a store, which renders its statements with jOOQ; it never connects (its data source could not). */
  public static final class BuildStore {
    private BuildStore() {}

    /**
     * @param args none
     */
    public static void main(String[] args) {
      DataSource unreachable = (DataSource) java.lang.reflect.Proxy.newProxyInstance(
          DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, arguments) -> {
            if (method.getName().equals("toString")) {
              return "an unreachable data source";
            }
            if (method.getName().equals("getConnection")) {
              // as an unreachable server answers: the store's schema check then leaves it to the failure policy
              throw new java.sql.SQLException("no database in this test", "08001");
            }
            throw new UnsupportedOperationException("no database in this test: " + method.getName());
          });
      try (PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(unreachable).strict()
          .listenForChanges(false).build()) {
        System.out.println("store built: " + store);
      }
    }
  }

  private static String runStoreInNewJvm(String... properties) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dorg.slf4j.simpleLogger.log.org.jooq=info");
    command.addAll(List.of(properties));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), BuildStore.class.getName()));
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

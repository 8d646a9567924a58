package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the built jar as an operator would: {@code java -jar quota-cli/target/quota-cli.jar ...} in a process of
 * its own, with the test JVM's own {@code java}, the database and schema in the environment
 * ({@code QUOTA_JDBC_URL}, {@code QUOTA_SCHEMA}) and the zone set to UTC.
 */
final class CliJar {
  private static final long TIMEOUT_SECONDS = 120;

  private final String jdbcUrl;
  private final String schema;

  CliJar(String jdbcUrl, String schema) {
    this.jdbcUrl = jdbcUrl;
    this.schema = schema;
  }

  /** What one run printed and returned. */
  record Result(int exitCode, String out, String err) {}

  /** @return the jar the package phase built */
  static Path jar() {
    Path jar = Path.of(System.getProperty("quota.cli.jar", "target/quota-cli.jar"));
    assertThat(jar).as("the runnable jar, built in the package phase").isRegularFile();
    return jar;
  }

  /** @return the {@code java} running this test, so that the jar runs on the same JDK */
  static String java() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  Result run(String... args) {
    return runWithInput("", args);
  }

  /**
   * Runs the jar.
   *
   * @param stdin what the operator types
   * @param args the arguments after {@code -jar quota-cli.jar}
   * @return the exit code and output
   */
  Result runWithInput(String stdin, String... args) {
    return runWithOptions(List.of(), stdin, args);
  }

  /**
   * Runs the jar with JVM options, such as those of README's alias.
   *
   * @param jvmOptions the options before {@code -jar}
   * @param stdin what the operator types
   * @param args the arguments after {@code -jar quota-cli.jar}
   * @return the exit code and output
   */
  Result runWithOptions(List<String> jvmOptions, String stdin, String... args) {
    List<String> command = new ArrayList<>(List.of(java()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("QUOTA_"));
    env.put("QUOTA_JDBC_URL", jdbcUrl);
    env.put("QUOTA_SCHEMA", schema);
    env.put("TZ", "UTC");
    try {
      Process process = builder.start();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
      try (OutputStream in = process.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      } catch (IOException closedEarly) {
        // the command did not read its input; what it printed tells why
      }
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("quota " + String.join(" ", args) + " did not end within " + TIMEOUT_SECONDS + " s");
      }
      // the process has ended, so its output is closed: reading it ends at once
      return new Result(process.exitValue(), out.get(TIMEOUT_SECONDS, TimeUnit.SECONDS),
          err.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ExecutionException e) {
      throw new AssertionError("reading the output of quota " + String.join(" ", args) + " failed", e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("the output of quota " + String.join(" ", args) + " did not end within "
          + TIMEOUT_SECONDS + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static String read(InputStream stream) {
    try (stream) {
      return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** @return a temporary file holding text, for --catalogue */
  static Path file(String text) throws IOException {
    Path file = Files.createTempFile("quota-cli-", ".properties");
    file.toFile().deleteOnExit();
    Files.writeString(file, text);
    return file;
  }
}

package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up options of README's alias: the first command writes a class-data-sharing archive, and the next
 * command loads its classes from it instead of from the jar. Counted with the JVM's class-loading log, not timed.
 */
class StartupIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  @Test
  void theAliasOptionsWriteAClassArchiveOnceAndTheNextCommandLoadsFromIt(@TempDir Path dir) throws IOException {
    db.cli().run("plan", "acme", "free", "--new-tenant", "--reason", "signed up");
    Path archive = dir.resolve("quota-cli.jsa");
    List<String> alias = List.of("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + archive,
        "-XX:TieredStopAtLevel=1", "-Xlog:cds*=off");

    CliJar.Result first = db.cli().runWithOptions(alias, "", "usage", "acme");
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out()).as("the output, without the JVM's notes on the archive").startsWith("tenant     acme");
    assertThat(archive).as("the archive the first command wrote").isRegularFile();

    Path log = dir.resolve("classes.log");
    List<String> logged = new java.util.ArrayList<>(alias);
    logged.add("-Xlog:class+load:file=" + log);
    CliJar.Result second = db.cli().runWithOptions(logged, "", "usage", "acme");
    assertThat(second.exitCode()).as(second.err()).isZero();
    assertThat(second.out()).isEqualTo(first.out());
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    long fromJar = lines.stream().filter(l -> l.contains("source: file:") || l.contains("source: jar:")).count();
    long shared = lines.stream().filter(l -> l.contains("shared objects file")).count();
    assertThat(lines).as("classes loaded").hasSizeGreaterThan(1_000);
    assertThat(shared).as("classes from the archive, of %d (%d from the jar)", lines.size(), fromJar)
        .isGreaterThan(lines.size() * 9L / 10);
  }
}

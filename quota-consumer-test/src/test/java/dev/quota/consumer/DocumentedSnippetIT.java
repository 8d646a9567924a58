package dev.quota.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * README's Installation section, followed from outside: the published modules are installed into a Maven repository
 * of the test's own (as README's install command puts them into {@code ~/.m2}), and a separate project made of README's
 * dependency snippet, with nothing else of quota's, is built with Maven against it and runs the quick start. Third-
 * party artifacts come from the local repository this build uses, read as a mirror, so nothing is downloaded and
 * nothing is written outside {@code target/}.
 */
class DocumentedSnippetIT {
  /** The longest the consumer's build may take, a bound far above the half minute it needs. */
  private static final long BUILD_MINUTES = 10;
  private static final String SNIPPET_MARKER = "<!-- dependency-snippet -->";
  private static final String GROUP = "dev/quota";

  private static String version;
  private static Path root;
  private static Path work;

  @BeforeAll
  static void paths() {
    version = System.getProperty("quota.version");
    root = Path.of(System.getProperty("quota.root")).toAbsolutePath().normalize();
    work = Path.of(System.getProperty("quota.consumer.work")).toAbsolutePath();
  }

  /** The XML of README's dependency snippet: the fenced block after the marker. */
  static String snippet(String readme) {
    int marker = readme.indexOf(SNIPPET_MARKER);
    assertThat(marker).as("README.md has the marker %s before its dependency snippet", SNIPPET_MARKER).isNotNegative();
    Matcher block = Pattern.compile("```xml\\R(.*?)\\R```", Pattern.DOTALL).matcher(readme);
    assertThat(block.find(marker)).as("an xml block follows the marker").isTrue();
    return block.group(1);
  }

  @Test
  void theSnippetUsesTheBuildsVersionAndImportsTheBom() throws IOException {
    String snippet = snippet(Files.readString(root.resolve("README.md")));

    assertThat(snippet).contains("<artifactId>quota-bom</artifactId>", "<version>" + version + "</version>",
        "<scope>import</scope>");
  }

  @Test
  void aSeparateProjectResolvesTheDocumentedSnippetAndRunsTheQuickStart() throws Exception {
    String snippet = snippet(Files.readString(root.resolve("README.md")));
    Path repository = work.resolve("repository");
    Path project = work.resolve("project");
    deleteRecursively(work);
    installPublishedModules(repository);
    writeProject(project, snippet);
    Path settings = writeSettings(work.resolve("settings.xml"));

    Path log = work.resolve("build.log");
    Path mvn = Path.of(System.getProperty("quota.maven.home"), "bin", "mvn");
    ProcessBuilder build = new ProcessBuilder(mvn.toString(), "-B", "--no-transfer-progress", "-s", settings.toString(),
        "-Dmaven.repo.local=" + repository, "verify")
        .directory(project.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    build.environment().put("JAVA_HOME", System.getProperty("java.home"));
    build.environment().remove("MAVEN_OPTS");
    Process process = build.start();
    if (!process.waitFor(BUILD_MINUTES, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("the consumer's build did not end within " + BUILD_MINUTES + " minutes; see " + log);
    }
    String output = Files.readString(log);

    assertThat(process.exitValue()).as("the consumer's build (%s):%n%s", log, output).isZero();
    assertThat(output).contains("Tests run: 2, Failures: 0, Errors: 0, Skipped: 0", "BUILD SUCCESS");
  }

  /**
   * Installs quota's parent POM, the BOM and every module the BOM lists, as {@code mvn install} lays them out: the
   * POM and jar of each, and the metadata that says they were installed here, not downloaded.
   */
  private static void installPublishedModules(Path repository) throws IOException {
    install(repository, "quota-parent", root.resolve("pom.xml"), null);
    Path bom = root.resolve("quota-bom/pom.xml");
    install(repository, "quota-bom", bom, null);
    Matcher modules = Pattern.compile("<artifactId>(quota-[a-z-]+)</artifactId>").matcher(Files.readString(bom));
    List<String> installed = new ArrayList<>();
    while (modules.find()) {
      String module = modules.group(1);
      if (module.equals("quota-bom")) {
        continue;
      }
      Path jar = root.resolve(module).resolve("target").resolve(module + "-" + version + ".jar");
      if (Files.isRegularFile(jar)) { // a build of part of the reactor may not have packaged every module
        install(repository, module, root.resolve(module).resolve("pom.xml"), jar);
        installed.add(module);
      }
    }
    assertThat(installed).as("the modules README's snippet names, built in the package phase")
        .contains("quota-core", "quota-jooq", "quota-testkit");
  }

  private static void install(Path repository, String artifact, Path pom, Path jar) throws IOException {
    Path directory = repository.resolve(GROUP).resolve(artifact).resolve(version);
    Files.createDirectories(directory);
    String base = artifact + "-" + version;
    Files.copy(pom, directory.resolve(base + ".pom"), StandardCopyOption.REPLACE_EXISTING);
    StringBuilder versions = new StringBuilder(snapshotVersion("pom"));
    if (jar != null) {
      Files.copy(jar, directory.resolve(base + ".jar"), StandardCopyOption.REPLACE_EXISTING);
      versions.append(snapshotVersion("jar"));
    }
    Files.writeString(directory.resolve("maven-metadata-local.xml"), """
        <?xml version="1.0" encoding="UTF-8"?>
        <metadata modelVersion="1.1.0">
          <groupId>dev.quota</groupId>
          <artifactId>%s</artifactId>
          <version>%s</version>
          <versioning>
            <snapshot>
              <localCopy>true</localCopy>
            </snapshot>
            <lastUpdated>20260101000000</lastUpdated>
            <snapshotVersions>
        %s    </snapshotVersions>
          </versioning>
        </metadata>
        """.formatted(artifact, version, versions));
  }

  private static String snapshotVersion(String extension) {
    return """
              <snapshotVersion>
                <extension>%s</extension>
                <value>%s</value>
                <updated>20260101000000</updated>
              </snapshotVersion>
        """.formatted(extension, version);
  }

  /** The consumer: the template's POM with README's snippet in it, and its quick-start test. */
  private static void writeProject(Path project, String snippet) throws IOException {
    Path template = Path.of(System.getProperty("quota.consumer.template"));
    try (Stream<Path> files = Files.walk(template)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Path target = project.resolve(template.relativize(file).toString());
        Files.createDirectories(target.getParent());
        Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Path pom = project.resolve("pom.xml");
    String text = Files.readString(pom);
    assertThat(text).contains("<!-- README's dependency snippet -->");
    text = text.replace("<!-- README's dependency snippet -->", snippet);
    for (Map.Entry<String, String> tool : Map.of("@compiler@", "quota.plugin.compiler", "@surefire@",
        "quota.plugin.surefire", "@resources@", "quota.plugin.resources", "@jar@", "quota.plugin.jar").entrySet()) {
      text = text.replace(tool.getKey(), System.getProperty(tool.getValue()));
    }
    Files.writeString(pom, text, StandardCharsets.UTF_8);
  }

  /** Every repository mirrored by the local repository of this build, read as a plain file repository. */
  private static Path writeSettings(Path settings) throws IOException {
    String mirror = Path.of(System.getProperty("quota.maven.repository")).toUri().toString();
    Files.writeString(settings, """
        <settings>
          <mirrors>
            <mirror>
              <id>this-builds-repository</id>
              <mirrorOf>*</mirrorOf>
              <url>%s</url>
            </mirror>
          </mirrors>
        </settings>
        """.formatted(mirror));
    return settings;
  }

  private static void deleteRecursively(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.delete(path);
      }
    }
  }
}

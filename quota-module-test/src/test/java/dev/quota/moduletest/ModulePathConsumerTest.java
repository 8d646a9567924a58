package dev.quota.moduletest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.jooq.testsupport.PostgresDatabase;
import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleDescriptor.Opens;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library modules as a user on the module path sees them: a consumer module (src/test/consumer) is compiled
 * with javac against the built jars on {@code --module-path} and run in a JVM of its own on the module path.
 *
 * <p>This test itself runs on the class path, like the tests of every other module: those prove that everything
 * works on the class path, where module descriptors are ignored. This one proves the module path.
 */
class ModulePathConsumerTest {
  private static final List<Path> MODULE_PATH = Arrays.stream(
          System.getProperty("quota.consumer.module-path").split(File.pathSeparator))
      .filter(entry -> !entry.isBlank())
      .map(Path::of)
      .toList();
  private static final Path SOURCES = Path.of(System.getProperty("quota.consumer.sources"));

  @TempDir
  Path work;

  @Test
  void theModulesExportOnlyTheirApiPackages() {
    ModuleFinder finder = ModuleFinder.of(MODULE_PATH.toArray(Path[]::new));

    assertThat(exports(finder, "dev.quota.core"))
        .isEqualTo(Set.of("dev.quota", "dev.quota.admin", "dev.quota.alert", "dev.quota.period", "dev.quota.spi"));
    assertThat(exports(finder, "dev.quota.testkit")).isEqualTo(Set.of("dev.quota.testkit", "dev.quota.testkit.contract"));
    assertThat(exports(finder, "dev.quota.jooq")).isEqualTo(Set.of("dev.quota.jooq"));
    assertThat(exports(finder, "dev.quota.micrometer")).isEqualTo(Set.of("dev.quota.micrometer"));
    assertThat(exports(finder, "dev.quota.notify")).isEqualTo(Set.of("dev.quota.notify"));
    assertThat(exports(finder, "dev.quota.admin.web")).isEqualTo(Set.of("dev.quota.admin.web"));
    assertThat(qualifiedExports(finder, "dev.quota.core"))
        .isEqualTo(Map.of("dev.quota.internal.access", Set.of("dev.quota.testkit")));
    for (String module : List.of("dev.quota.testkit", "dev.quota.jooq", "dev.quota.micrometer", "dev.quota.notify",
        "dev.quota.admin.web")) {
      assertThat(qualifiedExports(finder, module)).as("%s's qualified exports", module).isEmpty();
    }
  }

  @Test
  void onlyWhatFrameworksReflectOnIsOpen() {
    ModuleFinder finder = ModuleFinder.of(MODULE_PATH.toArray(Path[]::new));

    assertThat(opens(finder, "dev.quota.core")).isEmpty();
    assertThat(opens(finder, "dev.quota.micrometer")).isEmpty();
    assertThat(opens(finder, "dev.quota.notify")).isEmpty();
    assertThat(opens(finder, "dev.quota.testkit"))
        .isEqualTo(Map.of("dev.quota.testkit.contract", Set.of("org.junit.platform.commons")));
    assertThat(opens(finder, "dev.quota.jooq")).isEqualTo(Map.of(
        "dev.quota.jooq.internal.generated.tables.records", Set.of("org.jooq"),
        "db.quota", Set.of()));
    assertThat(opens(finder, "dev.quota.admin.web"))
        .isEqualTo(Map.of("dev.quota.admin.web.internal.jte", Set.of("gg.jte.runtime")));
  }

  @Test
  void aConsumerOfTheApiCompilesOnTheModulePath() throws IOException {
    Path classes = work.resolve("classes");

    List<Diagnostic<? extends JavaFileObject>> errors = compile("api", classes);

    assertThat(errors).isEmpty();
    assertThat(classes.resolve("module-info.class")).exists();
  }

  @Test
  void aConsumerImportingCoreInternalsDoesNotCompile() throws IOException {
    List<Diagnostic<? extends JavaFileObject>> errors = compile("internal", work.resolve("classes"));

    assertThat(errors).isNotEmpty().allSatisfy(error -> {
      assertThat(error.getCode()).isEqualTo("compiler.err.package.not.visible");
      assertThat(error.getMessage(Locale.ROOT)).contains(
          "package dev.quota.internal is declared in module dev.quota.core, which does not export it");
    });
  }

  @Test
  void aConsumerImportingJooqInternalsOrGeneratedCodeDoesNotCompile() throws IOException {
    List<Diagnostic<? extends JavaFileObject>> errors = compile("jooqinternal", work.resolve("classes"));

    assertThat(errors).extracting(Diagnostic::getCode).containsOnly("compiler.err.package.not.visible");
    assertThat(errors).extracting(error -> error.getMessage(Locale.ROOT)).anySatisfy(message -> assertThat(message)
        .contains("package dev.quota.jooq.internal is declared in module dev.quota.jooq, which does not export it"))
        .anySatisfy(message -> assertThat(message).contains("package dev.quota.jooq.internal.generated is declared "
            + "in module dev.quota.jooq, which does not export it"));
  }

  @Test
  void theConsumerRunsOnTheModulePath() throws Exception {
    Path classes = work.resolve("classes");
    assertThat(compile("api", classes)).isEmpty();
    String schema = "qt_module_path_" + UUID.randomUUID().toString().substring(0, 8);

    try {
      List<String> output = run(classes, work.resolve("consumer.log"), PostgresDatabase.url(), schema);

      assertThat(output).containsSubsequence(
          "module consumer.api, quota-core is an explicit module dev.quota.core",
          "in-memory: first WITHIN_BALANCE, second INSUFFICIENT_BALANCE, used 60000, remaining 40000",
          "console: tenants page 200, escaped true",
          "reflection into dev.quota.internal: IllegalAccessException",
          "notify: signature verified, e-mail to a closed port retryable true",
          "postgres: schema created true, used 700");
      assertThat(output).anySatisfy(line -> assertThat(line).matches("metrics: [1-9][0-9]* meters registered"));
      String contract = output.stream().filter(line -> line.startsWith("contract suite: ")).findFirst().orElseThrow();
      int found = Integer.parseInt(contract.replaceAll("contract suite: (\\d+) found.*", "$1"));
      assertThat(found).isGreaterThan(100);
      assertThat(contract).isEqualTo("contract suite: " + found + " found, " + found + " succeeded, 0 failed");
    } finally {
      try (Connection c = DriverManager.getConnection(PostgresDatabase.url()); Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
      }
    }
  }

  /** The packages a module exports to every module. */
  private static Set<String> exports(ModuleFinder finder, String module) {
    return descriptor(finder, module).exports().stream().filter(export -> !export.isQualified())
        .map(Exports::source).collect(Collectors.toSet());
  }

  /** The packages a module exports to named modules only, with those modules. */
  private static Map<String, Set<String>> qualifiedExports(ModuleFinder finder, String module) {
    return descriptor(finder, module).exports().stream().filter(Exports::isQualified)
        .collect(Collectors.toMap(Exports::source, Exports::targets));
  }

  private static Map<String, Set<String>> opens(ModuleFinder finder, String module) {
    return descriptor(finder, module).opens().stream().collect(Collectors.toMap(Opens::source, Opens::targets));
  }

  private static ModuleDescriptor descriptor(ModuleFinder finder, String module) {
    ModuleDescriptor descriptor = finder.find(module).orElseThrow().descriptor();
    assertThat(descriptor.isAutomatic()).as("%s has a module-info", module).isFalse();
    return descriptor;
  }

  /** Compiles one consumer module from src/test/consumer/{name} into {@code into}; returns the errors. */
  private static List<Diagnostic<? extends JavaFileObject>> compile(String name, Path into) throws IOException {
    List<Path> sources;
    try (Stream<Path> files = Files.walk(SOURCES.resolve(name))) {
      sources = files.filter(file -> file.toString().endsWith(".java")).toList();
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT,
        StandardCharsets.UTF_8)) {
      // nothing from this JVM's class path: the consumer sees the jars through the module path alone
      files.setLocation(StandardLocation.CLASS_PATH, List.of());
      List<String> options = List.of("--release", "21", "--module-path", modulePath(), "-d", into.toString());
      javac.getTask(null, files, diagnostics, options, null, files.getJavaFileObjectsFromPaths(sources)).call();
    }
    return diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR).toList();
  }

  /** Runs the compiled consumer on the module path in a JVM of its own; returns its standard output. */
  private static List<String> run(Path classes, Path log, String... arguments)
      throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(java.toString(),
        "--module-path", classes + File.pathSeparator + modulePath(),
        "--module", "consumer.api/consumer.api.Main"));
    command.addAll(List.of(arguments));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    // the contract suite runs in there, on a machine that may be busy: generous, but bounded
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("the consumer did not finish within 5 minutes:\n" + Files.readString(log));
    }
    List<String> output = Files.readAllLines(log);
    assertThat(process.exitValue()).as("exit status; output:%n%s", String.join("\n", output)).isZero();
    return output;
  }

  private static String modulePath() {
    return MODULE_PATH.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
  }
}

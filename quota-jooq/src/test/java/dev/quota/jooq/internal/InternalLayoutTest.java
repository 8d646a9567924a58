package dev.quota.jooq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shape the internal package keeps (generated code aside): files of one concern each, short enough to read, and
 * results read by name. A reader cannot tell what column 11 is.
 */
class InternalLayoutTest {
  private static final Path INTERNAL = Path.of("src/main/java/dev/quota/jooq/internal");
  private static final int MOST_LINES = 500;
  /**
   * Reads by position: a jOOQ record's {@code get(3, Long.class)} or {@code value3()}, a table's {@code field(3)}, a
   * JDBC result set's {@code getLong(3)}.
   */
  private static final Pattern BY_POSITION = Pattern.compile("\\.get\\(\\s*\\d+\\s*,|\\.value\\d+\\(\\)"
      + "|\\.field\\(\\s*\\d+\\s*\\)|\\.get(String|Long|Int|Short|Boolean|Object|Timestamp|Array)\\(\\s*\\d");

  @Test
  void noFileIsLongerThanFiveHundredLines() throws IOException {
    List<String> tooLong = new ArrayList<>();
    for (Path file : sources()) {
      long lines = Files.readAllLines(file).size();
      if (lines > MOST_LINES) {
        tooLong.add(file.getFileName() + " (" + lines + " lines)");
      }
    }
    assertThat(tooLong).isEmpty();
  }

  @Test
  void resultsAreReadByNameNeverByPosition() throws IOException {
    List<String> positional = new ArrayList<>();
    for (Path file : sources()) {
      List<String> lines = Files.readAllLines(file);
      for (int i = 0; i < lines.size(); i++) {
        if (BY_POSITION.matcher(lines.get(i)).find()) {
          positional.add(file.getFileName() + ":" + (i + 1) + ": " + lines.get(i).strip());
        }
      }
    }
    assertThat(positional).isEmpty();
  }

  private static List<Path> sources() throws IOException {
    try (Stream<Path> files = Files.walk(INTERNAL)) {
      List<Path> sources = files.filter(f -> f.toString().endsWith(".java")).toList();
      assertThat(sources).isNotEmpty();
      return sources;
    }
  }
}

package dev.quota.notify.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A text with placeholders: {@code {name}} is replaced by a value, <code>&#123;&#123;</code> is a literal brace. A
 * brace that does not open a placeholder name ({@code { color: red }} in a style sheet) is kept as it is; a
 * {@code {name}} whose name is unknown is refused when the template is read, so that a misspelt placeholder fails at
 * start-up and never reaches a reader.
 */
public final class Template {
  private final List<Object> parts;

  private Template(List<Object> parts) {
    this.parts = List.copyOf(parts);
  }

  /**
   * Reads a template.
   *
   * @param field the template's name, for the error message
   * @param source the template
   * @param names the placeholder names it may use
   * @return the template
   * @throws IllegalArgumentException naming {@code field} and the unknown placeholder
   */
  public static Template parse(String field, String source, Set<String> names) {
    List<Object> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < source.length()) {
      char c = source.charAt(i);
      if (c == '{' && source.startsWith("{{", i)) {
        literal.append('{');
        i += 2;
        continue;
      }
      if (c == '{') {
        int end = nameEnd(source, i + 1);
        if (end > i + 1 && end < source.length() && source.charAt(end) == '}') {
          String name = source.substring(i + 1, end);
          if (!names.contains(name)) {
            throw new IllegalArgumentException(field + " uses the unknown placeholder {" + name + "} at index " + i
                + "; known are " + names.stream().sorted().map(n -> "{" + n + "}").toList()
                + " (write {{ for a literal brace)");
          }
          if (!literal.isEmpty()) {
            parts.add(literal.toString());
            literal.setLength(0);
          }
          parts.add(new Placeholder(name));
          i = end + 1;
          continue;
        }
      }
      literal.append(c);
      i++;
    }
    if (!literal.isEmpty()) {
      parts.add(literal.toString());
    }
    return new Template(parts);
  }

  private static int nameEnd(String source, int from) {
    int i = from;
    while (i < source.length() && isNameChar(source.charAt(i))) {
      i++;
    }
    return i;
  }

  private static boolean isNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  /**
   * The placeholders this template uses.
   *
   * @return their names
   */
  public Set<String> names() {
    Set<String> names = new java.util.TreeSet<>();
    for (Object part : parts) {
      if (part instanceof Placeholder p) {
        names.add(p.name());
      }
    }
    return names;
  }

  /**
   * Fills the placeholders in.
   *
   * @param values a value for every name the template may use, already made safe for where the text goes
   * @return the text
   */
  public String render(Map<String, String> values) {
    StringBuilder out = new StringBuilder();
    for (Object part : parts) {
      if (part instanceof Placeholder p) {
        String value = values.get(p.name());
        if (value == null) {
          throw new IllegalStateException("no value for {" + p.name() + "}");
        }
        out.append(value);
      } else {
        out.append((String) part);
      }
    }
    return out.toString();
  }

  private record Placeholder(String name) {}
}

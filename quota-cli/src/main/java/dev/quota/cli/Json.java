package dev.quota.cli;

import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Writes the values the commands print under {@code --json}, indented by two spaces: maps (in their
 * iteration order, so use {@link java.util.LinkedHashMap}) as objects, lists as arrays, strings, whole
 * numbers, finite doubles, booleans, {@code null} and empty optionals as {@code null}, instants as ISO-8601
 * UTC strings, anything else as its {@code toString()}.
 *
 * <p>Small on purpose: the jar stays lean and the output is exactly what is documented.
 */
final class Json {
  private Json() {}

  /**
   * Writes a value as an indented JSON document.
   *
   * @param value the value
   * @return the text, without a trailing line break
   */
  static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, 0);
    return out.toString();
  }

  private static void write(StringBuilder out, Object value, int depth) {
    switch (value) {
      case null -> out.append("null");
      case Optional<?> optional -> write(out, optional.orElse(null), depth);
      case String s -> string(out, s);
      case Boolean b -> out.append(b);
      case Integer i -> out.append(i);
      case Long l -> out.append(l);
      case Double d -> number(out, d);
      case Instant instant -> string(out, instant.toString());
      case Map<?, ?> map -> object(out, map, depth);
      case List<?> list -> array(out, list, depth);
      default -> string(out, value.toString());
    }
  }

  private static void number(StringBuilder out, double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      out.append("null");
    } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      out.append(String.format(Locale.ROOT, "%.1f", d));
    } else {
      out.append(Double.toString(d));
    }
  }

  private static void object(StringBuilder out, Map<?, ?> map, int depth) {
    if (map.isEmpty()) {
      out.append("{}");
      return;
    }
    out.append("{\n");
    Iterator<? extends Map.Entry<?, ?>> entries = map.entrySet().iterator();
    while (entries.hasNext()) {
      Map.Entry<?, ?> entry = entries.next();
      indent(out, depth + 1);
      string(out, String.valueOf(entry.getKey()));
      out.append(": ");
      write(out, entry.getValue(), depth + 1);
      out.append(entries.hasNext() ? ",\n" : "\n");
    }
    indent(out, depth);
    out.append('}');
  }

  private static void array(StringBuilder out, List<?> list, int depth) {
    if (list.isEmpty()) {
      out.append("[]");
      return;
    }
    out.append("[\n");
    for (int i = 0; i < list.size(); i++) {
      indent(out, depth + 1);
      write(out, list.get(i), depth + 1);
      out.append(i < list.size() - 1 ? ",\n" : "\n");
    }
    indent(out, depth);
    out.append(']');
  }

  private static void indent(StringBuilder out, int depth) {
    out.append("  ".repeat(depth));
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          // other control characters, and the two line separators JavaScript does not accept in strings
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}

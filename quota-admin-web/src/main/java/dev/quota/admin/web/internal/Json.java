package dev.quota.admin.web.internal;

import dev.quota.InvalidRequestException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The little JSON the console speaks: writes maps, lists, strings, numbers, booleans and null; reads one flat object
 * whose values are scalars (a change's parameters). Small on purpose: a JSON library would be one more dependency
 * for the host to reconcile with its own.
 */
public final class Json {
  private Json() {}

  /**
   * Writes a value as JSON.
   *
   * @param value a {@link Map} (string keys), {@link List}, {@link CharSequence}, {@link Number}, {@link Boolean} or
   *     {@code null}; anything else is written as its {@code toString()}
   * @return the JSON text
   */
  public static String write(@Nullable Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value);
    return out.toString();
  }

  private static void write(StringBuilder out, @Nullable Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof Map<?, ?> map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        string(out, String.valueOf(entry.getKey()));
        out.append(':');
        write(out, entry.getValue());
      }
      out.append('}');
    } else if (value instanceof List<?> list) {
      out.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        write(out, list.get(i));
      }
      out.append(']');
    } else if (value instanceof Double d) {
      out.append(d.isNaN() || d.isInfinite() ? "null" : String.valueOf(d));
    } else if (value instanceof Number || value instanceof Boolean) {
      out.append(value);
    } else {
      string(out, value.toString());
    }
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
        default -> {
          // below space, and the characters that would end a script block or an HTML comment if the JSON were
          // ever embedded in a page
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /**
   * Reads a JSON object whose values are strings, numbers, booleans or null, as text by name (numbers as written,
   * null as absent).
   *
   * @param text the request body
   * @return the members, in order
   * @throws InvalidRequestException naming {@code "body"} if the text is not such an object
   */
  public static Map<String, String> readFlatObject(String text) {
    Reader reader = new Reader(text);
    Map<String, String> members = reader.object();
    reader.skipSpace();
    if (reader.pos != text.length()) {
      throw reader.fail("has text after the object");
    }
    return members;
  }

  private static final class Reader {
    private final String s;
    private int pos;

    Reader(String s) {
      this.s = s;
    }

    InvalidRequestException fail(String rule) {
      return new InvalidRequestException("body", "must be a JSON object of strings and numbers: " + rule
          + " at offset " + pos);
    }

    void skipSpace() {
      while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t' || s.charAt(pos) == '\n'
          || s.charAt(pos) == '\r')) {
        pos++;
      }
    }

    void expect(char c) {
      skipSpace();
      if (pos >= s.length() || s.charAt(pos) != c) {
        throw fail("expected '" + c + "'");
      }
      pos++;
    }

    Map<String, String> object() {
      expect('{');
      Map<String, String> members = new LinkedHashMap<>();
      skipSpace();
      if (pos < s.length() && s.charAt(pos) == '}') {
        pos++;
        return members;
      }
      while (true) {
        skipSpace();
        String name = string();
        expect(':');
        skipSpace();
        @Nullable String value = scalar();
        if (members.containsKey(name)) {
          throw fail("duplicate member '" + name + "'");
        }
        if (value != null) {
          members.put(name, value);
        }
        skipSpace();
        if (pos < s.length() && s.charAt(pos) == ',') {
          pos++;
          continue;
        }
        expect('}');
        return members;
      }
    }

    @Nullable String scalar() {
      if (pos >= s.length()) {
        throw fail("expected a value");
      }
      char c = s.charAt(pos);
      if (c == '"') {
        return string();
      }
      if (s.startsWith("null", pos)) {
        pos += 4;
        return null;
      }
      if (s.startsWith("true", pos)) {
        pos += 4;
        return "true";
      }
      if (s.startsWith("false", pos)) {
        pos += 5;
        return "false";
      }
      int start = pos;
      while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
      if (start == pos) {
        throw fail("expected a string, number, boolean or null");
      }
      return s.substring(start, pos);
    }

    String string() {
      if (pos >= s.length() || s.charAt(pos) != '"') {
        throw fail("expected a string");
      }
      pos++;
      StringBuilder out = new StringBuilder();
      while (pos < s.length()) {
        char c = s.charAt(pos++);
        if (c == '"') {
          return out.toString();
        }
        if (c != '\\') {
          out.append(c);
          continue;
        }
        if (pos >= s.length()) {
          break;
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"', '\\', '/' -> out.append(e);
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw fail("unfinished \\u escape");
            }
            try {
              out.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw fail("bad \\u escape");
            }
            pos += 4;
          }
          default -> throw fail("bad escape '\\" + e + "'");
        }
      }
      throw fail("unterminated string");
    }
  }
}

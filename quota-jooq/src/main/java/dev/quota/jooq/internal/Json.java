package dev.quota.jooq.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes and reads the flat JSON objects of text the store keeps (ledger attributes, audit details). */
final class Json {
  private Json() {}

  static String write(Map<String, String> map) {
    StringBuilder out = new StringBuilder(16 + map.size() * 24).append('{');
    boolean first = true;
    for (Map.Entry<String, String> e : map.entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      quote(out, e.getKey());
      out.append(':');
      quote(out, e.getValue());
    }
    return out.append('}').toString();
  }

  /** A JSON array of texts (a path write's tenants, as quota_path_consume_batch takes them). */
  static String writeArray(java.util.List<String> texts) {
    StringBuilder out = new StringBuilder(2 + texts.size() * 24).append('[');
    for (int i = 0; i < texts.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      quote(out, texts.get(i));
    }
    return out.append(']').toString();
  }

  private static void quote(StringBuilder out, String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /** Reads an object whose values are all strings, keeping the order of its keys. */
  static Map<String, String> read(String json) {
    Reader reader = new Reader(json);
    Map<String, String> map = new LinkedHashMap<>();
    reader.expect('{');
    if (reader.peek() == '}') {
      reader.pos++;
      return Collections.unmodifiableMap(map);
    }
    while (true) {
      String key = reader.string();
      reader.expect(':');
      map.put(key, reader.string());
      char next = reader.next();
      if (next == '}') {
        return Collections.unmodifiableMap(map);
      }
      if (next != ',') {
        throw new IllegalStateException("malformed JSON object at " + reader.pos + ": " + json);
      }
    }
  }

  private static final class Reader {
    private final String text;
    private int pos;

    Reader(String text) {
      this.text = text;
    }

    char peek() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
      if (pos >= text.length()) {
        throw new IllegalStateException("unexpected end of JSON: " + text);
      }
      return text.charAt(pos);
    }

    char next() {
      char c = peek();
      pos++;
      return c;
    }

    void expect(char c) {
      if (next() != c) {
        throw new IllegalStateException("expected '" + c + "' at " + (pos - 1) + " in JSON: " + text);
      }
    }

    String string() {
      expect('"');
      StringBuilder out = new StringBuilder();
      while (true) {
        char c = text.charAt(pos++);
        if (c == '"') {
          return out.toString();
        }
        if (c != '\\') {
          out.append(c);
          continue;
        }
        char e = text.charAt(pos++);
        switch (e) {
          case '"', '\\', '/' -> out.append(e);
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'u' -> {
            out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
            pos += 4;
          }
          default -> throw new IllegalStateException("bad escape in JSON: " + text);
        }
      }
    }
  }
}

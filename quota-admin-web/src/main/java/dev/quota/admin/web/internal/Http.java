package dev.quota.admin.web.internal;

import dev.quota.InvalidRequestException;
import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Percent-encoding and the parameters of queries and forms, decoded exactly once. */
public final class Http {
  private Http() {}

  /**
   * Reads {@code application/x-www-form-urlencoded} text (a query string or a form body).
   *
   * @param text the encoded text
   * @return every value by name, in order
   * @throws InvalidRequestException naming {@code "query"} if an escape is malformed
   */
  public static Map<String, List<String>> parameters(String text) {
    Map<String, List<String>> parameters = new LinkedHashMap<>();
    if (text.isEmpty()) {
      return parameters;
    }
    for (String pair : text.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decodeForm(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decodeForm(pair.substring(eq + 1));
      parameters.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    return parameters;
  }

  private static String decodeForm(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("query", "has a malformed percent escape");
    }
  }

  /**
   * Decodes one path segment: {@code %XX} escapes once, {@code +} kept as it is.
   *
   * @param segment the raw segment
   * @return the decoded text
   * @throws InvalidRequestException naming {@code "path"} if an escape is malformed
   */
  public static String decodeSegment(String segment) {
    if (segment.indexOf('%') < 0) {
      return segment;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (c != '%') {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        continue;
      }
      if (i + 2 >= segment.length()) {
        throw new InvalidRequestException("path", "has a malformed percent escape");
      }
      int hi = Character.digit(segment.charAt(i + 1), 16);
      int lo = Character.digit(segment.charAt(i + 2), 16);
      if (hi < 0 || lo < 0) {
        throw new InvalidRequestException("path", "has a malformed percent escape");
      }
      bytes.write(hi * 16 + lo);
      i += 2;
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /**
   * Encodes a query parameter's value.
   *
   * @param value the text
   * @return it, percent-encoded for a query string
   */
  public static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /**
   * Encodes a path segment: every character but the unreserved ones escaped, {@code /} and {@code %} included.
   *
   * @param value the text
   * @return the segment
   */
  public static String encodeSegment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * Makes a value safe for one log line: control characters and double quotes escaped, long values cut.
   *
   * @param value the value
   * @return the printable, bounded text
   */
  public static String loggable(String value) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < value.length() && out.length() < 200; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '"') {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (out.length() >= 200) {
      out.append("...(").append(value.length()).append(" chars)");
    }
    return out.toString();
  }
}

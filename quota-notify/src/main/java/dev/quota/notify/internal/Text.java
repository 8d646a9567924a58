package dev.quota.notify.internal;

/**
 * Makes values safe to place into mail headers, plain text and HTML. Values come from tenants and from the host's
 * own tables (tenant names), so they may hold line breaks, markup or thousands of characters.
 */
public final class Text {
  private static final char ELLIPSIS = '\u2026';

  private Text() {}

  /**
   * One line of at most {@code maxChars} characters: every line break, control character and bidirectional override
   * becomes a space (a line break in a header value would start a new header), and a longer value is cut, ending in
   * an ellipsis.
   *
   * @param value any text
   * @param maxChars the most characters kept, at least 2
   * @return the value on one line
   */
  public static String singleLine(String value, int maxChars) {
    StringBuilder out = new StringBuilder(Math.min(value.length(), maxChars));
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      out.append(breaksLineOrHides(c) ? ' ' : c);
    }
    return truncate(out.toString(), maxChars);
  }

  /**
   * Cuts a text to at most {@code maxChars} characters, never between the two halves of a surrogate pair.
   *
   * @param value any text
   * @param maxChars the most characters kept, at least 2
   * @return the text, or its start followed by an ellipsis
   */
  public static String truncate(String value, int maxChars) {
    if (value.length() <= maxChars) {
      return value;
    }
    int end = maxChars - 1;
    if (Character.isHighSurrogate(value.charAt(end - 1))) {
      end--;
    }
    return value.substring(0, end) + ELLIPSIS;
  }

  /**
   * Escapes a value for HTML text and quoted attribute values.
   *
   * @param value any text
   * @return the value with {@code & < > " '} as character references
   */
  public static String html(String value) {
    StringBuilder out = new StringBuilder(value.length() + 16);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * Whether a character ends a line for some reader (CR, LF, NEL, the Unicode line and paragraph separators), is
   * another control character, or reorders the text around it (the bidirectional embeddings, overrides and
   * isolates, with which a subject can be made to read differently from what it says).
   */
  private static boolean breaksLineOrHides(char c) {
    int type = Character.getType(c);
    return type == Character.CONTROL
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR
        || (c >= '\u202A' && c <= '\u202E')
        || (c >= '\u2066' && c <= '\u2069');
  }
}

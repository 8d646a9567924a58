package dev.quota.notify.internal;

import dev.quota.alert.Notification;
import java.util.Locale;

/** The webhook payload: one JSON object per notification, written by hand as it has a fixed, flat shape. */
public final class Json {
  private Json() {}

  /**
   * The payload README documents under "Webhook payload".
   *
   * @param n the notification
   * @return a JSON object, on one line
   */
  public static String payload(Notification n) {
    StringBuilder out = new StringBuilder(384);
    out.append('{');
    string(out, "id", n.id().toString()).append(',');
    string(out, "type", type(n)).append(',');
    string(out, "tenant", n.tenant().value()).append(',');
    string(out, "meter", n.meter().name()).append(',');
    number(out, "thresholdPercent", n.thresholdPercent()).append(',');
    number(out, "used", n.used()).append(',');
    number(out, "ceiling", n.ceiling()).append(',');
    string(out, "periodStart", n.period().start().toString()).append(',');
    string(out, "periodEnd", n.period().end().toString()).append(',');
    string(out, "resetsAt", n.resetsAt().toString()).append(',');
    string(out, "occurredAt", n.occurredAt().toString()).append(',');
    string(out, "cause", n.cause());
    return out.append('}').toString();
  }

  /**
   * The payload's {@code type}: {@code quota.} and the kind in lower case.
   *
   * @param n the notification
   * @return e.g. {@code quota.threshold_crossed}
   */
  public static String type(Notification n) {
    return "quota." + n.kind().name().toLowerCase(Locale.ROOT);
  }

  private static StringBuilder string(StringBuilder out, String name, String value) {
    quote(out, name).append(':');
    return quote(out, value);
  }

  private static StringBuilder number(StringBuilder out, String name, long value) {
    return quote(out, name).append(':').append(value);
  }

  /**
   * A JSON string: quotes, backslashes and control characters escaped as RFC 8259 requires, and U+2028/U+2029 and
   * unpaired surrogates as {@code \}{@code uXXXX} too, so that the payload stays valid UTF-8 and valid JavaScript.
   */
  static StringBuilder quote(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          boolean paired = Character.isHighSurrogate(c) && i + 1 < value.length()
              && Character.isLowSurrogate(value.charAt(i + 1));
          if (paired) {
            out.append(c).append(value.charAt(++i));
          } else if (c < 0x20 || c == '\u2028' || c == '\u2029' || Character.isSurrogate(c)) {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"');
  }
}

package dev.quota.internal;

import dev.quota.InvalidRequestException;
import java.time.Duration;
import java.util.Objects;

/** Validation shared by the value types; each failure names the field and the rule. */
public final class Checks {
  private Checks() {}

  /** Fails unless {@code value} is non-null. */
  public static <T> T notNull(String field, T value) {
    if (value == null) {
      throw new InvalidRequestException(field, "must not be null");
    }
    return value;
  }

  /**
   * Fails unless {@code value} is a non-blank text of at most {@code maxLength} characters with no control
   * characters: the rule for identifiers that end up in logs, SQL bind values and audit entries.
   */
  public static String identifier(String field, String value, int maxLength) {
    nonBlankAtMost(field, value, maxLength);
    int control = firstControl(value, false);
    if (control >= 0) {
      throw new InvalidRequestException(field, "must not contain control characters (found U+"
          + String.format("%04X", (int) value.charAt(control)) + " at index " + control + ")");
    }
    if (!value.strip().equals(value)) {
      throw new InvalidRequestException(field, "must not start or end with white space");
    }
    return value;
  }

  /**
   * Fails unless {@code value} is a free text: non-blank, bounded, and without control characters but tab and
   * line feed.
   */
  public static String text(String field, String value, int maxLength) {
    nonBlankAtMost(field, value, maxLength);
    int control = firstControl(value, true);
    if (control >= 0) {
      throw new InvalidRequestException(field, "must not contain control characters other than tab and line feed "
          + "(found U+" + String.format("%04X", (int) value.charAt(control)) + " at index " + control + ")");
    }
    return value;
  }

  private static void nonBlankAtMost(String field, String value, int maxLength) {
    notNull(field, value);
    if (value.isBlank()) {
      throw new InvalidRequestException(field, "must not be blank");
    }
    if (value.length() > maxLength) {
      throw new InvalidRequestException(field, "must be at most " + maxLength + " characters, was " + value.length());
    }
  }

  /** The index of the first control character, tab and line feed allowed or not; -1 if none. */
  private static int firstControl(String value, boolean allowTabAndLineFeed) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) && !(allowTabAndLineFeed && (c == '\n' || c == '\t'))) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Fails unless {@code value} is a name made of ASCII letters, digits, {@code '-'}, {@code '_'} and
   * {@code '.'}, starting with a letter or digit, of at most {@code maxLength} characters.
   */
  public static String name(String field, String value, int maxLength) {
    notNull(field, value);
    if (value.isEmpty()) {
      throw new InvalidRequestException(field, "must not be blank");
    }
    if (value.length() > maxLength) {
      throw new InvalidRequestException(field, "must be at most " + maxLength + " characters, was " + value.length());
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      boolean allowed = alnum || (i > 0 && (c == '-' || c == '_' || c == '.'));
      if (!allowed) {
        throw new InvalidRequestException(field, "must consist of ASCII letters, digits, '-', '_' and '.', "
            + "starting with a letter or digit (was '" + printable(value) + "')");
      }
    }
    return value;
  }

  /** Fails unless {@code value > 0}. */
  public static long positive(String field, long value) {
    if (value <= 0) {
      throw new InvalidRequestException(field, "must be positive, was " + value);
    }
    return value;
  }

  /** Fails unless {@code value >= 0}. */
  public static long notNegative(String field, long value) {
    if (value < 0) {
      throw new InvalidRequestException(field, "must not be negative, was " + value);
    }
    return value;
  }

  /** Fails unless the duration is positive and at most {@code max}. */
  public static Duration positiveAtMost(String field, Duration value, Duration max) {
    notNull(field, value);
    if (value.isNegative() || value.isZero()) {
      throw new InvalidRequestException(field, "must be positive, was " + value);
    }
    if (value.compareTo(max) > 0) {
      throw new InvalidRequestException(field, "must be at most " + max + ", was " + value);
    }
    return value;
  }

  /** {@code a + b}, failing with a message naming the field when the sum overflows a {@code long}. */
  public static long addExact(String field, long a, long b) {
    long sum = a + b;
    if (((a ^ sum) & (b ^ sum)) < 0) {
      throw new InvalidRequestException(field, "would overflow a 64-bit count (" + a + " + " + b + ")");
    }
    return sum;
  }

  /** {@code a + b} for non-negative operands, capped at {@link Long#MAX_VALUE}: ceilings saturate. */
  public static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  /**
   * A duration as people write it, for messages that operators read: {@code 90 days}, {@code 1 day 12 hours},
   * {@code 30 minutes}, {@code 1.5 seconds}; never ISO-8601's {@code PT2160H}.
   */
  public static String readable(Duration duration) {
    Objects.requireNonNull(duration);
    if (duration.isZero()) {
      return "0 seconds";
    }
    StringBuilder text = new StringBuilder(duration.isNegative() ? "minus " : "");
    Duration rest = duration.abs();
    appendUnit(text, rest.toDays(), "day");
    appendUnit(text, rest.toHoursPart(), "hour");
    appendUnit(text, rest.toMinutesPart(), "minute");
    if (rest.toSecondsPart() != 0 || rest.toNanosPart() != 0) {
      java.math.BigDecimal seconds = java.math.BigDecimal.valueOf(rest.toSecondsPart())
          .add(java.math.BigDecimal.valueOf(rest.toNanosPart(), 9)).stripTrailingZeros();
      appendUnit(text, seconds.toPlainString(), seconds.compareTo(java.math.BigDecimal.ONE) == 0, "second");
    }
    return text.toString();
  }

  private static void appendUnit(StringBuilder text, long amount, String unit) {
    if (amount != 0) {
      appendUnit(text, Long.toString(amount), amount == 1, unit);
    }
  }

  private static void appendUnit(StringBuilder text, String amount, boolean one, String unit) {
    if (!text.isEmpty() && !text.toString().equals("minus ")) {
      text.append(' ');
    }
    text.append(amount).append(' ').append(unit).append(one ? "" : "s");
  }

  /** Makes a value safe to echo in a message: control characters become escapes, long values are cut. */
  public static String printable(String value) {
    Objects.requireNonNull(value);
    StringBuilder out = new StringBuilder(Math.min(value.length(), 80));
    for (int i = 0; i < value.length() && out.length() < 64; i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (out.length() >= 64 && value.length() > 64) {
      out.append("...");
    }
    return out.toString();
  }
}

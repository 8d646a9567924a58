package dev.quota.cli;

import dev.quota.TierCatalogue;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts of units as operators type them: {@code 50000}, {@code 50_000}, {@code 50,000}, {@code 50k},
 * {@code 1.5M} (k is a thousand, M a million; the result must be a whole number).
 */
final class Amount {
  private static final Pattern FORM = Pattern.compile("(\\d[\\d_,]*(?:\\.\\d+)?)([kKmM]?)");

  private Amount() {}

  /**
   * Reads a positive count.
   *
   * @param field what the count is, for the message
   * @param text the text
   * @return the count, in the meter's unit
   * @throws CliException (bad usage) if the text is not a positive whole count
   */
  static long parsePositive(String field, String text) {
    long value = parse(field, text);
    if (value <= 0) {
      throw CliException.usage(field + " must be positive, was " + text);
    }
    return value;
  }

  /**
   * Reads a limit of a catalogue file: a count, or {@code unlimited}.
   *
   * @param field what the limit is, for the message
   * @param text the text
   * @return the count, or {@link TierCatalogue#UNLIMITED}
   */
  static long parseLimit(String field, String text) {
    if (text.strip().equalsIgnoreCase("unlimited")) {
      return TierCatalogue.UNLIMITED;
    }
    return parse(field, text);
  }

  private static long parse(String field, String text) {
    Matcher m = FORM.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw CliException.usage(field + " must be a whole count such as 50000, 50_000, 50k or 1.5M, was '"
          + text + "'");
    }
    BigDecimal number = new BigDecimal(m.group(1).replace("_", "").replace(",", ""));
    BigDecimal scaled = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> number.scaleByPowerOfTen(3);
      case "m" -> number.scaleByPowerOfTen(6);
      default -> number;
    };
    try {
      return scaled.longValueExact();
    } catch (ArithmeticException e) {
      throw CliException.usage(field + " must be a whole count (at most " + Long.MAX_VALUE + "), was '" + text + "'");
    }
  }
}

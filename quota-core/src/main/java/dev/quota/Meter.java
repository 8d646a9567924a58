package dev.quota;

import dev.quota.internal.Checks;

/**
 * What is counted: AI tokens by default, or anything else with its own limits, such as AI calls.
 *
 * <p>A name is 1 to {@value #MAX_LENGTH} ASCII letters, digits, {@code '-'}, {@code '_'} or {@code '.'},
 * starting with a letter or digit. Every meter a guard is asked about must be declared in its
 * {@link TierCatalogue}.
 *
 * @param name the meter's name
 */
public record Meter(String name) {
  /** The longest accepted meter name, in characters. */
  public static final int MAX_LENGTH = 64;

  /** The default meter: model tokens spent by AI calls. */
  public static final Meter AI_TOKENS = new Meter("ai-tokens");

  /**
   * Validates the name.
   *
   * @throws InvalidRequestException if {@code name} breaks a rule above
   */
  public Meter {
    Checks.name("meter", name, MAX_LENGTH);
  }

  /**
   * Returns the meter of that name.
   *
   * @param name the meter's name
   * @return the validated meter
   * @throws InvalidRequestException if the name breaks a rule above
   */
  public static Meter of(String name) {
    return new Meter(name);
  }

  @Override
  public String toString() {
    return name;
  }
}

package dev.quota;

import dev.quota.internal.Checks;

/**
 * A subscription tier such as {@code free}, {@code pro} or {@code enterprise}; its limits live in the
 * {@link TierCatalogue}.
 *
 * <p>A name is 1 to {@value #MAX_LENGTH} ASCII letters, digits, {@code '-'}, {@code '_'} or {@code '.'},
 * starting with a letter or digit. Names are case-sensitive.
 *
 * @param name the tier's name
 */
public record Tier(String name) {
  /** The longest accepted tier name, in characters. */
  public static final int MAX_LENGTH = 64;

  /** The default catalogue's entry tier: 100,000 AI tokens a month. */
  public static final Tier FREE = new Tier("free");
  /** The default catalogue's middle tier: 1,000,000 AI tokens a month. */
  public static final Tier PRO = new Tier("pro");
  /** The default catalogue's top tier: 10,000,000 AI tokens a month. */
  public static final Tier ENTERPRISE = new Tier("enterprise");

  /**
   * Validates the name.
   *
   * @throws InvalidRequestException if {@code name} breaks a rule above
   */
  public Tier {
    Checks.name("tier", name, MAX_LENGTH);
  }

  /**
   * Returns the tier of that name.
   *
   * @param name the tier's name
   * @return the validated tier
   * @throws InvalidRequestException if the name breaks a rule above
   */
  public static Tier of(String name) {
    return new Tier(name);
  }

  @Override
  public String toString() {
    return name;
  }
}

package dev.quota;

import dev.quota.internal.Checks;
import java.util.UUID;

/**
 * The identity of one usage event, such as the id of the AI session that spent the tokens.
 *
 * <p>Recording is idempotent by key within a tenant and meter: a retried call with the same key and amount
 * counts once. Non-blank, at most {@value #MAX_LENGTH} characters, no control characters, no leading or
 * trailing white space.
 *
 * @param value the event's identity
 */
public record UsageKey(String value) {
  /** The longest accepted usage key, in characters. */
  public static final int MAX_LENGTH = 255;

  /**
   * Validates the key.
   *
   * @throws InvalidRequestException if {@code value} breaks a rule above
   */
  public UsageKey {
    Checks.identifier("usage key", value, MAX_LENGTH);
  }

  /**
   * Returns the key for a text.
   *
   * @param value the event's identity
   * @return the validated key
   * @throws InvalidRequestException if the value breaks a rule above
   */
  public static UsageKey of(String value) {
    return new UsageKey(value);
  }

  /**
   * Returns a new random key, for events that have no identity of their own. A random key makes a retry
   * count twice, so prefer an id the caller can repeat.
   *
   * @return a key made of a random UUID
   */
  public static UsageKey random() {
    return new UsageKey(UUID.randomUUID().toString());
  }

  @Override
  public String toString() {
    return value;
  }
}

package dev.quota;

import dev.quota.internal.Checks;

/**
 * Who usage belongs to: a customer account of the host service.
 *
 * <p>Any text the host uses (an account id, a UUID, a slug) works: non-blank, at most
 * {@value #MAX_LENGTH} characters, no control characters, no leading or trailing white space. It is stored
 * verbatim and always passed to the database as a bind value, so text that looks like SQL is just text.
 *
 * @param value the tenant's identifier as the host knows it
 */
public record TenantId(String value) {
  /** The longest accepted tenant id, in characters. */
  public static final int MAX_LENGTH = 255;

  /**
   * Validates the id.
   *
   * @throws InvalidRequestException if {@code value} breaks a rule above
   */
  public TenantId {
    Checks.identifier("tenant id", value, MAX_LENGTH);
  }

  /**
   * Returns the tenant id for a text.
   *
   * @param value the tenant's identifier
   * @return the validated id
   * @throws InvalidRequestException if {@code value} is blank, too long, has control characters or surrounding
   *     white space
   */
  public static TenantId of(String value) {
    return new TenantId(value);
  }

  @Override
  public String toString() {
    return value;
  }
}

package dev.quota.admin;

import dev.quota.internal.Checks;
import java.util.UUID;

/**
 * The identity of a grant, tier override or bypass, for {@link QuotaAdmin#revoke}.
 *
 * @param value a UUID
 */
public record EntitlementId(UUID value) {
  /** Validates the id. */
  public EntitlementId {
    Checks.notNull("entitlement id", value);
  }

  /** @return a new random id */
  public static EntitlementId random() {
    return new EntitlementId(UUID.randomUUID());
  }

  /**
   * Parses an id from its text form.
   *
   * @param text a UUID such as {@code 3f0e...}
   * @return the id
   * @throws dev.quota.InvalidRequestException if the text is not a UUID
   */
  public static EntitlementId parse(String text) {
    Checks.notNull("entitlement id", text);
    try {
      return new EntitlementId(UUID.fromString(text));
    } catch (IllegalArgumentException e) {
      throw new dev.quota.InvalidRequestException("entitlement id", "must be a UUID, was '" + Checks.printable(text) + "'");
    }
  }

  @Override
  public String toString() {
    return value.toString();
  }
}

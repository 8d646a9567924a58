package dev.quota;

import dev.quota.internal.Checks;
import java.util.UUID;

/**
 * The identity of a {@link Reservation}, for committing or releasing it from another thread or process.
 *
 * @param value a UUID
 */
public record ReservationId(UUID value) {
  /** Validates the id. */
  public ReservationId {
    Checks.notNull("reservation id", value);
  }

  /** @return a new random id */
  public static ReservationId random() {
    return new ReservationId(UUID.randomUUID());
  }

  /**
   * Parses an id from its text form.
   *
   * @param text a UUID
   * @return the id
   * @throws InvalidRequestException if the text is not a UUID
   */
  public static ReservationId parse(String text) {
    Checks.notNull("reservation id", text);
    try {
      return new ReservationId(UUID.fromString(text));
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("reservation id", "must be a UUID, was '" + Checks.printable(text) + "'");
    }
  }

  @Override
  public String toString() {
    return value.toString();
  }
}

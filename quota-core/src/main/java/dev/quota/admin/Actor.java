package dev.quota.admin;

import dev.quota.internal.Checks;

/**
 * Who makes an admin change: an operator, a support tool, an automated job. Recorded in every audit entry
 * and passed to the {@link AdminAuthorizer}.
 *
 * @param id the actor's identity, as the host knows it; non-blank, at most {@value #MAX_LENGTH} characters,
 *     no control characters, no leading or trailing white space
 */
public record Actor(String id) {
  /** The longest accepted actor id, in characters. */
  public static final int MAX_LENGTH = 255;

  /**
   * Validates the id.
   *
   * @throws dev.quota.InvalidRequestException if the id breaks a rule above
   */
  public Actor {
    Checks.identifier("actor", id, MAX_LENGTH);
  }

  /**
   * Returns the actor with that id.
   *
   * @param id the actor's identity
   * @return the actor
   */
  public static Actor of(String id) {
    return new Actor(id);
  }

  @Override
  public String toString() {
    return id;
  }
}

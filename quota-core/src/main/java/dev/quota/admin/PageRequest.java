package dev.quota.admin;

import dev.quota.InvalidRequestException;

/**
 * Which slice of a long listing to return.
 *
 * @param offset how many items to skip; 0 or more
 * @param size how many items to return; 1 to {@value #MAX_SIZE}
 */
public record PageRequest(int offset, int size) {
  /** The largest page size. */
  public static final int MAX_SIZE = 1000;

  /** Validates the request. */
  public PageRequest {
    if (offset < 0) {
      throw new InvalidRequestException("offset", "must not be negative, was " + offset);
    }
    if (size < 1 || size > MAX_SIZE) {
      throw new InvalidRequestException("size", "must be between 1 and " + MAX_SIZE + ", was " + size);
    }
  }

  /**
   * The first page.
   *
   * @param size how many items
   * @return the request
   */
  public static PageRequest first(int size) {
    return new PageRequest(0, size);
  }

  /** @return the request for the page after this one */
  public PageRequest next() {
    return new PageRequest(offset + size, size);
  }
}

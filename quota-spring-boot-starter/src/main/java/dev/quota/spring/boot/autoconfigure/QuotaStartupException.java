package dev.quota.spring.boot.autoconfigure;

/**
 * Stops the application at start-up because quota cannot work as configured, with what is wrong and what to do.
 * Spring Boot shows the two apart ({@link QuotaStartupFailureAnalyzer}) instead of a stack of causes.
 */
final class QuotaStartupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String description;
  private final String action;

  /**
   * @param description what is wrong
   * @param action what to do about it
   */
  QuotaStartupException(String description, String action) {
    super(description + " " + action);
    this.description = description;
    this.action = action;
  }

  /** @return what is wrong */
  String description() {
    return description;
  }

  /** @return what to do about it */
  String action() {
    return action;
  }
}

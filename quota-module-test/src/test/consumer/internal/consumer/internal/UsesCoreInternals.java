package consumer.internal;

import dev.quota.internal.Checks;

public final class UsesCoreInternals {
  private UsesCoreInternals() {}

  public static String check(String value) {
    return Checks.notNull("value", value);
  }
}

package dev.quota.jooq.internal;

/**
 * Keeps jOOQ's start-up messages (its logo and its "tip of the day", logged at INFO the first time jOOQ renders a
 * statement) out of the logs of every service and test that uses quota: they are jOOQ's greeting to its own users,
 * and quota uses jOOQ only inside. It sets jOOQ's documented switches {@value #NO_LOGO} and {@value #NO_TIPS} to
 * {@code true}, each only if the application has not set it: an application that wants the messages sets them to
 * {@code false} itself ({@code -Dorg.jooq.no-logo=false}). jOOQ reads them once, when its rendering first loads, so
 * this runs before quota first uses jOOQ; if the application used jOOQ before, its messages were its own.
 */
public final class JooqStartupMessages {
  /** jOOQ's switch for its logo. */
  public static final String NO_LOGO = "org.jooq.no-logo";
  /** jOOQ's switch for its tip of the day. */
  public static final String NO_TIPS = "org.jooq.no-tips";

  private JooqStartupMessages() {}

  /** Turns jOOQ's logo and tip of the day off, unless the application set either switch itself. */
  public static void quietUnlessSet() {
    try {
      setUnlessSet(NO_LOGO);
      setUnlessSet(NO_TIPS);
    } catch (SecurityException e) {
      // a security manager forbids it: jOOQ then prints its messages, which does no harm
    }
  }

  private static void setUnlessSet(String property) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, "true");
    }
  }
}

package dev.quota;

/**
 * Whether decisions block.
 *
 * <p>{@link #SHADOW} is the safe form of a global "disable quota checks" switch, which quota deliberately
 * does not offer: every decision is still computed, logged and reported (with
 * {@link Decision#shadowed()} set where it would have blocked), usage is still recorded, and alerts still
 * fire, so the switch back to {@link #ENFORCE} is informed rather than a leap.
 */
public enum EnforcementMode {
  /** Denials block: the default. */
  ENFORCE,
  /** Denials are reported but nothing is blocked. */
  SHADOW
}

package dev.quota.spi;

/** What {@link AdminStore#setParent} did. */
public enum ParentOutcome {
  /** The parent was set (or cleared) and the change audited. */
  CHANGED,
  /** Nothing written: the new parent's path contains the tenant, so the change would close a cycle. */
  WOULD_CYCLE,
  /**
   * Nothing written: the change would make some path deeper than the maximum (the new parent's depth plus the height
   * of the tenant's subtree).
   */
  TOO_DEEP
}

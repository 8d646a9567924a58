package dev.quota;

/**
 * A usage key that was already recorded came again with a different amount or meter.
 *
 * <p>Recording is idempotent by key: the same key with the same amount counts once and is reported as a
 * duplicate. The same key with another amount means two different events share a key, which quota never
 * resolves silently; nothing is written.
 */
public final class UsageConflictException extends QuotaException {
  private static final long serialVersionUID = 1L;

  private final TenantId tenant;
  private final UsageKey key;
  private final long recordedAmount;
  private final long attemptedAmount;

  /**
   * Creates the exception.
   *
   * @param tenant the tenant the key belongs to
   * @param key the reused usage key
   * @param recordedAmount the amount already recorded under the key, in the meter's unit
   * @param attemptedAmount the amount of the rejected call, in the meter's unit
   */
  public UsageConflictException(TenantId tenant, UsageKey key, long recordedAmount, long attemptedAmount) {
    super("usage key '" + key.value() + "' of tenant '" + tenant.value() + "' was recorded with amount "
        + recordedAmount + ", not " + attemptedAmount + "; a usage key identifies one event");
    this.tenant = tenant;
    this.key = key;
    this.recordedAmount = recordedAmount;
    this.attemptedAmount = attemptedAmount;
  }

  /** @return the tenant the key belongs to */
  public TenantId tenant() {
    return tenant;
  }

  /** @return the reused usage key */
  public UsageKey key() {
    return key;
  }

  /** @return the amount recorded first under the key */
  public long recordedAmount() {
    return recordedAmount;
  }

  /** @return the amount of the rejected call */
  public long attemptedAmount() {
    return attemptedAmount;
  }
}

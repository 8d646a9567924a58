package dev.quota.jooq.internal;

import dev.quota.Meter;
import dev.quota.TenantId;

/** Hears, after each transaction ended, what the store's writes changed or found, so that the cache can follow. */
public interface ChangeSink {
  /**
   * A usage write saw a counter as it stood when the write was decided: the counter it wrote, or the one it read when
   * it was refused (insufficient, duplicate). Concurrent writes report back in any order; the sink orders them.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param version the entitlement version the write was checked against, or -1 if it was not checked
   * @param counter the counter
   */
  void counterObserved(TenantId tenant, Meter meter, long version, StoredCounter counter);

  /**
   * A write found that the tenant's version moved on, or an admin change committed: anything remembered of
   * the tenant is outdated.
   *
   * @param tenant the tenant
   */
  void tenantChanged(TenantId tenant);
}

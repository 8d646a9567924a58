package dev.quota.jooq.internal;

import dev.quota.Meter;
import dev.quota.TenantId;

/** Hears, after commit, what the SQL layer changed, so that the cache can follow. */
public interface ChangeSink {
  /**
   * A usage write committed and left a counter so.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param version the entitlement version the write was checked against, or -1 if it was not checked
   * @param counter the counter after the write
   */
  void counterWritten(TenantId tenant, Meter meter, long version, StoredCounter counter);

  /**
   * A write found that the tenant's version moved on, or an admin change committed: anything remembered of
   * the tenant is outdated.
   *
   * @param tenant the tenant
   */
  void tenantChanged(TenantId tenant);
}

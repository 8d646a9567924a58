package dev.quota.internal;

import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.StoreUnavailableException;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds whose {@code reserve} failed with the store unavailable, which the store may nevertheless have written: a
 * database can commit a statement and lose the connection before its answer arrives. The caller was told the reserve
 * failed and has no handle, so nobody else could end such a hold; the guard releases each by the id it generated
 * after the next write the store answers (not at once: while the store is down, a release would make the failing
 * reserve wait for a connection twice). Release by id is idempotent: a hold that was never written is simply not
 * found.
 *
 * <p>At most {@value #MAX_PENDING} ids wait; beyond that (a long outage under many reserves) further ids are
 * dropped with a warning, and those holds, if written, end at their TTL as before.
 */
final class UnsettledHolds {
  /** Ids waiting for the store to answer; each is one small record. */
  static final int MAX_PENDING = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(UnsettledHolds.class);

  private record Hold(TenantId tenant, ReservationId id) {}

  private final QuotaStore store;
  private final Clock clock;
  private final Set<Hold> pending = ConcurrentHashMap.newKeySet();
  /** Whether any id may wait: the one read on the paths that settle, so that they cost nothing when none does. */
  private volatile boolean any;

  UnsettledHolds(QuotaStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /**
   * Notes a reserve that failed with the store unavailable; its hold is released after the next write the store
   * answers.
   *
   * @param tenant the tenant
   * @param id the id the failed reserve generated
   */
  void reserveFailed(TenantId tenant, ReservationId id) {
    if (pending.size() >= MAX_PENDING) {
      LOG.warn("{} reservations failed with the store unavailable wait to be released; reservation {} of tenant "
          + "'{}', if the store wrote it, ends at its TTL", MAX_PENDING, id, tenant);
      return;
    }
    pending.add(new Hold(tenant, id));
    any = true;
  }

  /** Releases the waiting holds, stopping at the first the store cannot release yet. Called after the store answered. */
  void settle() {
    if (!any) {
      return;
    }
    any = false;
    for (Hold hold : pending) {
      try {
        store.release(hold.tenant(), hold.id(), clock.instant());
        pending.remove(hold);
      } catch (StoreUnavailableException e) {
        any = true; // still down: the next write that gets through tries again
        return;
      } catch (RuntimeException e) {
        LOG.warn("could not release reservation {} of tenant '{}' after its reserve failed; if the store wrote it, "
            + "it ends at its TTL", hold.id(), hold.tenant(), e);
        pending.remove(hold);
      }
    }
  }

  /** @return how many ids wait, for tests */
  int pending() {
    return pending.size();
  }
}

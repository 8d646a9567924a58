package dev.quota.jooq.internal;

import dev.quota.TenantId;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per stripe of tenants, held by this instance's usage writes from the start of their transaction
 * until the cache has taken their result.
 *
 * <p>Why: a write leaves the counter it committed in the cache, in place. Two writes of one tenant commit in
 * the order PostgreSQL's row lock gives them, but their threads may reach the cache in the other order, which
 * would leave the older counter there until the cache's time-to-live ends. Holding this lock across both
 * steps makes this instance's writes of a tenant reach the cache in commit order. It costs no throughput on a
 * single tenant, whose writes the counter row's lock serializes anyway; tenants that share a stripe wait for
 * each other, which {@value #STRIPES} stripes make rare. The lock is taken before a connection is, so waiting
 * threads hold no connection.
 */
final class TenantWriteLocks {
  static final int STRIPES = 1024;

  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];

  TenantWriteLocks() {
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
  }

  ReentrantLock of(TenantId tenant) {
    int h = tenant.value().hashCode();
    return locks[(h ^ (h >>> 16)) & (STRIPES - 1)];
  }
}

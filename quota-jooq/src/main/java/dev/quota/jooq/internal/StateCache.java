package dev.quota.jooq.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.spi.Counter;
import dev.quota.spi.QuotaStore.KnownState;
import dev.quota.spi.TenantState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The hot path's memory: per tenant and meter, the state last read, for at most a TTL after it was read (the counters
 * this instance's own writes report, written or refused, update it in place without extending it), and only while the
 * instant asked about lies where the read's counters are exact (no period end, no hold expiry passed).
 *
 * <p>Loads go through the map's atomic compute, so an invalidation that arrives while a load is in flight waits
 * for it and then removes what it loaded: a state read before an admin change never outlives the invalidation.
 * Without a TTL (strict mode) nothing is served from memory; the last known states are kept either way for the
 * failure policy.
 */
public final class StateCache implements ChangeSink {
  private record Key(TenantId tenant, Meter meter) {}

  /**
   * A cached state, served for the instants in [{@code usableFrom}, {@code usableUntil}).
   *
   * @param state the state
   * @param readAt the instant of the read
   * @param usableFrom the latest of its counters' period starts (before it, the counters may be the wrong ones) and
   *     one TTL before the read (a clock set back does not keep it alive)
   * @param usableUntil the earliest of its counters' period ends and hold expiries, and one TTL after the read
   */
  private record Entry(TenantState state, Instant readAt, Instant usableFrom, Instant usableUntil) {
    boolean usableAt(Instant now) {
      return !now.isBefore(usableFrom) && now.isBefore(usableUntil);
    }
  }

  /*
   * One size-bounded cache per meter, keyed by the tenant id itself: a hit allocates nothing (no composite key),
   * pays for no expiry bookkeeping in the cache and reads no clock: the TTL is measured on the instants the guard
   * passes (its injected clock), like every other time in quota, and checked here with the entry's window. An entry
   * past its window stays until it is reloaded, replaced or evicted by size.
   */
  private final ConcurrentHashMap<Meter, Cache<TenantId, Entry>> caches = new ConcurrentHashMap<>();
  private final Cache<Key, KnownState> lastKnown;
  private final long maximumSize;
  private final Duration ttl;
  private final boolean caching;

  /**
   * Creates the cache.
   *
   * @param ttl the longest a state is served after its read, or {@code null} to serve none (strict mode)
   * @param maximumSize the most tenant states kept per meter, in each of the cache and the last-known map
   */
  public StateCache(Duration ttl, long maximumSize) {
    this.caching = ttl != null;
    this.ttl = ttl == null ? Duration.ZERO : ttl;
    this.maximumSize = maximumSize;
    this.lastKnown = Caffeine.newBuilder().maximumSize(maximumSize).build();
  }

  /** @return whether states are served from memory */
  public boolean caching() {
    return caching;
  }

  private Cache<TenantId, Entry> cacheOf(Meter meter) {
    Cache<TenantId, Entry> cache = caches.get(meter);
    if (cache == null) {
      cache = caches.computeIfAbsent(meter, m -> Caffeine.newBuilder().maximumSize(maximumSize).build());
    }
    return cache;
  }

  /**
   * Returns the state for an instant if memory holds a usable one: the hot path, which allocates nothing.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param now the instant asked about
   * @return the state, or {@code null} if it must be read
   */
  public TenantState cached(TenantId tenant, Meter meter, Instant now) {
    if (!caching) {
      return null;
    }
    Cache<TenantId, Entry> cache = caches.get(meter);
    if (cache == null) {
      return null;
    }
    Entry entry = cache.getIfPresent(tenant);
    return entry != null && entry.usableAt(now) ? entry.state() : null;
  }

  /**
   * Returns the state for an instant: from memory when usable, else from the loader (and remembered).
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param now the instant asked about
   * @param loader reads the database
   * @return the state
   */
  public TenantState read(TenantId tenant, Meter meter, Instant now, Supplier<ReadResult> loader) {
    if (!caching) {
      return remember(tenant, meter, now, loader.get()).state();
    }
    TenantState hit = cached(tenant, meter, now);
    if (hit != null) {
      return hit;
    }
    return cacheOf(meter).asMap().compute(tenant, (k, old) -> old != null && old.usableAt(now) ? old
        : remember(tenant, meter, now, loader.get())).state();
  }

  /**
   * Reads the database whatever is in memory, and keeps what it read.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param now the instant asked about
   * @param loader reads the database
   * @return the state
   */
  public TenantState readLatest(TenantId tenant, Meter meter, Instant now, Supplier<ReadResult> loader) {
    if (!caching) {
      return remember(tenant, meter, now, loader.get()).state();
    }
    return cacheOf(meter).asMap().compute(tenant, (k, old) -> remember(tenant, meter, now, loader.get())).state();
  }

  private Entry remember(TenantId tenant, Meter meter, Instant now, ReadResult read) {
    lastKnown.put(new Key(tenant, meter), new KnownState(read.state(), now));
    Instant usableFrom = now.minus(ttl);
    for (Counter c : read.state().counters()) {
      usableFrom = c.period().start().isAfter(usableFrom) ? c.period().start() : usableFrom;
    }
    return new Entry(read.state(), now, usableFrom, earliest(read.validUntil(), now.plus(ttl)));
  }

  /**
   * The state last read for a tenant and meter.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @return it and when it was read, if known
   */
  public Optional<KnownState> lastKnown(TenantId tenant, Meter meter) {
    return Optional.ofNullable(lastKnown.getIfPresent(new Key(tenant, meter)));
  }

  @Override
  public void counterObserved(TenantId tenant, Meter meter, long version, StoredCounter counter) {
    Key key = new Key(tenant, meter);
    lastKnown.asMap().computeIfPresent(key, (k, known) -> (known.state().version() == version || version < 0)
        && age(known.state(), counter.counter()) == Age.NEWER
        ? new KnownState(withCounter(known.state(), counter.counter()), known.readAt()) : known);
    Cache<TenantId, Entry> cache = caching ? caches.get(meter) : null;
    if (cache == null) {
      return;
    }
    cache.asMap().computeIfPresent(tenant, (k, entry) -> {
      if (version >= 0 && entry.state().version() != version) {
        return null; // the entry predates a change this write did not see: drop it
      }
      switch (age(entry.state(), counter.counter())) {
        case OLDER, SAME -> {
          return entry; // concurrent writes report back in any order: never step back to an older counter
        }
        case UNKNOWN -> {
          return null; // cannot tell which is later: read again
        }
        default -> {
          Instant usableFrom = counter.period().start().isAfter(entry.usableFrom()) ? counter.period().start()
              : entry.usableFrom();
          Instant usableUntil = earliest(earliest(entry.usableUntil(), counter.period().end()), counter.nextExpiry());
          return new Entry(withCounter(entry.state(), counter.counter()), entry.readAt(), usableFrom, usableUntil);
        }
      }
    });
  }

  private enum Age { NEWER, SAME, OLDER, UNKNOWN }

  /**
   * Orders a counter a write left against the one a state holds for its period. Writes are serialized by the row's
   * lock and usage only grows between the admin changes that invalidate (a purge, a plan change), so a larger
   * {@code used} is a later state and a smaller one an earlier; with an equal {@code used} and another
   * {@code reserved} (holds taken or ended), the order cannot be told.
   */
  private static Age age(TenantState state, Counter written) {
    for (Counter held : state.counters()) {
      if (held.period().equals(written.period())) {
        if (written.used() != held.used()) {
          return written.used() > held.used() ? Age.NEWER : Age.OLDER;
        }
        return written.reserved() == held.reserved() ? Age.SAME : Age.UNKNOWN;
      }
    }
    return Age.NEWER;
  }


  private static TenantState withCounter(TenantState state, Counter counter) {
    List<Counter> counters = new ArrayList<>(state.counters().size() + 1);
    boolean replaced = false;
    for (Counter c : state.counters()) {
      if (c.period().equals(counter.period())) {
        // A write that does not draw on credits does not read credit_drawn (it reports 0), and a period's draws only
        // grow: keep what the state holds, or a cached report would show a lower ceiling than the database enforces.
        counters.add(c.creditDrawn() > counter.creditDrawn()
            ? new Counter(counter.period(), counter.used(), counter.reserved(), c.creditDrawn()) : counter);
        replaced = true;
      } else {
        counters.add(c);
      }
    }
    if (!replaced) {
      counters.add(counter);
      counters.sort(Comparator.comparing((Counter c) -> c.period().start()).thenComparing(c -> c.period().end()));
    }
    return new TenantState(state.plan(), state.entitlements(), state.version(), counters, state.parent());
  }

  @Override
  public void tenantChanged(TenantId tenant) {
    for (Cache<TenantId, Entry> cache : caches.values()) {
      cache.invalidate(tenant);
    }
  }

  /** Forgets every cached state: after the listener missed notifications. */
  public void invalidateAll() {
    for (Cache<TenantId, Entry> cache : caches.values()) {
      cache.invalidateAll();
    }
  }

  private static Instant earliest(Instant a, Instant b) {
    return b == null || a.isBefore(b) ? a : b;
  }
}

package dev.quota.spi;

import dev.quota.InvalidRequestException;
import dev.quota.TenantId;
import dev.quota.internal.Checks;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a usage write on a tenant with a parent, or on a meter with short windows, must fit and change: every level
 * of the tenant's path, in every window of the meter, in one atomic step.
 *
 * <p>The store locks the counters in {@link PathCounter#compareLockOrder} order (never in the order given), checks
 * every level's version, decides against every ceiling, writes the ledger entry once with {@link #path} as what it
 * counted against, and changes every counter, or none.
 *
 * @param path the writing tenant first, then its parent, up to the root; no tenant twice, at most
 *     {@link dev.quota.admin.QuotaAdmin#MAX_TREE_DEPTH} levels. A ledger entry written with it keeps this path
 * @param counters the counters to check and change, in the order the guard wants a refusal reported
 *     ({@link PathOutcome.Insufficient#index}): the tenant first, then up the path; per level the period first,
 *     then shorter windows. Each names a level of {@code path}; no counter twice
 */
public record PathWrite(List<TenantId> path, List<PathCounter> counters) {
  /** Validates and freezes the lists. */
  public PathWrite {
    path = List.copyOf(Checks.notNull("path", path));
    counters = List.copyOf(Checks.notNull("counters", counters));
    if (path.isEmpty()) {
      throw new InvalidRequestException("path", "must name at least the writing tenant");
    }
    if (new HashSet<>(path).size() != path.size()) {
      throw new InvalidRequestException("path", "must not name a tenant twice, was " + path);
    }
    Set<PathCounter> seen = new HashSet<>();
    Set<List<Object>> keys = new HashSet<>();
    for (PathCounter c : counters) {
      if (!path.contains(c.tenant())) {
        throw new InvalidRequestException("counters", "must name levels of the path " + path + ", named '"
            + c.tenant() + "'");
      }
      if (!seen.add(c) || !keys.add(List.of(c.tenant(), c.period()))) {
        throw new InvalidRequestException("counters", "must not name one counter twice: '" + c.tenant() + "' "
            + c.period());
      }
    }
  }

  /** @return the writing tenant, the first of the path */
  public TenantId tenant() {
    return path.get(0);
  }
}

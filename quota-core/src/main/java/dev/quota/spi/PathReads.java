package dev.quota.spi;

import dev.quota.TenantId;
import dev.quota.admin.QuotaAdmin;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** The SPI's default path reads: one state per level, following parent pointers. */
final class PathReads {
  private PathReads() {}

  static List<TenantState> follow(TenantId tenant, Function<TenantId, TenantState> read) {
    List<TenantState> path = new ArrayList<>(2);
    Set<TenantId> seen = new HashSet<>();
    TenantId next = tenant;
    while (next != null && path.size() < QuotaAdmin.MAX_TREE_DEPTH && seen.add(next)) {
      TenantState state = read.apply(next);
      path.add(state);
      next = state.parent().orElse(null);
    }
    return List.copyOf(path);
  }

  static UnsupportedOperationException unsupported(Object store) {
    return new UnsupportedOperationException(store.getClass().getName() + " does not support tenants with a parent "
        + "or meters with short windows (UsageStore.consumePath, reservePath, commitPath)");
  }
}

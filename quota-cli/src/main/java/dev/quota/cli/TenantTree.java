package dev.quota.cli;

import dev.quota.TenantId;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.QuotaAdmin;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A tenant's place in its tree as the store last committed it: its ancestors up to the root, and the subtree under
 * it, read through {@link QuotaAdmin#parentOf} and {@link QuotaAdmin#children}.
 *
 * @param tenant the tenant the tree is read from
 * @param children its subtree, each child with its own, in the store's order
 * @param truncated whether levels deeper than {@link QuotaAdmin#MAX_TREE_DEPTH} below the root were left out (the
 *     library never writes such a tree; a store changed behind its back might hold one)
 */
record TenantTree(TenantId tenant, List<TenantTree> children, boolean truncated) {
  /** How many children one read of the store returns. */
  static final int PAGE_SIZE = 200;

  TenantTree {
    children = List.copyOf(children);
  }

  /**
   * Reads a tenant's ancestors.
   *
   * @param admin the admin to read with
   * @param tenant the tenant
   * @return its parent first, the root last; empty for a root. At most {@link QuotaAdmin#MAX_TREE_DEPTH} - 1
   *     ancestors, and each at most once, so that a damaged store cannot make the read endless
   */
  static List<TenantId> ancestors(QuotaAdmin admin, TenantId tenant) {
    List<TenantId> ancestors = new ArrayList<>();
    Set<TenantId> seen = new HashSet<>(List.of(tenant));
    Optional<TenantId> parent = admin.parentOf(tenant);
    while (parent.isPresent() && ancestors.size() < QuotaAdmin.MAX_TREE_DEPTH - 1 && seen.add(parent.get())) {
      ancestors.add(parent.get());
      parent = admin.parentOf(parent.get());
    }
    return ancestors;
  }

  /**
   * Reads the subtree under a tenant, depth first, paging through each level's children.
   *
   * @param admin the admin to read with
   * @param tenant the subtree's root
   * @param levels how many levels to read, the tenant's included: at most {@link QuotaAdmin#MAX_TREE_DEPTH}
   * @return the tenant and its descendants
   */
  static TenantTree read(QuotaAdmin admin, TenantId tenant, int levels) {
    return read(admin, tenant, levels, new HashSet<>());
  }

  private static TenantTree read(QuotaAdmin admin, TenantId tenant, int levels, Set<TenantId> seen) {
    seen.add(tenant);
    List<TenantId> ids = children(admin, tenant);
    if (levels <= 1) {
      return new TenantTree(tenant, List.of(), !ids.isEmpty());
    }
    List<TenantTree> children = new ArrayList<>();
    boolean truncated = false;
    for (TenantId child : ids) {
      if (seen.contains(child)) {
        continue; // a cycle written behind the library's back: each tenant is shown once
      }
      TenantTree subtree = read(admin, child, levels - 1, seen);
      children.add(subtree);
      truncated |= subtree.truncated();
    }
    return new TenantTree(tenant, children, truncated);
  }

  private static List<TenantId> children(QuotaAdmin admin, TenantId tenant) {
    List<TenantId> all = new ArrayList<>();
    PageRequest request = PageRequest.first(PAGE_SIZE);
    while (true) {
      Page<TenantId> page = admin.children(tenant, request);
      all.addAll(page.items());
      if (!page.hasMore() || page.items().isEmpty()) {
        return all;
      }
      request = request.next();
    }
  }

  /** @return how many tenants the tree holds, its root included */
  int size() {
    return 1 + children.stream().mapToInt(TenantTree::size).sum();
  }
}

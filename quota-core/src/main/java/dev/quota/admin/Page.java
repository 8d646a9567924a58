package dev.quota.admin;

import java.util.List;

/**
 * One slice of a listing.
 *
 * @param items the items, in the listing's order
 * @param request the request that produced it
 * @param hasMore whether items follow this page
 * @param <T> the item type
 */
public record Page<T>(List<T> items, PageRequest request, boolean hasMore) {
  /** Freezes the items. */
  public Page {
    items = List.copyOf(items);
  }

  /**
   * Cuts a page out of a complete, ordered list.
   *
   * @param all every item, in order
   * @param request the slice wanted
   * @param <T> the item type
   * @return the page
   */
  public static <T> Page<T> of(List<T> all, PageRequest request) {
    int from = Math.min(request.offset(), all.size());
    int to = (int) Math.min((long) from + request.size(), all.size());
    return new Page<>(all.subList(from, to), request, to < all.size());
  }
}

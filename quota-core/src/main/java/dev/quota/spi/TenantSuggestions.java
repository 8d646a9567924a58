package dev.quota.spi;

import dev.quota.TenantId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one rule for which known tenant ids an unknown one may be a misspelling of, for
 * {@link AdminStore#knownTenantsLike(TenantId, int)}: a backend offers it the ids of its known tenants (all of them,
 * or those whose length is between {@link #minLength()} and {@link #maxLength()}, which are the only ones that can
 * match) and returns {@link #closest(int)}.
 *
 * <p>Two ids are similar when the typed one can be turned into the known one by at most {@link #maxDistance()}
 * edits, each inserting, deleting or replacing one character or swapping two adjacent ones, with upper and lower
 * case counted as the same character ({@code acmee}, {@code amce} and {@code ACME} are all one edit or less from
 * {@code acme}). Short ids allow fewer edits, so that {@code a1} does not suggest every two-character id: 1 edit up
 * to 4 characters, 2 up to 8, 3 beyond. Lengths are counted in characters (Unicode code points, as PostgreSQL's
 * {@code char_length} counts them).
 *
 * {@snippet :
 * TenantSuggestions suggestions = TenantSuggestions.forUnknown(typed);
 * for (TenantId known : knownTenants()) {
 *   suggestions.offer(known);
 * }
 * return suggestions.closest(limit);
 * }
 *
 * <p>An instance collects the offers of one look-up and is not thread-safe.
 */
public final class TenantSuggestions {
  /** The most edits ever allowed, whatever the length. */
  public static final int MAX_EDITS = 3;

  private final TenantId typed;
  private final int[] typedChars;
  private final int maxDistance;
  private final Map<TenantId, Integer> matches = new LinkedHashMap<>();

  private TenantSuggestions(TenantId typed) {
    this.typed = typed;
    this.typedChars = folded(typed.value());
    this.maxDistance = maxDistance(typedChars.length);
  }

  /**
   * Starts collecting the known ids similar to a tenant id that is not known.
   *
   * @param typed the id as given
   * @return an empty collection of suggestions
   */
  public static TenantSuggestions forUnknown(TenantId typed) {
    return new TenantSuggestions(Objects.requireNonNull(typed, "typed"));
  }

  /** @return the most edits a known id may be away from the typed one to be suggested */
  public int maxDistance() {
    return maxDistance;
  }

  /** @return the shortest a similar id can be, in characters (code points) */
  public int minLength() {
    return Math.max(1, typedChars.length - maxDistance);
  }

  /** @return the longest a similar id can be, in characters (code points) */
  public int maxLength() {
    return Math.min(TenantId.MAX_LENGTH, typedChars.length + maxDistance);
  }

  /**
   * Considers a known tenant id; offering one twice counts once.
   *
   * @param known the id of a tenant the store knows
   * @return whether it is similar enough to be suggested
   */
  public boolean offer(TenantId known) {
    Objects.requireNonNull(known, "known");
    if (known.equals(typed)) {
      return false; // the typed id itself is no suggestion
    }
    int distance = distance(typedChars, folded(known.value()), maxDistance);
    if (distance > maxDistance) {
      return false;
    }
    matches.merge(known, distance, Math::min);
    return true;
  }

  /**
   * The similar ids offered so far, fewest edits first, then in the order of their ids.
   *
   * @param limit how many to return at most; positive
   * @return at most {@code limit} ids
   */
  public List<TenantId> closest(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, was " + limit);
    }
    List<Map.Entry<TenantId, Integer>> ranked = new ArrayList<>(matches.entrySet());
    ranked.sort(Map.Entry.<TenantId, Integer>comparingByValue()
        .thenComparing(Map.Entry.comparingByKey(Comparator.comparing(TenantId::value))));
    return ranked.stream().limit(limit).map(Map.Entry::getKey).toList();
  }

  /**
   * The edits between two ids as this class counts them (inserting, deleting or replacing a character, or swapping
   * two adjacent ones; case ignored).
   *
   * @param a one id
   * @param b another
   * @return the number of edits, 0 when they differ at most in case
   */
  public static int distance(TenantId a, TenantId b) {
    int[] x = folded(a.value());
    int[] y = folded(b.value());
    return distance(x, y, Math.max(x.length, y.length));
  }

  private static int maxDistance(int length) {
    if (length <= 4) {
      return 1;
    }
    return length <= 8 ? 2 : MAX_EDITS;
  }

  private static int[] folded(String value) {
    return value.codePoints().map(Character::toLowerCase).toArray();
  }

  /**
   * The optimal string alignment distance, or {@code bound + 1} as soon as it is known to exceed {@code bound}:
   * dynamic programming over three rows, stopping when a whole row is above the bound.
   */
  private static int distance(int[] a, int[] b, int bound) {
    if (Math.abs(a.length - b.length) > bound) {
      return bound + 1;
    }
    int[] before = new int[b.length + 1];
    int[] previous = new int[b.length + 1];
    int[] current = new int[b.length + 1];
    for (int j = 0; j <= b.length; j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length; i++) {
      current[0] = i;
      int rowMinimum = current[0];
      for (int j = 1; j <= b.length; j++) {
        int cost = a[i - 1] == b[j - 1] ? 0 : 1;
        int value = Math.min(Math.min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
          value = Math.min(value, before[j - 2] + 1);
        }
        current[j] = value;
        rowMinimum = Math.min(rowMinimum, value);
      }
      if (rowMinimum > bound) {
        return bound + 1;
      }
      int[] oldest = before;
      before = previous;
      previous = current;
      current = oldest;
    }
    return Math.min(previous[b.length], bound + 1);
  }
}

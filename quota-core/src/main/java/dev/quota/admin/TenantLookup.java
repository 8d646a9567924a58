package dev.quota.admin;

import dev.quota.TenantId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the store knows of a tenant id, from {@link QuotaAdmin#lookUp(TenantId)}: whether the tenant is known (it has
 * a plan, usage, entitlements or audit history) and, if it is not, the known tenant ids it may be a misspelling of.
 *
 * @param tenant the id looked up
 * @param known whether the store knows the tenant
 * @param similar when not known, the known ids that differ from it by a few characters (or only in case), closest
 *     first; empty when known
 */
public record TenantLookup(TenantId tenant, boolean known, List<TenantId> similar) {
  /**
   * Freezes the list.
   *
   * @throws IllegalArgumentException if a known tenant comes with similar ids
   */
  public TenantLookup {
    Objects.requireNonNull(tenant, "tenant");
    similar = List.copyOf(similar);
    if (known && !similar.isEmpty()) {
      throw new IllegalArgumentException("a known tenant has no similar ids to suggest");
    }
  }

  /**
   * The question to put to whoever typed the id, when there are similar known ids.
   *
   * @return e.g. {@code did you mean 'acme'?} or {@code did you mean 'acme', 'acme-eu' or 'acne'?}; empty when
   *     there is nothing to suggest
   */
  public Optional<String> didYouMean() {
    if (similar.isEmpty()) {
      return Optional.empty();
    }
    StringBuilder text = new StringBuilder("did you mean ");
    for (int i = 0; i < similar.size(); i++) {
      if (i > 0) {
        text.append(i == similar.size() - 1 ? " or " : ", ");
      }
      text.append('\'').append(similar.get(i).value()).append('\'');
    }
    return Optional.of(text.append('?').toString());
  }

  /**
   * Says that the tenant is unknown, for messages.
   *
   * @return e.g. {@code 'acmee' is unknown: it has no plan, usage, entitlements or audit history; did you mean
   *     'acme'?}; for a known tenant, {@code 'acme' is known}
   */
  public String describe() {
    if (known) {
      return "'" + tenant.value() + "' is known";
    }
    return "'" + tenant.value() + "' is unknown: it has no plan, usage, entitlements or audit history"
        + didYouMean().map(question -> "; " + question).orElse("");
  }
}

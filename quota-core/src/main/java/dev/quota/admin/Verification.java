package dev.quota.admin;

import dev.quota.TenantId;
import java.util.List;

/**
 * The result of {@link QuotaAdmin#verify}: every counter of a tenant compared with its ledger.
 *
 * @param tenant the tenant
 * @param checks one check per counter
 */
public record Verification(TenantId tenant, List<CounterCheck> checks) {
  /** Freezes the checks. */
  public Verification {
    checks = List.copyOf(checks);
  }

  /** @return whether every counter equals its ledger */
  public boolean consistent() {
    return checks.stream().allMatch(CounterCheck::consistent);
  }

  /** @return the checks that drifted */
  public List<CounterCheck> drifts() {
    return checks.stream().filter(c -> !c.consistent()).toList();
  }
}

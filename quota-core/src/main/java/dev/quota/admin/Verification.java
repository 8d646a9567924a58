package dev.quota.admin;

import dev.quota.TenantId;
import java.util.List;

/**
 * The result of {@link QuotaAdmin#verify}: every counter of a tenant compared with its ledger, and its one-time
 * credit draws compared with its credits.
 *
 * @param tenant the tenant
 * @param checks one check per counter
 * @param creditChecks one check per meter with credits or credit draws
 */
public record Verification(TenantId tenant, List<CounterCheck> checks, List<CreditCheck> creditChecks) {
  /** Freezes the checks. */
  public Verification {
    checks = List.copyOf(checks);
    creditChecks = List.copyOf(creditChecks);
  }

  /**
   * A verification of counters alone, for a tenant without credits.
   *
   * @param tenant the tenant
   * @param checks one check per counter
   */
  public Verification(TenantId tenant, List<CounterCheck> checks) {
    this(tenant, checks, List.of());
  }

  /** @return whether every counter equals its ledger and every meter's credit draws agree */
  public boolean consistent() {
    return checks.stream().allMatch(CounterCheck::consistent)
        && creditChecks.stream().allMatch(CreditCheck::consistent);
  }

  /** @return the counter checks that drifted */
  public List<CounterCheck> drifts() {
    return checks.stream().filter(c -> !c.consistent()).toList();
  }

  /** @return the credit checks that failed */
  public List<CreditCheck> creditDrifts() {
    return creditChecks.stream().filter(c -> !c.consistent()).toList();
  }
}

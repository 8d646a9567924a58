package dev.quota.internal;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.TenantState;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tiers' rollovers of unused allowance ({@link TierCatalogue.Builder#rollover}), settled lazily: the guard asks
 * {@link #pending} only on its slow paths (a denial, a usage report), and {@link #settle} computes the period's
 * rollover once and has the store write it once ({@link dev.quota.spi.AdminStore#addRollover}).
 *
 * <p>The rule, for period P of a tenant and meter: the tier in force at the last instant of P-1 decides whether
 * anything rolls over, and with which cap ({@code capPercent} of P-1's limit, rounded down). What rolls over is
 * {@code min(cap, max(0, allowance(P-1) - used(P-1)))}, where the allowance is P-1's limit plus its raises (resets
 * included) without P-1's own rollover, so rollovers do not chain; usage drawn from one-time credits lies beyond the
 * allowance, so it never makes unused allowance. A P-1 without usage rolls nothing over: the stores keep no record of
 * when a tenant began, so a tenant idle in P-1 cannot be told from one that did not exist yet.
 */
final class Rollovers {
  /** Bound on the remembered settled periods; cleared when reached (settling again only costs a read). */
  private static final int MAX_REMEMBERED = 100_000;

  private final QuotaStore store;
  private final Evaluator evaluator;
  private final TierCatalogue catalogue;
  private final Clock clock;
  /** Periods whose rollover this instance settled, so that denials do not ask again. */
  private final Set<Key> settled = ConcurrentHashMap.newKeySet();

  private record Key(TenantId tenant, Meter meter, Instant periodStart) {}

  Rollovers(QuotaStore store, Evaluator evaluator, Clock clock) {
    this.store = store;
    this.evaluator = evaluator;
    this.catalogue = evaluator.catalogue();
    this.clock = clock;
  }

  /**
   * Tells whether a period's rollover may still have to be settled: some tier rolls the meter over, the state has no
   * rollover grant for the period, and this instance did not find it empty before.
   *
   * @param state the tenant's state, read in the period
   * @param report its report
   * @return whether {@link #settle} may change the report
   */
  boolean pending(TenantState state, UsageReport report) {
    return pending(report.tenant(), report.meter(), state, report.period());
  }

  /**
   * Tells whether a period's rollover may still have to be settled, as {@link #pending(TenantState, UsageReport)}
   * does, without a report: for {@code canProceed}, which builds none.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param state the tenant's state, read in the period
   * @param period the period
   * @return whether {@link #settle} may change the tenant's standing
   */
  boolean pending(TenantId tenant, Meter meter, TenantState state, Period period) {
    if (!catalogue.hasRollover(meter)) {
      return false;
    }
    Instant start = period.start();
    List<Entitlement> entitlements = state.entitlements();
    for (int i = 0; i < entitlements.size(); i++) {
      if (entitlements.get(i) instanceof Grant g && g.kind() == Grant.Kind.ROLLOVER && g.meter().equals(meter)
          && g.validFrom().equals(start)) {
        return false;
      }
    }
    return !settled.contains(new Key(tenant, meter, start));
  }

  /**
   * Computes the period's rollover from the previous period's stored state and has the store write it, once.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param state the tenant's state, read in the period
   * @param period the period
   * @return whether a rollover grant exists for the period now (written by this call or before), so that the state
   *     should be read again
   */
  boolean settle(TenantId tenant, Meter meter, TenantState state, Period period) {
    Optional<Grant> rollover = compute(tenant, meter, state, period);
    // Remembered either way: a period with nothing to roll over is not computed again, nor one whose grant an operator
    // revoked (reads leave revoked grants out, so it would look unsettled on every denial).
    if (settled.size() >= MAX_REMEMBERED) {
      settled.clear();
    }
    settled.add(new Key(tenant, meter, period.start()));
    if (rollover.isEmpty()) {
      return false;
    }
    Grant grant = rollover.get();
    Map<String, String> details = new LinkedHashMap<>();
    details.put("entitlement", grant.id().toString());
    details.put("meter", meter.name());
    details.put("amount", Long.toString(grant.amount()));
    details.put("from", grant.validFrom().toString());
    details.put("until", grant.validUntil().toString());
    AuditEntry audit = new AuditEntry(UUID.randomUUID(), clock.instant(), tenant, Grant.ROLLOVER_ACTOR,
        AdminOperation.ROLLOVER, grant.reason(), details);
    // false: another instance (or call) wrote the period's rollover first; either way there is one to read.
    store.addRollover(grant, audit);
    return true;
  }

  /** The period's rollover grant, if anything rolls over into it. */
  private Optional<Grant> compute(TenantId tenant, Meter meter, TenantState state, Period period) {
    // Period starts are whole seconds or coarser, and PostgreSQL keeps microseconds: the last instant of the
    // previous period that every store can read.
    Instant last = period.start().minus(1, ChronoUnit.MICROS);
    Period previous = evaluator.periodOf(state, meter, last);
    if (!previous.end().equals(period.start())) {
      return Optional.empty(); // a billing-day change in between: no period immediately before this one
    }
    TenantState before = store.readLatest(tenant, meter, last);
    UsageReport report = evaluator.evaluate(tenant, meter, before, last);
    if (report.used() == 0 || report.effectiveTier().isEmpty()) {
      return Optional.empty();
    }
    Tier tier = report.effectiveTier().get();
    int percent = catalogue.rolloverPercent(tier, meter);
    long limit = report.limit();
    if (percent == 0 || limit == TierCatalogue.UNLIMITED) {
      return Optional.empty();
    }
    long cap = limit / 100 * percent + limit % 100 * percent / 100; // floor(limit * percent / 100), no overflow
    long allowance = Checks.saturatedAdd(limit, report.granted() - report.rolledOver());
    long unused = allowance > report.used() ? allowance - report.used() : 0;
    long amount = Math.min(cap, unused);
    if (amount == 0) {
      return Optional.empty();
    }
    String reason = "rollover of unused allowance from " + previous + " (tier " + tier + "): allowance " + allowance
        + " - used " + report.used() + " = " + unused + " unused, capped at " + percent + "% of the limit " + limit
        + " = " + cap + "; rolled over " + amount;
    return Optional.of(new Grant(EntitlementId.random(), tenant, Grant.Kind.ROLLOVER, meter, amount, period.start(),
        period.end(), Grant.ROLLOVER_ACTOR, reason, Optional.empty()));
  }
}

package dev.quota.micrometer;

import dev.quota.Meter;
import dev.quota.admin.Entitlement;
import dev.quota.admin.LimitOverride;
import dev.quota.admin.OneTimeCredit;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;

/**
 * Counts one-time credits and limit overrides as the store writes them: given, set, revoked. Admin changes are rare
 * and off the hot path, so each count asks the registry for its counter (which returns the one it has).
 */
final class EntitlementCounters {
  private final MeterRegistry registry;
  private final Tags tags;

  EntitlementCounters(MeterRegistry registry, Tags tags) {
    this.registry = registry;
    this.tags = tags;
  }

  /** Counts the credits and limit overrides among entitlements the store has just added. */
  void added(List<? extends Entitlement> entitlements) {
    for (Entitlement entitlement : entitlements) {
      switch (entitlement) {
        case OneTimeCredit credit -> {
          credits(credit.meter(), "granted").increment();
          creditUnits(credit.meter(), "granted").increment((double) credit.amount());
        }
        case LimitOverride override -> limitOverrides(override.meter(), "set").increment();
        default -> {
          // grants, tier overrides and bypasses are not counted here
        }
      }
    }
  }

  /** Counts an entitlement the store has just revoked. */
  void revoked(Entitlement entitlement) {
    switch (entitlement) {
      case OneTimeCredit credit -> {
        credits(credit.meter(), "revoked").increment();
        // what was drawn stays drawn; only the remainder is void
        creditUnits(credit.meter(), "voided").increment((double) credit.unspent());
      }
      case LimitOverride override -> limitOverrides(override.meter(), "revoked").increment();
      default -> {
        // not counted
      }
    }
  }

  private Counter credits(Meter meter, String event) {
    return counter(QuotaMetrics.CREDITS, "One-time credits given or revoked through this process's timed stores",
        meter, event);
  }

  private Counter creditUnits(Meter meter, String event) {
    return counter(QuotaMetrics.CREDIT_UNITS,
        "Units of one-time credits given, or left unspent when revoked, in the meter's unit", meter, event);
  }

  private Counter limitOverrides(Meter meter, String event) {
    return counter(QuotaMetrics.LIMIT_OVERRIDES,
        "Per-tenant limit overrides set or revoked through this process's timed stores", meter, event);
  }

  private Counter counter(String name, String description, Meter meter, String event) {
    return Counter.builder(name).description(description).tags(tags).tag("meter", meter.name()).tag("event", event)
        .register(registry);
  }
}

package dev.quota.admin;

import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import dev.quota.internal.Checks;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The one JSON shape of a {@link UsageReport}, shared by every tool that shows usage to operators: the
 * {@code quota} command's {@code --json}, the Spring Boot starter's actuator endpoint and the console's API. A
 * JSON writer that writes records by their components (Jackson) writes it as it is; {@link #toMap()} gives the same
 * fields, in the same order, to writers of maps.
 *
 * <p>Field names are camelCase; counts are JSON numbers in the meter's unit, {@code null} where the limit is
 * {@link TierCatalogue#UNLIMITED} (a number that large does not survive the doubles of most JSON readers);
 * instants are ISO-8601 UTC strings; a value that is absent is {@code null}, never left out.
 * {@snippet lang=json :
 * {
 *   "tenant": "acme", "meter": "ai-tokens", "plannedTier": "pro", "effectiveTier": "pro", "tierSource": "PLAN",
 *   "limit": 1000000, "limitSource": "tier", "granted": 0, "creditDrawn": 0, "creditAvailable": 0, "rolledOver": 0, "used": 250000, "reserved": 0, "ceiling": 1000000, "remaining": 750000,
 *   "percentUsed": 25.0, "blocked": false, "bypassedUntil": null,
 *   "periodStart": "2026-11-01T00:00:00Z", "resetsAt": "2026-12-01T00:00:00Z",
 *   "activeEntitlements": [], "asOf": "2026-11-25T10:00:00Z"
 * }
 * }
 *
 * @param tenant the tenant id
 * @param meter the meter's name
 * @param plannedTier the tier of the tenant's plan; {@code null} without a plan
 * @param effectiveTier the tier in force; {@code null} when the tenant is rejected
 * @param tierSource where the effective tier comes from, a {@link UsageReport.TierSource} name
 * @param limit the limit per period (the tenant's own limit override, else the effective tier's); {@code null} for
 *     unlimited
 * @param limitSource where the limit comes from: {@code tier}, or {@code override ID} for a limit override
 * @param granted the sum of active grants
 * @param creditDrawn what the current period's usage drew from one-time credits
 * @param creditAvailable the unspent units of the active one-time credits
 * @param rolledOver the part of {@code granted} rolled over from the previous period's unused allowance (its source is
 *     the entitlement of kind {@code rollover})
 * @param used the usage of the current period
 * @param reserved the units held by open reservations
 * @param ceiling {@code limit + granted + creditDrawn + creditAvailable}; {@code null} for unlimited
 * @param remaining {@code ceiling - used - reserved}, never below 0; {@code null} for unlimited
 * @param percentUsed {@code 100 * used / ceiling}, rounded to two decimals
 * @param blocked whether an enforcing guard blocks the tenant now
 * @param bypassedUntil the end of the active bypass; {@code null} without one
 * @param periodStart the start of the current period
 * @param resetsAt the end of the current period, when usage starts again from 0
 * @param activeEntitlements the grants, tier overrides, limit overrides, one-time credits and bypasses in force
 * @param asOf the instant the report describes
 */
public record UsageReportView(String tenant, String meter, @Nullable String plannedTier,
    @Nullable String effectiveTier, String tierSource, @Nullable Long limit, String limitSource, long granted,
    long creditDrawn, long creditAvailable, long rolledOver, long used, long reserved,
    @Nullable Long ceiling, @Nullable Long remaining, double percentUsed, boolean blocked,
    @Nullable String bypassedUntil, String periodStart, String resetsAt, List<EntitlementView> activeEntitlements,
    String asOf) {

  /** Freezes the entitlements. */
  public UsageReportView {
    activeEntitlements = List.copyOf(Checks.notNull("active entitlements", activeEntitlements));
  }

  /**
   * Flattens a report.
   *
   * @param report the report
   * @return its view
   */
  public static UsageReportView of(UsageReport report) {
    return new UsageReportView(report.tenant().value(), report.meter().name(), name(report.plannedTier()),
        name(report.effectiveTier()), report.tierSource().name(), count(report.limit()),
        report.limitOverride().map(o -> "override " + o.id()).orElse("tier"), report.granted(), report.creditDrawn(),
        report.creditAvailable(), report.rolledOver(), report.used(), report.reserved(), count(report.ceiling()), count(report.remaining()),
        Math.round(report.percentUsed() * 100.0) / 100.0, report.blocked(),
        report.bypassedUntil().map(Instant::toString).orElse(null), report.period().start().toString(),
        report.resetsAt().toString(), report.activeEntitlements().stream().map(EntitlementView::of).toList(),
        report.asOf().toString());
  }

  /** @return the fields by name, in the order above, entitlements as maps too; absent values as {@code null} */
  public Map<String, @Nullable Object> toMap() {
    Map<String, @Nullable Object> fields = fields(this);
    fields.put("activeEntitlements", activeEntitlements.stream().map(EntitlementView::toMap).toList());
    return fields;
  }

  /**
   * A grant, tier override, limit override, one-time credit or bypass in force, in the same shape.
   *
   * @param id its id, for {@link QuotaAdmin#revoke}
   * @param kind {@code credit}, {@code reset}, {@code rollover}, {@code tier-override}, {@code limit-override},
   *     {@code one-time-credit} or {@code bypass}
   * @param meter a grant's, limit override's or one-time credit's meter; {@code null} for the others
   * @param amount a grant's units, a limit override's limit or a one-time credit's unspent units; {@code null} for
   *     the others
   * @param tier a tier override's tier; {@code null} for the others
   * @param validFrom when it started counting
   * @param validUntil when it stops counting (its expiry, or its revocation if earlier)
   * @param createdBy who made it
   * @param reason why
   */
  public record EntitlementView(String id, String kind, @Nullable String meter, @Nullable Long amount,
      @Nullable String tier, String validFrom, String validUntil, String createdBy, String reason) {

    /**
     * Flattens an entitlement.
     *
     * @param entitlement the entitlement
     * @return its view
     */
    public static EntitlementView of(Entitlement entitlement) {
      String kind;
      String meter = null;
      Long amount = null;
      String tier = null;
      switch (entitlement) {
        case Grant grant -> {
          kind = switch (grant.kind()) {
            case RESET -> "reset";
            case ROLLOVER -> "rollover";
            case CREDIT -> "credit";
          };
          meter = grant.meter().name();
          amount = grant.amount();
        }
        case TierOverride override -> {
          kind = "tier-override";
          tier = override.tier().name();
        }
        case OneTimeCredit credit -> {
          kind = "one-time-credit";
          meter = credit.meter().name();
          amount = credit.unspent();
        }
        case LimitOverride override -> {
          kind = "limit-override";
          meter = override.meter().name();
          amount = override.limit();
        }
        case Bypass bypass -> kind = "bypass";
      }
      return new EntitlementView(entitlement.id().toString(), kind, meter, amount, tier,
          entitlement.validFrom().toString(), entitlement.effectiveEnd().toString(), entitlement.createdBy().id(),
          entitlement.reason());
    }

    /** @return the fields by name, in the order above; absent values as {@code null} */
    public Map<String, @Nullable Object> toMap() {
      return fields(this);
    }
  }

  /** A record's components by name, read through their accessors: the field names are the components' own. */
  private static Map<String, @Nullable Object> fields(Record record) {
    Map<String, @Nullable Object> fields = new LinkedHashMap<>();
    for (RecordComponent component : record.getClass().getRecordComponents()) {
      try {
        fields.put(component.getName(), component.getAccessor().invoke(record));
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException("cannot read " + component.getName() + " of " + record.getClass(), e);
      }
    }
    return fields;
  }

  private static @Nullable String name(Optional<dev.quota.Tier> tier) {
    return tier.map(dev.quota.Tier::name).orElse(null);
  }

  private static @Nullable Long count(long units) {
    return units == TierCatalogue.UNLIMITED ? null : units;
  }
}

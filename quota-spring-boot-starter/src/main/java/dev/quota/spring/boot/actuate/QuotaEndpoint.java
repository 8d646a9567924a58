package dev.quota.spring.boot.actuate;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import dev.quota.admin.Bypass;
import dev.quota.admin.Entitlement;
import dev.quota.admin.Grant;
import dev.quota.admin.LimitOverride;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.TierOverride;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code quota} actuator endpoint: one tenant's usage report on every meter, as
 * {@link QuotaGuard#usage(TenantId, Meter)} computes it. Read-only: balances change only through the audited
 * {@link dev.quota.admin.QuotaAdmin}.
 *
 * <p>Over HTTP, once exposed ({@code management.endpoints.web.exposure.include=quota}):
 * {@code GET /actuator/quota/{tenant}}. Tenant ids that contain {@code /} work too: everything after
 * {@code /actuator/quota/} is the id. A tenant id quota refuses is answered with 400; while quota's store cannot
 * serve (the database unreachable, quota's tables gone), the answer is 503 with the reason
 * ({@link QuotaEndpointWebExtension}), and the outage is logged once by the guard. The report shows a tenant's real
 * usage, also after resets, and the reasons operators gave for its grants: expose it only to operators.
 */
@Endpoint(id = "quota", defaultAccess = Access.READ_ONLY)
public class QuotaEndpoint {
  private final QuotaGuard guard;
  private final TierCatalogue catalogue;

  /**
   * Creates the endpoint.
   *
   * @param guard the guard whose reports it shows
   * @param catalogue the catalogue whose meters it reports on
   */
  public QuotaEndpoint(QuotaGuard guard, TierCatalogue catalogue) {
    this.guard = guard;
    this.catalogue = catalogue;
  }

  /**
   * Reports one tenant's standing on every meter, the default meter first.
   *
   * @param tenant the tenant id, as path segments
   * @return the report
   */
  @ReadOperation
  public TenantUsage usage(@Selector(match = Selector.Match.ALL_REMAINING) String[] tenant) {
    try {
      TenantId id = TenantId.of(String.join("/", tenant));
      List<MeterUsage> meters = new ArrayList<>();
      meters.add(MeterUsage.of(guard.usage(id, catalogue.defaultMeter())));
      for (Meter meter : catalogue.meters().keySet()) {
        if (!meter.equals(catalogue.defaultMeter())) {
          meters.add(MeterUsage.of(guard.usage(id, meter)));
        }
      }
      return new TenantUsage(id.value(), meters);
    } catch (InvalidRequestException e) {
      // a tenant id quota refuses, as text or as the id type of a host tier table: the caller's input, a 400.
      // An InvalidRequestException always has its message: the field and the rule
      String message = Objects.requireNonNull(e.getMessage());
      throw new InvalidEndpointRequestException(message, message);
    }
  }

  /**
   * A tenant's standing.
   *
   * @param tenant the tenant id
   * @param meters the standing on each meter, the default meter first
   */
  public record TenantUsage(String tenant, List<MeterUsage> meters) {}

  /**
   * A tenant's standing on one meter; amounts in the meter's unit, instants in ISO-8601 UTC.
   *
   * @param meter the meter
   * @param plannedTier the tier of the tenant's plan, or {@code null} without a plan
   * @param effectiveTier the tier in force, or {@code null} when the tenant is rejected
   * @param tierSource where the effective tier comes from ({@link UsageReport.TierSource})
   * @param limit the effective tier's limit per period ({@value TierCatalogue#UNLIMITED} for none)
   * @param granted the sum of active grants
   * @param used the usage of the current period
   * @param reserved the units held by open reservations
   * @param remaining {@code limit + granted - used - reserved}, never below 0
   * @param percentUsed {@code 100 * used / (limit + granted)}
   * @param blocked whether an enforcing guard blocks the tenant now
   * @param periodStart the start of the current period
   * @param resetsAt the end of the current period
   * @param bypassedUntil the end of the active bypass, or {@code null}
   * @param activeEntitlements the grants, tier overrides and bypasses in force
   * @param asOf the instant the report describes
   */
  public record MeterUsage(String meter, @Nullable String plannedTier, @Nullable String effectiveTier,
      String tierSource, long limit, long granted, long used, long reserved, long remaining, double percentUsed,
      boolean blocked, String periodStart, String resetsAt, @Nullable String bypassedUntil,
      List<ActiveEntitlement> activeEntitlements, String asOf) {

    static MeterUsage of(UsageReport report) {
      return new MeterUsage(report.meter().name(), name(report.plannedTier()), name(report.effectiveTier()),
          report.tierSource().name(), report.limit(), report.granted(), report.used(), report.reserved(),
          report.remaining(), report.percentUsed(), report.blocked(), report.period().start().toString(),
          report.resetsAt().toString(), report.bypassedUntil().map(Instant::toString).orElse(null),
          report.activeEntitlements().stream().map(ActiveEntitlement::of).toList(), report.asOf().toString());
    }

    private static @Nullable String name(Optional<dev.quota.Tier> tier) {
      return tier.map(dev.quota.Tier::name).orElse(null);
    }
  }

  /**
   * An entitlement in force.
   *
   * @param id its id, for {@link dev.quota.admin.QuotaAdmin#revoke}
   * @param kind {@code credit}, {@code reset}, {@code tier-override}, {@code limit-override}, {@code one-time-credit}
   *     or {@code bypass}
   * @param meter a grant's or limit override's meter, else {@code null}
   * @param amount a grant's units, a limit override's limit, or a one-time credit's remaining units, else {@code null}
   * @param tier a tier override's tier, else {@code null}
   * @param validFrom when it started counting
   * @param validUntil when it stops counting by itself
   * @param createdBy who made it
   * @param reason why
   */
  public record ActiveEntitlement(String id, String kind, @Nullable String meter, @Nullable Long amount,
      @Nullable String tier, String validFrom, String validUntil, String createdBy, String reason) {

    static ActiveEntitlement of(Entitlement entitlement) {
      String kind;
      @Nullable String meter = null;
      @Nullable Long amount = null;
      @Nullable String tier = null;
      switch (entitlement) {
        case Grant grant -> {
          kind = grant.kind() == Grant.Kind.RESET ? "reset" : "credit";
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
      return new ActiveEntitlement(entitlement.id().toString(), kind, meter, amount, tier,
          entitlement.validFrom().toString(), entitlement.effectiveEnd().toString(), entitlement.createdBy().id(),
          entitlement.reason());
    }
  }
}

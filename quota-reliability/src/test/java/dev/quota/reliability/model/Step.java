package dev.quota.reliability.model;

import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Reservation;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.Bypass;
import dev.quota.admin.Grant;
import dev.quota.admin.LimitOverride;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PurgeConfirmation;
import dev.quota.admin.ResetResult;
import dev.quota.admin.TierOverride;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One operation of a random sequence, with its arguments as positions (tenant 0 or 1, the k-th reservation made so
 * far) rather than ids, so that a shorter sequence made by leaving steps out still means something.
 */
sealed interface Step {
  Actor OPERATOR = Actor.of("operator");
  /** An actor the authorizer of both sides refuses. */
  Actor INTRUDER = Actor.of("intruder");

  /**
   * Runs the step on one side.
   *
   * @param w the side
   * @return what it returned or threw, described
   */
  String run(World w);

  private static TenantId tenant(World w, int t) {
    return w.tenants.get(t);
  }

  private static Meter meter(World w, int m) {
    return w.meters.get(m);
  }

  private static Instant now(World w) {
    return w.quota.clock().instant();
  }

  /** Moves the shared clock; run once, not per side. */
  record Advance(Duration by) implements Step {
    @Override
    public String run(World w) {
      return "";
    }
  }

  record Consume(int t, int m, long amount, String key) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> w.quota.guard().tryConsume(tenant(w, t), meter(w, m), amount, UsageKey.of(key)));
    }
  }

  record Record(int t, int m, long amount, String key, Map<String, String> attributes) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> w.quota.guard().record(new UsageEvent(tenant(w, t), meter(w, m), amount, UsageKey.of(key),
          attributes)));
    }
  }

  record RecordAll(List<Consume> events) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> {
        List<UsageEvent> batch = new ArrayList<>();
        for (Consume e : events) {
          batch.add(UsageEvent.of(tenant(w, e.t()), meter(w, e.m()), e.amount(), UsageKey.of(e.key())));
        }
        return w.quota.guard().recordAll(batch);
      });
    }
  }

  record Reserve(int t, int m, long estimate, Duration ttl) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> {
        ReserveResult result = w.quota.guard().reserve(tenant(w, t), meter(w, m), estimate, ttl);
        result.reservationIfGranted().ifPresent(w.reservations::add);
        return result;
      });
    }
  }

  /** Commits the r-th reservation (modulo how many there are), on its meter or on another. */
  record Commit(int r, boolean otherMeter, long actual, String key) implements Step {
    @Override
    public String run(World w) {
      if (w.reservations.isEmpty()) {
        return "no reservation";
      }
      Reservation hold = w.reservations.get(r % w.reservations.size());
      Meter meter = otherMeter ? w.meters.get((w.meters.indexOf(hold.meter()) + 1) % w.meters.size()) : hold.meter();
      return w.observe(() -> w.quota.guard().commit(hold.tenant(), hold.id(), meter, actual, UsageKey.of(key)));
    }
  }

  record Release(int r) implements Step {
    @Override
    public String run(World w) {
      if (w.reservations.isEmpty()) {
        return "no reservation";
      }
      Reservation hold = w.reservations.get(r % w.reservations.size());
      return w.observe(hold::release);
    }
  }

  record Check(int t, int m, long amount) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> w.quota.guard().check(tenant(w, t), meter(w, m), amount));
    }
  }

  record CanProceed(int t) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> w.quota.guard().canProceed(tenant(w, t)));
    }
  }

  record Usage(int t, int m) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> w.quota.guard().usage(tenant(w, t), meter(w, m)));
    }
  }

  /** Resets one meter, or every meter when {@code m} is negative. */
  record Reset(int t, int m, boolean intruder) implements Step {
    @Override
    public String run(World w) {
      Actor actor = intruder ? INTRUDER : OPERATOR;
      return w.observe(() -> {
        ResetResult result = m < 0 ? w.quota.admin().resetUsage(tenant(w, t), actor, "reset all")
            : w.quota.admin().resetUsage(tenant(w, t), meter(w, m), actor, "reset one");
        result.grants().forEach(g -> w.entitlements.add(g.id()));
        return result;
      });
    }
  }

  record GrantCredit(int t, int m, long amount, Duration expiresIn, boolean intruder) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> {
        Grant grant = w.quota.admin().grantCredit(tenant(w, t), meter(w, m), amount, now(w).plus(expiresIn),
            intruder ? INTRUDER : OPERATOR, "credit");
        w.entitlements.add(grant.id());
        return grant;
      });
    }
  }

  /**
   * A one-time credit valid from {@code startsIn} for {@code validFor}; revoked by {@link Revoke} like any
   * entitlement, drawn by usage beyond the allowance (consumes, records and commits).
   */
  record GrantOneTimeCredit(int t, int m, long amount, Duration startsIn, Duration validFor, boolean intruder)
      implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> {
        Instant from = now(w).plus(startsIn);
        OneTimeCredit credit = w.quota.admin().grantOneTimeCredit(tenant(w, t), meter(w, m), amount, from,
            from.plus(validFor), intruder ? INTRUDER : OPERATOR, "top-up pack");
        w.entitlements.add(credit.id());
        return credit;
      });
    }
  }

  record OverrideTier(int t, String tier, Duration untilIn) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> {
        TierOverride override = w.quota.admin().overrideTier(tenant(w, t), Tier.of(tier), now(w).plus(untilIn),
            OPERATOR, "override");
        w.entitlements.add(override.id());
        return override;
      });
    }
  }

  /** A tenant's own limit on a meter: open-ended when {@code untilIn} is null. */
  record OverrideLimit(int t, int m, long limit, Duration untilIn) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> {
        LimitOverride override = untilIn == null
            ? w.quota.admin().overrideLimit(tenant(w, t), meter(w, m), limit, OPERATOR, "contract")
            : w.quota.admin().overrideLimit(tenant(w, t), meter(w, m), limit, now(w).plus(untilIn), OPERATOR,
                "throttle");
        w.entitlements.add(override.id());
        return override;
      });
    }
  }

  record BypassTenant(int t, Duration untilIn) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> {
        Bypass bypass = w.quota.admin().bypass(tenant(w, t), now(w).plus(untilIn), OPERATOR, "incident");
        w.entitlements.add(bypass.id());
        return bypass;
      });
    }
  }

  /** Revokes the e-th entitlement made so far (modulo how many there are). */
  record Revoke(int e, boolean intruder) implements Step {
    @Override
    public String run(World w) {
      if (w.entitlements.isEmpty()) {
        return "no entitlement";
      }
      return w.observe(() -> w.quota.admin().revoke(w.entitlements.get(e % w.entitlements.size()),
          intruder ? INTRUDER : OPERATOR, "revoke"));
    }
  }

  /** Sets a plan; billing day 0 means none. */
  record SetPlan(int t, String tier, int billingDay) implements Step {
    @Override
    public String run(World w) {
      Plan plan = billingDay == 0 ? Plan.of(Tier.of(tier)) : Plan.of(Tier.of(tier), billingDay);
      return w.observe(() -> w.quota.admin().setPlan(tenant(w, t), plan, OPERATOR, "plan change"));
    }
  }

  record PreviewPurge(int t, Duration ago) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> w.quota.admin().previewPurge(tenant(w, t), now(w).minus(ago)));
    }
  }

  record Purge(int t, Duration ago, boolean confirmed) implements Step {
    @Override
    public String run(World w) {
      TenantId tenant = tenant(w, t);
      PurgeConfirmation confirmation = new PurgeConfirmation(confirmed ? tenant.value() : tenant.value() + "-typo");
      return w.observe(() -> w.quota.admin().purgeUsage(tenant, now(w).minus(ago), confirmation, OPERATOR,
          "erasure request"));
    }
  }

  record Audit(int t, int offset, int size) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> w.quota.admin().audit(tenant(w, t), new PageRequest(offset, size)));
    }
  }

  record Entitlements(int t) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> w.quota.admin().entitlements(tenant(w, t)));
    }
  }

  /**
   * Verifies a tenant. Checks of a counter that holds nothing and has no ledger entries are left out on both sides:
   * the reference model keeps reporting a counter that a purge or a billing-day change emptied, the database store
   * reports only counters with usage or entries, and such a check is consistent either way.
   */
  record Verify(int t) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> w.quota.admin().verify(tenant(w, t)).checks().stream()
          .filter(c -> c.counterUsed() != 0 || c.ledgerUsed() != 0).toList());
    }
  }

  /**
   * Reads what rolled over into a tenant's current period and from where (the rollover grant, with its figures); on a
   * meter with rollover the report settles it first, once per period.
   */
  record RolledOver(int t, int m) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> {
        var report = w.quota.guard().usage(tenant(w, t), meter(w, m));
        return "rolledOver=" + report.rolledOver() + " from " + report.rollover();
      });
    }
  }

  /** Lists the dashboard, keeping only this sequence's tenants (the database holds other sequences' too). */
  record ListUsage(int m) implements Step {
    @Override
    public String run(World w) {
      return w.observe(() -> {
        var page = w.quota.admin().listUsage(meter(w, m), PageRequest.first(PageRequest.MAX_SIZE));
        if (page.hasMore()) {
          throw new IllegalStateException("more tenants in the current period than one page holds");
        }
        return page.items().stream().filter(r -> w.tenants.contains(r.tenant())).toList();
      });
    }
  }
}

package dev.quota.reliability.model;

import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.InvalidRequestException;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.RecordResult;
import dev.quota.Reservation;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.Window;
import dev.quota.admin.Actor;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.Verification;
import dev.quota.spi.QuotaStore;
import dev.quota.testkit.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * One implementation running a {@link PathScenario}: a {@link Quota} over one store, its tenants, and the
 * reservations the sequence made, with every result described as {@link PathModel} describes its predictions.
 */
final class PathSide {
  static final Actor OPERATOR = Actor.of("operator");

  final String name;
  private final PathScenario scenario;
  private final Quota quota;
  private final TestClock clock;
  private final List<TenantId> tenants;
  /** Every reservation made, in order, and whether a commit or release ended it. */
  private final List<Reservation> reservations = new ArrayList<>();
  private final List<Boolean> ended = new ArrayList<>();
  private int keys;

  PathSide(String name, PathScenario scenario, QuotaStore store, String run) {
    this.name = name;
    this.scenario = scenario;
    this.clock = TestClock.at(scenario.start());
    this.quota = Quota.builder().store(store).catalogue(scenario.catalogue()).clock(clock)
        .authorizer((actor, operation, tenant) -> true).alertThresholds().build();
    List<TenantId> ids = new ArrayList<>();
    for (int t = 0; t < PathScenario.TENANTS; t++) {
      ids.add(TenantId.of("p" + run + "-t" + t));
    }
    this.tenants = List.copyOf(ids);
  }

  /**
   * Gives every tenant its plan, then its first parent.
   *
   * @return per tenant, what setting its first parent returned
   */
  List<String> setUp() {
    for (int t = 0; t < PathScenario.TENANTS; t++) {
      Tier tier = Tier.of(scenario.tiers().get(scenario.tierOf().get(t)).name());
      quota.admin().setPlan(tenants.get(t), Plan.of(tier), OPERATOR, "plan");
    }
    List<String> results = new ArrayList<>();
    for (int t = 0; t < PathScenario.TENANTS; t++) {
      int p = scenario.parentOf().get(t);
      results.add(p < 0 ? "root" : run(new PathScenario.Move(t, p)));
    }
    return results;
  }

  /**
   * Runs a step.
   *
   * @param step the step
   * @return its result, described
   */
  String run(PathScenario.Step step) {
    return switch (step) {
      case PathScenario.Advance a -> {
        clock.advance(a.by());
        yield "";
      }
      case PathScenario.Consume c -> observe(() -> {
        ConsumeResult result = quota.guard().tryConsume(tenant(c.t()), PathScenario.TOKENS, c.amount(), nextKey());
        return result.outcome() + " " + describe(result.decision());
      });
      case PathScenario.Check c -> observe(() -> describe(quota.guard().check(tenant(c.t()), PathScenario.TOKENS,
          c.amount())));
      case PathScenario.Record r -> observe(() -> recorded(quota.guard().record(UsageEvent.of(tenant(r.t()),
          PathScenario.TOKENS, r.amount(), nextKey()))));
      case PathScenario.Reserve r -> observe(() -> {
        ReserveResult result = quota.guard().reserve(tenant(r.t()), PathScenario.TOKENS, r.amount(), r.ttl());
        result.reservationIfGranted().ifPresent(hold -> {
          reservations.add(hold);
          ended.add(false);
        });
        return (result.granted() ? "granted " : "refused ") + describe(result.decision());
      });
      case PathScenario.Commit c -> {
        int at = open(c.r());
        if (at < 0) {
          yield "no reservation";
        }
        ended.set(at, true);
        Reservation hold = reservations.get(at);
        yield observe(() -> recorded(quota.guard().commit(hold.tenant(), hold.id(), hold.meter(), c.actual(),
            nextKey())));
      }
      case PathScenario.Release r -> {
        int at = open(r.r());
        if (at < 0) {
          yield "no reservation";
        }
        ended.set(at, true);
        yield observe(() -> "released " + reservations.get(at).release());
      }
      case PathScenario.Move m -> observe(() -> {
        if (m.p() < 0) {
          quota.admin().clearParent(tenant(m.t()), OPERATOR, "move to the top");
        } else {
          quota.admin().setParent(tenant(m.t()), tenant(m.p()), OPERATOR, "move");
        }
        return "ok";
      });
      case PathScenario.Grant g -> observe(() -> {
        quota.admin().grantCredit(tenant(g.t()), PathScenario.TOKENS, g.amount(), clock.instant().plus(g.expiresIn()),
            OPERATOR, "grant");
        return "ok";
      });
      case PathScenario.OneTimeCredit c -> observe(() -> {
        quota.admin().grantOneTimeCredit(tenant(c.t()), PathScenario.TOKENS, c.amount(), clock.instant(),
            clock.instant().plus(Duration.ofDays(1)), OPERATOR, "top-up pack");
        return "ok";
      });
      case PathScenario.OverrideLimit o -> observe(() -> {
        quota.admin().overrideLimit(tenant(o.t()), PathScenario.TOKENS, o.limit(), OPERATOR, "contract");
        return "ok";
      });
      case PathScenario.Bypass b -> observe(() -> {
        quota.admin().bypass(tenant(b.t()), clock.instant().plus(b.untilIn()), OPERATOR, "incident");
        return "ok";
      });
      case PathScenario.UsagePath u -> observe(() -> quota.guard().usagePath(tenant(u.t()), PathScenario.TOKENS)
          .stream().map(l -> "t" + tenants.indexOf(l.level()) + " up " + l.levelsUp() + " " + l.window() + " used="
              + l.report().used() + " reserved=" + l.report().reserved() + " limit=" + l.report().limit())
          .toList().toString());
      case PathScenario.ParentOf p -> observe(() -> "parent " + quota.admin().parentOf(tenant(p.t()))
          .map(parent -> "t" + tenants.indexOf(parent)).orElse("none"));
      case PathScenario.Usage u -> observe(() -> {
        UsageReport report = quota.guard().usage(tenant(u.t()), PathScenario.TOKENS);
        return "used=" + report.used() + " reserved=" + report.reserved() + " limit=" + report.limit() + " granted="
            + report.granted();
      });
    };
  }

  /**
   * Verifies every tenant: each counter must equal the ledger, and the counters with usage are returned by level,
   * window (told by the counter's length) and window start, to compare with the model's.
   *
   * @return the counters with usage, or the inconsistencies found
   */
  String verify() {
    StringBuilder inconsistent = new StringBuilder();
    Map<PathModel.Key, Long> counters = new TreeMap<>();
    for (int t = 0; t < PathScenario.TENANTS; t++) {
      Verification verification = quota.admin().verify(tenant(t));
      for (CounterCheck check : verification.checks()) {
        if (!check.consistent()) {
          inconsistent.append(" t").append(t).append(' ').append(check);
        }
        if (check.counterUsed() != 0) {
          counters.put(new PathModel.Key(t, window(check.period().start(), check.period().end()),
              check.period().start()), check.counterUsed());
        }
      }
    }
    return inconsistent.isEmpty() ? counters.toString() : "inconsistent:" + inconsistent + " counters " + counters;
  }

  private static Window window(Instant start, Instant end) {
    Duration length = Duration.between(start, end);
    for (Window w : List.of(Window.MINUTE, Window.HOUR, Window.DAY)) {
      if (w.length().orElseThrow().equals(length)) {
        return w;
      }
    }
    return Window.PERIOD;
  }

  private TenantId tenant(int t) {
    return tenants.get(t);
  }

  private UsageKey nextKey() {
    return UsageKey.of("k" + keys++);
  }

  private int open(int r) {
    List<Integer> open = new ArrayList<>();
    for (int i = 0; i < ended.size(); i++) {
      if (!ended.get(i)) {
        open.add(i);
      }
    }
    return open.isEmpty() ? -1 : open.get(r % open.size());
  }

  private String recorded(RecordResult result) {
    return result.duplicate() ? "duplicate " + result.amount() : "recorded " + result.amount();
  }

  /** Describes a decision as the model does: the reason, and for a denial the level (by position) and window. */
  private String describe(Decision d) {
    if (d.allowed()) {
      return d.reason().toString();
    }
    int level = tenants.indexOf(d.level());
    return d.reason() + " at t" + level + " up " + d.levelsUp() + " in " + d.window();
  }

  private String observe(Supplier<String> call) {
    try {
      return call.get();
    } catch (InvalidRequestException e) {
      return "refused InvalidRequestException(field=" + e.field() + ")";
    } catch (RuntimeException e) {
      // anything else is unexpected: described in full, so that it never equals a prediction
      return "throws " + e + " on " + name;
    }
  }
}

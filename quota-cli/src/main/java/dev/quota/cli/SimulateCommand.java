package dev.quota.cli;

import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.QuotaGuard;
import dev.quota.Reservation;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.admin.QuotaAdmin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quota simulate}: realistic usage now, so that {@code top}, {@code usage}, the console and the metrics have
 * something to show on the real date. See {@link Simulation} for what the tenants do.
 */
@Command(name = "simulate",
    description = {"Simulate tenants using AI tokens now: each gets a plan (most free, some pro, a few enterprise) "
        + "and makes AI calls spread over the run, through quota's guard as a service would: some stay well within "
        + "their limit, some come close, a few get blocked and keep retrying. Then try top, usage, reset.",
        "For a development or demonstration database: the tenants, their plans (audited) and their usage are real "
            + "rows. Their ids are PREFIX01, PREFIX02, ...; a second run goes on with the same tenants."})
final class SimulateCommand extends QuotaCommand {
  /** The most tenants one run simulates. */
  static final int MAX_TENANTS = 10_000;
  /** The longest run, in minutes. */
  static final double MAX_MINUTES = 24 * 60;
  /** The reason of the simulated tenants' plans in the audit log. */
  static final String REASON = "quota simulate: a simulated tenant";

  @Option(names = "--tenants", paramLabel = "N", defaultValue = "50",
      description = "How many tenants, 1 to " + MAX_TENANTS + " (default: ${DEFAULT-VALUE}).")
  int tenants;

  @Option(names = "--minutes", paramLabel = "M", defaultValue = "2",
      description = "How long the calls are spread over, in minutes; decimals allowed, e.g. 0.5 (default: "
          + "${DEFAULT-VALUE}).")
  double minutes;

  @Option(names = "--prefix", paramLabel = "TEXT", defaultValue = "sim-",
      description = "What the tenants' ids start with (default: ${DEFAULT-VALUE}).")
  String prefix;

  @Option(names = "--seed", paramLabel = "N",
      description = "Makes the run repeatable: the same seed, the same tenants, tiers and calls (default: random).")
  Long seed;

  @Option(names = "--meter", paramLabel = "METER", description = "The meter (default: the catalogue's first).")
  String meter;

  @Override
  void checkArguments() {
    if (tenants < 1 || tenants > MAX_TENANTS) {
      throw CliException.usage("--tenants must be between 1 and " + MAX_TENANTS + ", was " + tenants);
    }
    if (!(minutes > 0) || minutes > MAX_MINUTES) {
      throw CliException.usage("--minutes must be more than 0 and at most " + (int) MAX_MINUTES + " (a day), was "
          + minutes);
    }
    TenantId.of(prefix + "1"); // the ids must be valid tenant ids
  }

  @Override
  int run(Session session) {
    Meter m = session.meter(meter);
    Duration duration = Duration.ofMillis(Math.round(minutes * 60_000));
    long usedSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong();
    QuotaGuard guard = session.guard();
    List<TenantId> ids = Simulation.tenantIds(prefix, tenants);
    List<Simulation.Before> before = new ArrayList<>(tenants);
    for (TenantId id : ids) {
      UsageReport report = guard.usage(id, m); // what an earlier run left: its tiers are kept, its usage counts
      before.add(new Simulation.Before(report.plannedTier(), report.used()));
    }
    Simulation script = Simulation.plan(session.catalogue(), m, ids, before, duration, usedSeed);
    List<Simulation.SimulatedTenant> simulated = script.tenants();
    session.out().progress("Simulating " + Text.count(tenants, "tenant", "tenants") + " (" + simulated.get(0).id()
        + (tenants > 1 ? " to " + simulated.get(tenants - 1).id() : "") + ") on " + m + " in schema "
        + session.schema() + " for " + span(duration) + " (seed " + usedSeed + "): their plans and usage are written "
        + "to the database.");
    String plans = givePlans(session, simulated, before);
    Run run = new Run(guard, m);
    run.play(script, duration, session);
    List<String> blocked = new ArrayList<>();
    for (Simulation.SimulatedTenant tenant : simulated) {
      if (guard.usage(tenant.id(), m).blocked()) {
        blocked.add(tenant.id().value());
      }
    }
    session.out().result(() -> plans + "Simulated " + Text.count(tenants, "tenant", "tenants") + " for "
        + span(duration) + ": " + Text.count(run.calls, "call", "calls") + ", " + Text.units(run.recorded) + " " + m
        + " recorded, " + Text.count(run.deniedCalls, "call", "calls") + " denied; "
        + Text.count(blocked.size(), "tenant is", "tenants are") + " blocked now.\n"
        + "See them with: quota top   (then: quota usage " + (blocked.isEmpty() ? simulated.get(0).id()
            : blocked.get(0)) + ", quota reset ...)", () -> {
          Map<String, Object> document = new LinkedHashMap<>();
          document.put("meter", m.name());
          document.put("seed", usedSeed);
          document.put("tenants", simulated.stream().map(t -> t.id().value()).toList());
          document.put("calls", run.calls);
          document.put("denied", run.deniedCalls);
          document.put("recorded", run.recorded);
          document.put("blocked", blocked);
          return document;
        });
    return ExitCode.OK;
  }

  /** Gives each tenant its plan's tier, unless it has it already; nothing when plans come from the host's table. */
  private static String givePlans(Session session, List<Simulation.SimulatedTenant> simulated,
      List<Simulation.Before> before) {
    if (session.planTable().isPresent()) {
      return "Tiers come from the host's table " + session.planTable().get().describe() + ": the simulated tenants "
          + "are on the tiers it gives them, or on the catalogue's default tier.\n";
    }
    QuotaAdmin admin = session.admin();
    for (int i = 0; i < simulated.size(); i++) {
      Simulation.SimulatedTenant tenant = simulated.get(i);
      if (!before.get(i).tier().equals(Optional.of(tenant.tier()))) {
        admin.setPlan(tenant.id(), Plan.of(tenant.tier()), session.actor(), REASON); // a plan creates the tenant
      }
    }
    return "";
  }

  private static String span(Duration duration) {
    long seconds = duration.toSeconds();
    if (seconds < 60) {
      return Math.max(1, seconds) + "s";
    }
    return duration.toMinutes() + "m" + (duration.toSecondsPart() == 0 ? "" : " " + duration.toSecondsPart() + "s");
  }

  /** One run of the script: the calls at their times, and what came of them. */
  private static final class Run {
    private final QuotaGuard guard;
    private final Meter meter;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final Map<Simulation.Call, Reservation> holds = new HashMap<>();
    private final Map<Simulation.Call, UsageKey> checked = new HashMap<>();
    /** The tenants whose latest call was denied. */
    private final Set<TenantId> denied = new HashSet<>();
    private long calls;
    private long recorded;
    private long deniedCalls;

    Run(QuotaGuard guard, Meter meter) {
      this.guard = guard;
      this.meter = meter;
    }

    /** A reserve or consume at a call's start, or a commit at its end. */
    private record Step(Simulation.Call call, boolean commit, Duration at) {}

    void play(Simulation script, Duration duration, Session session) {
      List<Step> steps = new ArrayList<>();
      for (Simulation.Call call : script.calls()) {
        steps.add(new Step(call, false, call.startsAt()));
        if (call.kind() != Simulation.Kind.CONSUME) {
          steps.add(new Step(call, true, call.commitAt()));
        }
      }
      steps.sort(Comparator.comparing(Step::at).thenComparing(Step::commit));
      // The wall clock paces the run (the session's clock, which stamps the usage, may be a test's fixed one).
      long start = System.nanoTime();
      int quarter = 1;
      int number = 0;
      for (Step step : steps) {
        waitUntil(start + step.at().toNanos());
        if (step.commit()) {
          commit(step.call());
        } else {
          begin(step.call(), number++);
        }
        if (quarter < 4 && step.at().compareTo(duration.multipliedBy(quarter).dividedBy(4)) >= 0) {
          session.out().progress(String.format(Locale.ROOT, "%5s  %s, %s denied, %s", span(step.at()),
              Text.count(calls, "call", "calls"), Text.units(deniedCalls),
              Text.count(denied.size(), "tenant blocked", "tenants blocked")));
          quarter++;
        }
      }
    }

    private void begin(Simulation.Call call, int number) {
      calls++;
      TenantId tenant = call.tenant().id();
      UsageKey key = UsageKey.of("simulated-" + runId + "-" + number);
      boolean allowed;
      switch (call.kind()) {
        case CONSUME -> {
          ConsumeResult result = guard.tryConsume(tenant, meter, call.amount(), key);
          allowed = result.allowed();
          if (allowed) {
            recorded += call.amount();
          }
        }
        case RESERVE_AND_COMMIT -> {
          ReserveResult result = guard.reserve(tenant, meter, call.estimate(),
              Simulation.LONGEST_CALL.multipliedBy(4));
          allowed = result.granted();
          result.reservationIfGranted().ifPresent(hold -> holds.put(call, hold));
        }
        case CHECK_THEN_RECORD -> {
          allowed = guard.check(tenant, meter, 1).allowed(); // canProceed, on the simulated meter
          if (allowed) {
            checked.put(call, key);
          }
        }
        default -> throw new IllegalStateException("unknown kind " + call.kind());
      }
      if (allowed) {
        denied.remove(tenant);
      } else {
        deniedCalls++;
        denied.add(tenant);
      }
    }

    /** The model answered: commit the reservation, or record the usage of a checked call. */
    private void commit(Simulation.Call call) {
      Reservation hold = holds.remove(call);
      if (hold != null) {
        hold.commit(call.amount(), UsageKey.of("simulated-" + runId + "-" + hold.id()));
        recorded += call.amount();
      }
      UsageKey key = checked.remove(call);
      if (key != null) {
        guard.record(UsageEvent.of(call.tenant().id(), meter, call.amount(), key));
        recorded += call.amount();
      }
    }

    private static void waitUntil(long nanoTime) {
      for (long left = nanoTime - System.nanoTime(); left > 0; left = nanoTime - System.nanoTime()) {
        if (Thread.currentThread().isInterrupted()) {
          throw new CliException(ExitCode.FAILURE, "interrupted; the calls made so far are recorded");
        }
        LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
      }
    }
  }
}

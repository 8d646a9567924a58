package dev.quota.examples;

import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.LevelUsage;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.PlanFallback;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.Window;
import dev.quota.admin.Actor;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.Verification;
import dev.quota.period.PeriodPolicy;
import dev.quota.spi.QuotaStore;
import dev.quota.testkit.TestClock;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The organisation story, told on any {@link QuotaStore}: an enterprise organisation with two workspaces, each with
 * a member. The research workspace runs into its own cap while the organisation still has most of its month left;
 * the support workspace is not affected. Then a burst of calls from support is stopped by the organisation's
 * per-minute window, and let through again in the next minute. Every call is one {@code tryConsume} that checks and
 * counts the member, its workspace and the organisation, in the month and in the minute, in one atomic step.
 *
 * <p>Time is a {@link TestClock}, so every run prints the same text.
 */
final class OrganisationScenario {
  /** When the story starts, in simulated time: a day after the planner story's start. */
  static final Instant START = Instant.parse("2026-11-03T09:00:00Z");
  static final TenantId ORGANISATION = TenantId.of("initrode");
  static final TenantId RESEARCH = TenantId.of("initrode-research");
  static final TenantId SUPPORT = TenantId.of("initrode-support");
  static final TenantId ALICE = TenantId.of("initrode-research-alice");
  static final TenantId BOB = TenantId.of("initrode-support-bob");
  /** The organisation's enterprise tier: 10,000,000 a month and, to protect the shared provider key, 120,000 a minute. */
  static final long PER_MINUTE = 120_000;
  /** The research workspace's own share of the organisation's month. */
  static final long RESEARCH_SHARE = 300_000;
  /** The support workspace's own share. */
  static final long SUPPORT_SHARE = 2_000_000;
  /** The tokens of one call in this story. */
  static final long CALL = 20_000;

  private static final Meter TOKENS = Meter.AI_TOKENS;
  private static final Actor BILLING = Actor.of("billing-service");
  /** Two calls a minute: slow enough never to meet the per-minute window. */
  private static final Duration BETWEEN_CALLS = Duration.ofSeconds(30);

  private final QuotaStore store;
  private final String storeName;
  private final TestClock clock;
  private final PrintStream out;

  /**
   * Prepares the story.
   *
   * @param store a store without these tenants
   * @param storeName what the store is, for the reader
   * @param clock the simulated time, set to {@link #START}
   * @param out where the story is printed
   */
  OrganisationScenario(QuotaStore store, String storeName, TestClock clock, PrintStream out) {
    this.store = store;
    this.storeName = storeName;
    this.clock = clock;
    this.out = out;
  }

  /** The catalogue of this story: the default tiers, and enterprise's per-minute window. */
  static TierCatalogue catalogue() {
    return TierCatalogue.builder()
        .meter(TOKENS, PeriodPolicy.calendarMonth())
        .tier(Tier.FREE, Map.of(TOKENS, 100_000L))
        .tier(Tier.PRO, Map.of(TOKENS, 1_000_000L))
        .tier(Tier.ENTERPRISE, Map.of(TOKENS, 10_000_000L))
        .limit(Tier.ENTERPRISE, TOKENS, Window.MINUTE, PER_MINUTE)
        .defaultTier(Tier.FREE)
        .whenNoPlan(PlanFallback.USE_DEFAULT_TIER)
        .build();
  }

  /**
   * Tells the story.
   *
   * @return what happened at each turn, for checks
   */
  Outcome run() {
    out.println();
    out.println("quota demo, part 2: an organisation with two workspaces, limits at every level and per minute");
    section(1, "Set-up: an organisation, two workspaces, a member in each, over the " + storeName);
    Quota quota = Quota.builder().store(store).catalogue(catalogue()).clock(clock).leaveStoreOpen().build();
    QuotaGuard guard = quota.guard();
    QuotaAdmin admin = quota.admin();
    say("Tiers as before; enterprise also caps ai-tokens at " + UsageFormat.units(PER_MINUTE)
        + " a minute: TierCatalogue.Builder.limit(ENTERPRISE, ai-tokens, Window.MINUTE, 120000).");
    admin.setPlan(ORGANISATION, Plan.of(Tier.ENTERPRISE), BILLING, "contract 2026-301: initrode on enterprise");
    admin.setParent(RESEARCH, ORGANISATION, BILLING, "workspace research of initrode");
    admin.overrideLimit(RESEARCH, TOKENS, RESEARCH_SHARE, BILLING, "research's share of initrode's contract");
    admin.setParent(SUPPORT, ORGANISATION, BILLING, "workspace support of initrode");
    admin.overrideLimit(SUPPORT, TOKENS, SUPPORT_SHARE, BILLING, "support's share of initrode's contract");
    admin.setPlan(ALICE, Plan.of(Tier.PRO), BILLING, "seat: alice in research");
    admin.setParent(ALICE, RESEARCH, BILLING, "member of research");
    admin.setPlan(BOB, Plan.of(Tier.PRO), BILLING, "seat: bob in support");
    admin.setParent(BOB, SUPPORT, BILLING, "member of support");
    say("admin.setParent(...) and admin.overrideLimit(...) by " + BILLING + ", each audited:");
    say(ORGANISATION + "  enterprise, " + UsageFormat.units(10_000_000) + " a month, "
        + UsageFormat.units(PER_MINUTE) + " a minute");
    say("  " + RESEARCH + "  its own limit " + UsageFormat.units(RESEARCH_SHARE) + " a month");
    say("    " + ALICE + "  pro, " + UsageFormat.units(1_000_000) + " a month");
    say("  " + SUPPORT + "  its own limit " + UsageFormat.units(SUPPORT_SHARE) + " a month");
    say("    " + BOB + "  pro, " + UsageFormat.units(1_000_000) + " a month");

    section(2, "Research runs into its own cap; the organisation still has room");
    say("alice's agent calls the model, " + UsageFormat.units(CALL) + " tokens a call, two calls a minute. Each call is");
    say("guard.tryConsume(alice, ...): alice, research and initrode are checked and counted in one step.");
    int aliceCalls = 0;
    ConsumeResult last;
    while (true) {
      last = guard.tryConsume(ALICE, TOKENS, CALL, key("alice", aliceCalls + 1));
      if (last.outcome() != ConsumeResult.Outcome.CONSUMED) {
        break;
      }
      aliceCalls++;
      clock.advance(BETWEEN_CALLS);
    }
    Decision researchCap = last.decision();
    say(aliceCalls + " calls went through; call " + (aliceCalls + 1) + ":");
    decision(researchCap);
    UsageReport organisationAfterResearch = guard.usage(ORGANISATION);
    say("initrode itself has used " + UsageFormat.units(organisationAfterResearch.used()) + " of "
        + UsageFormat.units(organisationAfterResearch.limit()) + " this month; bob in support is not affected:");
    ConsumeResult bobMeanwhile = guard.tryConsume(BOB, TOKENS, CALL, key("bob", 0));
    say("guard.tryConsume(bob, " + UsageFormat.units(CALL) + ") -> " + bobMeanwhile.outcome());

    section(3, "A burst from support is stopped by the organisation's per-minute window");
    clock.advance(Duration.ofMinutes(1));
    clock.set(minuteStart(clock.instant()));
    say("At " + clock.instant() + " bob's batch job fires calls of " + UsageFormat.units(CALL)
        + " tokens as fast as it can:");
    int burstCalls = 0;
    while (true) {
      last = guard.tryConsume(BOB, TOKENS, CALL, key("bob-burst", burstCalls + 1));
      if (last.outcome() != ConsumeResult.Outcome.CONSUMED) {
        break;
      }
      burstCalls++;
      clock.advance(Duration.ofSeconds(1));
    }
    Decision burstStopped = last.decision();
    say(burstCalls + " calls in " + burstCalls + " seconds went through (" + UsageFormat.units(burstCalls * CALL)
        + " tokens); call " + (burstCalls + 1) + ":");
    decision(burstStopped);
    clock.set(minuteStart(clock.instant()).plus(Duration.ofMinutes(1)));
    ConsumeResult nextMinute = guard.tryConsume(BOB, TOKENS, CALL, key("bob-burst", burstCalls + 1));
    say("At " + clock.instant() + ", the next minute, the same call -> "
        + nextMinute.outcome() + ": a fixed window starts afresh at each minute.");
    say("(Fixed windows admit up to twice the per-minute limit across one boundary; README says why that choice.)");

    section(4, "Where bob stands, at every level and in every window");
    List<LevelUsage> bobPath = guard.usagePath(BOB, TOKENS);
    for (LevelUsage level : bobPath) {
      UsageReport r = level.report();
      out.println(String.format(Locale.ROOT, "  %-26s %-7s used %10s of %11s, remaining %11s",
          "  ".repeat(2 - Math.min(2, level.levelsUp())) + level.level(),
          level.window().name().toLowerCase(Locale.ROOT), UsageFormat.units(r.used()),
          UsageFormat.units(r.ceiling()), UsageFormat.units(r.remaining())));
    }
    say("A level's usage includes its descendants': initrode counts alice's and bob's calls.");

    section(5, "The ledger has one entry per call, and every counter matches it");
    Verification verification = admin.verify(ORGANISATION);
    say("admin.verify(initrode): " + (verification.consistent() ? "every counter matches the ledger"
        : "MISMATCH " + verification));
    return new Outcome(aliceCalls, researchCap, organisationAfterResearch, bobMeanwhile, burstCalls, burstStopped,
        nextMinute, bobPath, verification);
  }

  private static Instant minuteStart(Instant instant) {
    return Window.MINUTE.at(instant).start();
  }

  private static UsageKey key(String who, int call) {
    return UsageKey.of(String.format(Locale.ROOT, "%s-call-%04d", who, call));
  }

  private void decision(Decision decision) {
    out.println(UsageFormat.decision(decision));
    if (!decision.allowed()) {
      say("denied at " + decision.level() + " (" + decision.levelsUp() + " level" + (decision.levelsUp() == 1 ? "" : "s")
          + " up), window " + decision.window().name().toLowerCase(Locale.ROOT));
    }
  }

  private void section(int number, String title) {
    out.println(UsageFormat.section(number, title));
  }

  private void say(String line) {
    out.println("  " + line);
  }

  /**
   * What happened, for the demo's test.
   *
   * @param aliceCalls the calls research took before its cap
   * @param researchCap the denial at research's cap
   * @param organisationAfterResearch the organisation's month after research stopped
   * @param bobMeanwhile bob's call while research was blocked
   * @param burstCalls the calls of bob's burst that went through
   * @param burstStopped the denial by the per-minute window
   * @param nextMinute the same call in the next minute
   * @param bobPath bob's standing at every level and window at the end
   * @param verification the organisation's counters against the ledger
   */
  record Outcome(int aliceCalls, Decision researchCap, UsageReport organisationAfterResearch,
      ConsumeResult bobMeanwhile, int burstCalls, Decision burstStopped, ConsumeResult nextMinute,
      List<LevelUsage> bobPath, Verification verification) {}
}

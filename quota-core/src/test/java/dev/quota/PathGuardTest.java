package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.ConsumeResult.Outcome;
import dev.quota.Decision.Reason;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.PageRequest;
import dev.quota.admin.QuotaAdmin;
import dev.quota.period.PeriodPolicy;
import dev.quota.spi.LedgerEntry;
import dev.quota.support.MutableClock;
import dev.quota.support.SimpleStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The guard on a three-level tree (org > workspace > member) with two short windows: a write counts at every level
 * and in every window, fits all of them or changes nothing, and a decision says which level and window it rests on.
 */
class PathGuardTest {
  private static final TenantId ORG = TenantId.of("org");
  private static final TenantId WORKSPACE = TenantId.of("org-ws");
  private static final TenantId MEMBER = TenantId.of("org-ws-member");
  private static final Meter TOKENS = Meter.AI_TOKENS;
  private static final Meter CALLS = Meter.of("ai-calls");
  private static final Actor OPS = Actor.of("ops@example.com");

  /** Workspaces (pro) may take 500 tokens a minute and 2,000 an hour; members and the org (enterprise) ten times. */
  static final TierCatalogue CATALOGUE = TierCatalogue.builder()
      .meter(TOKENS, PeriodPolicy.calendarMonth())
      .meter(CALLS, PeriodPolicy.calendarMonth())
      .tier(Tier.FREE, Map.of(TOKENS, 1_000L, CALLS, 10L))
      .tier(Tier.PRO, Map.of(TOKENS, 10_000L, CALLS, 100L))
      .tier(Tier.ENTERPRISE, Map.of(TOKENS, 100_000L, CALLS, 1_000L))
      .limit(Tier.FREE, TOKENS, Window.MINUTE, 100)
      .limit(Tier.PRO, TOKENS, Window.MINUTE, 500)
      .limit(Tier.PRO, TOKENS, Window.HOUR, 2_000)
      .limit(Tier.ENTERPRISE, TOKENS, Window.MINUTE, 5_000)
      .limit(Tier.ENTERPRISE, TOKENS, Window.HOUR, 20_000)
      .defaultTier(Tier.FREE)
      .build();

  private final SimpleStore store = new SimpleStore();
  private final MutableClock clock = MutableClock.at("2027-01-15T12:00:30Z");
  private final RecordingObserver observer = new RecordingObserver();
  private final Quota quota = quota(EnforcementMode.ENFORCE);
  private final QuotaGuard guard = quota.guard();
  private final QuotaAdmin admin = quota.admin();

  PathGuardTest() {
    store.givenPlan(ORG, Plan.of(Tier.ENTERPRISE)).givenPlan(WORKSPACE, Plan.of(Tier.PRO))
        .givenPlan(MEMBER, Plan.of(Tier.ENTERPRISE));
    admin.setParent(WORKSPACE, ORG, OPS, "workspace of org");
    admin.setParent(MEMBER, WORKSPACE, OPS, "member of workspace");
  }

  private Quota quota(EnforcementMode mode) {
    return Quota.builder().store(store).catalogue(CATALOGUE).clock(clock).mode(mode).observer(observer).build();
  }

  private void givenUsed(TenantId tenant, long amount) {
    store.givenUsage(new LedgerEntry(tenant, TOKENS, amount, UsageKey.of("earlier-" + tenant), clock.instant(),
        CATALOGUE.periodPolicy(TOKENS).periodAt(clock.instant()), Map.of()));
  }

  private ConsumeResult consume(long amount, String key) {
    return guard.tryConsume(MEMBER, TOKENS, amount, UsageKey.of(key));
  }

  // --- counting at every level and window -----------------------------------------------------------

  @Test
  void aMembersUsageCountsAtEveryLevelAndWindowWithOneLedgerEntry() {
    ConsumeResult result = consume(50, "k1");

    assertThat(result.outcome()).isEqualTo(Outcome.CONSUMED);
    assertThat(guard.usage(MEMBER, TOKENS).used()).isEqualTo(50);
    assertThat(guard.usage(WORKSPACE, TOKENS).used()).isEqualTo(50);
    assertThat(guard.usage(ORG, TOKENS).used()).isEqualTo(50);
    assertThat(store.ledger(MEMBER)).hasSize(1);
    assertThat(store.ledger(WORKSPACE)).isEmpty();
    assertThat(store.ledger(ORG)).isEmpty();

    List<LevelUsage> path = guard.usagePath(MEMBER, TOKENS);
    assertThat(path).extracting(LevelUsage::level).containsExactly(MEMBER, MEMBER, MEMBER, WORKSPACE, WORKSPACE,
        WORKSPACE, ORG, ORG, ORG);
    assertThat(path).extracting(LevelUsage::levelsUp).containsExactly(0, 0, 0, 1, 1, 1, 2, 2, 2);
    assertThat(path).extracting(LevelUsage::window).containsExactly(Window.PERIOD, Window.HOUR, Window.MINUTE,
        Window.PERIOD, Window.HOUR, Window.MINUTE, Window.PERIOD, Window.HOUR, Window.MINUTE);
    assertThat(path).allSatisfy(level -> assertThat(level.report().used()).isEqualTo(50));
    assertThat(path.get(4).report().limit()).isEqualTo(2_000);
    assertThat(path.get(4).report().period()).isEqualTo(Window.HOUR.at(clock.instant()));
  }

  @Test
  void anAllowedDecisionRestsOnTheCounterWithTheLeastLeft() {
    Decision decision = consume(300, "k1").decision();

    assertThat(decision.tenant()).isEqualTo(MEMBER);
    assertThat(decision.level()).isEqualTo(WORKSPACE);
    assertThat(decision.levelsUp()).isEqualTo(1);
    assertThat(decision.window()).isEqualTo(Window.MINUTE);
    assertThat(decision.remaining()).isEqualTo(200);
  }

  @Test
  void aWorkspaceOverItsOwnCapDeniesWhileTheOrgHasRoomAndNothingIsWritten() {
    givenUsed(WORKSPACE, 9_990);

    ConsumeResult result = consume(20, "k1");

    assertThat(result.outcome()).isEqualTo(Outcome.DENIED);
    Decision decision = result.decision();
    assertThat(decision.reason()).isEqualTo(Reason.INSUFFICIENT_BALANCE);
    assertThat(decision.level()).isEqualTo(WORKSPACE);
    assertThat(decision.levelsUp()).isEqualTo(1);
    assertThat(decision.window()).isEqualTo(Window.PERIOD);
    assertThat(decision.remaining()).isEqualTo(10);
    assertThat(guard.usage(ORG, TOKENS).remaining()).isGreaterThan(20);
    assertThat(store.ledger(MEMBER)).isEmpty();
    assertThat(guard.usage(WORKSPACE, TOKENS).used()).isEqualTo(9_990);
    assertThat(guard.usage(ORG, TOKENS).used()).isZero();
    assertThat(observer.denials).containsExactly("TRY_CONSUME INSUFFICIENT_BALANCE 1 PERIOD");
  }

  @Test
  void aBurstIsDeniedInTheMinuteAndAllowedAgainTheNextMinute() {
    assertThat(consume(300, "k1").outcome()).isEqualTo(Outcome.CONSUMED);

    ConsumeResult burst = consume(300, "k2");
    assertThat(burst.outcome()).isEqualTo(Outcome.DENIED);
    assertThat(burst.decision().window()).isEqualTo(Window.MINUTE);
    assertThat(burst.decision().level()).isEqualTo(WORKSPACE);
    assertThat(guard.canProceed(MEMBER)).isTrue();
    assertThat(guard.check(MEMBER, TOKENS, 300).allowed()).isFalse();
    assertThat(guard.usage(MEMBER, TOKENS).used()).isEqualTo(300);

    clock.advance(Duration.ofMinutes(1));
    ConsumeResult later = consume(300, "k2");
    assertThat(later.outcome()).isEqualTo(Outcome.CONSUMED);
    assertThat(guard.usage(ORG, TOKENS).used()).isEqualTo(600);
    assertThat(guard.usagePath(MEMBER, TOKENS).get(4).report().used()).as("the workspace's hour").isEqualTo(600);
  }

  @Test
  void theLimitHoldsInsideAWindowAndTwiceItPassesAcrossOneBoundary() {
    clock.set(java.time.Instant.parse("2027-01-15T12:00:59Z"));
    assertThat(consume(500, "k1").outcome()).isEqualTo(Outcome.CONSUMED);
    assertThat(consume(1, "k2").outcome()).as("inside the minute").isEqualTo(Outcome.DENIED);

    clock.set(java.time.Instant.parse("2027-01-15T12:01:00Z"));
    assertThat(consume(500, "k3").outcome()).as("one second later, in the next minute").isEqualTo(Outcome.CONSUMED);
    assertThat(guard.usage(WORKSPACE, TOKENS).used()).isEqualTo(1_000);
  }

  @Test
  void aLimitOverrideRaisesThePeriodButNotTheWindows() {
    givenUsed(WORKSPACE, 9_990);
    admin.overrideLimit(WORKSPACE, TOKENS, 20_000, OPS, "workspace's share of the contract");

    assertThat(consume(20, "k1").outcome()).isEqualTo(Outcome.CONSUMED);
    ConsumeResult burst = consume(600, "k2");
    assertThat(burst.outcome()).isEqualTo(Outcome.DENIED);
    assertThat(burst.decision().window()).isEqualTo(Window.MINUTE);
    assertThat(burst.decision().snapshot().limit()).isEqualTo(500);
  }

  @Test
  void aLevelWithoutAPlanDeniesItsSubtreeWhenSuchTenantsAreRejected() {
    TierCatalogue rejecting = TierCatalogue.builder().meter(TOKENS, PeriodPolicy.calendarMonth())
        .tier(Tier.PRO, Map.of(TOKENS, 10_000L)).limit(Tier.PRO, TOKENS, Window.MINUTE, 500)
        .whenNoPlan(PlanFallback.REJECT).whenUnknownTier(PlanFallback.REJECT).build();
    SimpleStore tree = new SimpleStore().givenPlan(MEMBER, Plan.of(Tier.PRO)).givenParent(MEMBER, ORG);
    QuotaGuard rejectingGuard = Quota.builder().store(tree).catalogue(rejecting).clock(clock).build().guard();

    Decision decision = rejectingGuard.check(MEMBER, TOKENS, 1);

    assertThat(decision.allowed()).isFalse();
    assertThat(decision.reason()).isEqualTo(Reason.NO_PLAN);
    assertThat(decision.level()).isEqualTo(ORG);
    assertThat(rejectingGuard.canProceed(MEMBER)).isFalse();
  }

  @Test
  void aFlatTenantOnAMeterWithoutWindowsKeepsTheFlatDecision() {
    Decision decision = guard.tryConsume(ORG, CALLS, 5, UsageKey.of("c1")).decision();

    assertThat(decision.allowed()).isTrue();
    assertThat(decision.level()).isEqualTo(ORG);
    assertThat(decision.levelsUp()).isZero();
    assertThat(decision.window()).isEqualTo(Window.PERIOD);
    assertThat(guard.usagePath(ORG, CALLS)).hasSize(1);
  }

  @Test
  void aChildsUsageOnAMeterWithoutWindowsStillCountsAtItsAncestors() {
    guard.tryConsume(MEMBER, CALLS, 5, UsageKey.of("c1"));

    assertThat(guard.usage(ORG, CALLS).used()).isEqualTo(5);
    assertThat(guard.usagePath(MEMBER, CALLS)).extracting(LevelUsage::window).containsOnly(Window.PERIOD);
  }

  @Test
  void aDuplicateKeyOnAPathCountsOnceAndAnotherAmountConflicts() {
    consume(50, "k1");

    assertThat(consume(50, "k1").outcome()).isEqualTo(Outcome.ALREADY_CONSUMED);
    assertThat(guard.usage(ORG, TOKENS).used()).isEqualTo(50);
    assertThatThrownBy(() -> consume(60, "k1")).isInstanceOf(UsageConflictException.class);
  }

  // --- bypasses and shadow mode ---------------------------------------------------------------------

  @Test
  void aBypassLiftsItsLevelAndTheLevelsBelowButNotTheLevelsAbove() {
    admin.bypass(WORKSPACE, clock.instant().plus(Duration.ofHours(1)), OPS, "incident");

    ConsumeResult overTheWorkspace = consume(600, "k1");
    assertThat(overTheWorkspace.outcome()).isEqualTo(Outcome.CONSUMED);
    assertThat(overTheWorkspace.decision().reason()).isEqualTo(Reason.WITHIN_BALANCE);
    assertThat(overTheWorkspace.decision().level()).isEqualTo(ORG);
    assertThat(guard.usage(WORKSPACE, TOKENS).used()).isEqualTo(600);
    assertThat(guard.usage(ORG, TOKENS).used()).isEqualTo(600);

    ConsumeResult overTheOrg = consume(4_500, "k2");
    assertThat(overTheOrg.outcome()).isEqualTo(Outcome.DENIED);
    assertThat(overTheOrg.decision().level()).isEqualTo(ORG);
    assertThat(overTheOrg.decision().levelsUp()).isEqualTo(2);
    assertThat(overTheOrg.decision().window()).isEqualTo(Window.MINUTE);
    assertThat(guard.usage(ORG, TOKENS).used()).isEqualTo(600);
  }

  @Test
  void aBypassOfTheMemberDoesNotLiftItsWorkspace() {
    admin.bypass(MEMBER, clock.instant().plus(Duration.ofHours(1)), OPS, "incident");

    ConsumeResult result = consume(600, "k1");

    assertThat(result.outcome()).isEqualTo(Outcome.DENIED);
    assertThat(result.decision().level()).isEqualTo(WORKSPACE);
    assertThat(guard.canProceed(MEMBER)).isTrue();
  }

  @Test
  void aBypassOfTheRootLiftsTheWholePathAndWritesUnconditionally() {
    admin.bypass(ORG, clock.instant().plus(Duration.ofHours(1)), OPS, "incident");

    ConsumeResult result = consume(200_000, "k1");

    assertThat(result.outcome()).isEqualTo(Outcome.CONSUMED);
    assertThat(result.decision().reason()).isEqualTo(Reason.BYPASSED);
    assertThat(result.decision().level()).isEqualTo(ORG);
    assertThat(result.decision().levelsUp()).isEqualTo(2);
    assertThat(guard.usage(MEMBER, TOKENS).used()).isEqualTo(200_000);
    assertThat(guard.canProceed(MEMBER)).isTrue();
  }

  @Test
  void shadowModeWritesOnThePathAndSaysWhereEnforcementWouldHaveDenied() {
    QuotaGuard shadow = quota(EnforcementMode.SHADOW).guard();
    givenUsed(WORKSPACE, 9_990);

    ConsumeResult result = shadow.tryConsume(MEMBER, TOKENS, 20, UsageKey.of("k1"));

    assertThat(result.outcome()).isEqualTo(Outcome.CONSUMED);
    assertThat(result.decision().shadowed()).isTrue();
    assertThat(result.decision().level()).isEqualTo(WORKSPACE);
    assertThat(result.decision().window()).isEqualTo(Window.PERIOD);
    assertThat(guard.usage(ORG, TOKENS).used()).isEqualTo(20);
    assertThat(guard.usage(WORKSPACE, TOKENS).used()).isEqualTo(10_010);
    assertThat(observer.denials).containsExactly("TRY_CONSUME INSUFFICIENT_BALANCE 1 PERIOD");
    assertThat(shadow.canProceed(MEMBER)).isTrue();
  }

  // --- reservations and records ----------------------------------------------------------------------

  @Test
  void aReservationHoldsAtEveryLevelAndItsCommitRecordsThere() {
    ReserveResult held = guard.reserve(MEMBER, TOKENS, 400, Duration.ofMinutes(5));
    assertThat(held.granted()).isTrue();
    assertThat(guard.usage(ORG, TOKENS).reserved()).isEqualTo(400);
    assertThat(guard.usagePath(MEMBER, TOKENS)).allSatisfy(l -> assertThat(l.report().reserved()).isEqualTo(400));

    ReserveResult more = guard.reserve(MEMBER, TOKENS, 200, Duration.ofMinutes(5));
    assertThat(more.granted()).isFalse();
    assertThat(more.decision().window()).isEqualTo(Window.MINUTE);
    assertThat(more.decision().level()).isEqualTo(WORKSPACE);

    RecordResult committed = held.reservation().commit(300, UsageKey.of("k1"));
    assertThat(committed.usedInPeriod()).isEqualTo(300);
    assertThat(guard.usagePath(MEMBER, TOKENS)).allSatisfy(l -> {
      assertThat(l.report().used()).isEqualTo(300);
      assertThat(l.report().reserved()).isZero();
    });
    assertThat(store.ledger(MEMBER)).hasSize(1);
  }

  @Test
  void aReleaseEndsTheHoldAtEveryLevel() {
    Reservation reservation = guard.reserve(MEMBER, TOKENS, 400, Duration.ofMinutes(5)).reservation();

    assertThat(reservation.release()).isTrue();

    assertThat(guard.usagePath(MEMBER, TOKENS)).allSatisfy(l -> assertThat(l.report().reserved()).isZero());
    assertThat(guard.reserve(MEMBER, TOKENS, 500, Duration.ofMinutes(5)).granted()).isTrue();
  }

  @Test
  void recordsAreWrittenOnThePathWhateverTheBalance() {
    RecordResult recorded = guard.record(UsageEvent.of(MEMBER, TOKENS, 2_500, UsageKey.of("k1")));
    List<RecordResult> batch = guard.recordAll(List.of(UsageEvent.of(MEMBER, TOKENS, 10, UsageKey.of("k2")),
        UsageEvent.of(MEMBER, TOKENS, 20, UsageKey.of("k3")), UsageEvent.of(MEMBER, TOKENS, 10, UsageKey.of("k2"))));

    assertThat(recorded.duplicate()).isFalse();
    assertThat(batch).extracting(RecordResult::duplicate).containsExactly(false, false, true);
    assertThat(guard.usage(WORKSPACE, TOKENS).used()).isEqualTo(2_530);
    assertThat(guard.usage(ORG, TOKENS).used()).isEqualTo(2_530);
    Decision check = guard.check(MEMBER, TOKENS, 1);
    assertThat(check.allowed()).isFalse();
    assertThat(check.level()).isEqualTo(WORKSPACE);
    assertThat(check.window()).as("over the workspace's 2,000 an hour").isEqualTo(Window.HOUR);
    assertThat(guard.canProceed(MEMBER)).isFalse();
    assertThat(observer.denials).containsExactly("CHECK INSUFFICIENT_BALANCE 1 HOUR",
        "CAN_PROCEED INSUFFICIENT_BALANCE 1 HOUR");
  }

  @Test
  void aStoreFailureOnAPathIsDecidedByTheFailurePolicy() {
    store.failing(true);

    ConsumeResult result = consume(10, "k1");

    assertThat(result.decision().reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
    assertThat(guard.canProceed(MEMBER)).isEqualTo(result.decision().allowed());
    store.failing(false);
    assertThat(store.ledger(MEMBER)).isEmpty();
  }

  @Test
  void aPathWriteRefusedAsStaleIsRetriedUntilTheGuardGivesUp() {
    store.staleWrites(true);

    assertThatThrownBy(() -> consume(10, "k1")).isInstanceOf(QuotaContentionException.class);
    assertThatThrownBy(() -> guard.record(UsageEvent.of(MEMBER, TOKENS, 10, UsageKey.of("k2"))))
        .isInstanceOf(QuotaContentionException.class);
    store.staleWrites(false);
    assertThat(consume(10, "k1").outcome()).isEqualTo(Outcome.CONSUMED);
  }

  // --- canProceed agrees with check -------------------------------------------------------------------

  @Test
  void canProceedAgreesWithCheckOnRandomPaths() {
    Random random = new Random(20270115L);
    List<Tier> tiers = List.of(Tier.FREE, Tier.PRO, Tier.ENTERPRISE);
    int compared = 0;
    int allowed = 0;
    for (int i = 0; i < 300; i++) {
      SimpleStore paths = new SimpleStore();
      RecordingObserver seen = new RecordingObserver();
      Quota random3 = Quota.builder().store(paths).catalogue(CATALOGUE).clock(clock).observer(seen).build();
      List<TenantId> levels = List.of(MEMBER, WORKSPACE, ORG);
      for (int level = 0; level < 3; level++) {
        if (random.nextInt(5) > 0) {
          paths.givenPlan(levels.get(level), Plan.of(tiers.get(random.nextInt(3))));
        }
      }
      paths.givenParent(MEMBER, WORKSPACE).givenParent(WORKSPACE, ORG);
      if (random.nextInt(6) == 0) {
        random3.admin().acceptingNewTenants().bypass(levels.get(random.nextInt(3)),
            clock.instant().plus(Duration.ofHours(1)), OPS, "incident");
      }
      for (int event = 0; event < 3; event++) {
        long amount = 1 + random.nextInt(random.nextBoolean() ? 120 : 3_000);
        random3.guard().record(UsageEvent.of(levels.get(random.nextInt(3)), TOKENS, amount,
            UsageKey.of("e" + event)));
      }
      boolean fast = random3.guard().canProceed(MEMBER);
      Reason fastReason = seen.lastReason;
      Decision full = random3.guard().check(MEMBER, TOKENS, 1);
      assertThat(fast).as("allowed, path %s", random3.guard().usagePath(MEMBER, TOKENS)).isEqualTo(full.allowed());
      if (fast) {
        assertThat(fastReason).as("reason").isEqualTo(full.reason());
        allowed++;
      }
      compared++;
    }
    assertThat(compared).isEqualTo(300);
    assertThat(allowed).as("both answers are covered").isBetween(30, 270);
  }

  // --- the tree --------------------------------------------------------------------------------------

  @Test
  void setParentIsAuditedWithTheOldAndTheNewParent() {
    TenantId other = TenantId.of("other-org");
    AuditEntry moved = admin.setParent(WORKSPACE, other, OPS, "moved to another org");

    assertThat(moved.operation()).isEqualTo(AdminOperation.SET_PARENT);
    assertThat(moved.details()).containsExactly(Map.entry("previousParent", "org"), Map.entry("parent", "other-org"));
    assertThat(admin.parentOf(WORKSPACE)).contains(other);
    assertThat(admin.children(other, new PageRequest(0, 10)).items()).containsExactly(WORKSPACE);
    assertThat(admin.children(ORG, new PageRequest(0, 10)).items()).isEmpty();

    AuditEntry cleared = admin.clearParent(WORKSPACE, OPS, "stand-alone");
    assertThat(cleared.details()).containsExactly(Map.entry("previousParent", "other-org"));
    assertThat(admin.parentOf(WORKSPACE)).isEmpty();
    assertThat(admin.parentOf(MEMBER)).contains(WORKSPACE);
  }

  @Test
  void usageRecordedBeforeAMoveStaysWhereItWasCounted() {
    consume(50, "k1");
    TenantId other = TenantId.of("other-org");
    admin.setParent(WORKSPACE, other, OPS, "moved");

    consume(30, "k2");

    assertThat(guard.usage(ORG, TOKENS).used()).isEqualTo(50);
    assertThat(guard.usage(other, TOKENS).used()).isEqualTo(30);
    assertThat(guard.usage(WORKSPACE, TOKENS).used()).isEqualTo(80);
  }

  @Test
  void aTenantCannotBeItsOwnParent() {
    int audited = store.auditLog().size();

    assertThatThrownBy(() -> admin.setParent(ORG, ORG, OPS, "loop"))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("parent"));
    assertThat(store.auditLog()).hasSize(audited);
  }

  @Test
  void aParentThatWouldCloseACycleIsRefused() {
    int audited = store.auditLog().size();

    assertThatThrownBy(() -> admin.setParent(ORG, MEMBER, OPS, "loop"))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("parent");
          assertThat(e.getMessage()).contains("would close a cycle: 'org' is an ancestor of 'org-ws-member'");
        });
    assertThat(admin.parentOf(ORG)).isEmpty();
    assertThat(store.auditLog()).hasSize(audited);
  }

  @Test
  void aParentThatWouldMakeAPathTooDeepIsRefused() {
    TenantId key = TenantId.of("org-ws-member-key");
    TenantId team = TenantId.of("org-ws-member-key-team");
    admin.setParent(key, MEMBER, OPS, "api key");
    admin.setParent(team, key, OPS, "fifth level");
    TenantId sixth = TenantId.of("sixth");

    assertThatThrownBy(() -> admin.setParent(sixth, team, OPS, "sixth level"))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("parent");
          assertThat(e.getMessage()).contains("MAX_TREE_DEPTH (5 levels)");
        });
    TenantId newRoot = TenantId.of("new-root");
    assertThatThrownBy(() -> admin.setParent(ORG, newRoot, OPS, "a root above a full tree"))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("parent"));
    assertThat(admin.parentOf(sixth)).isEmpty();
    assertThat(admin.parentOf(ORG)).isEmpty();
  }

  @Test
  void setParentValidatesLikeOtherChanges() {
    assertThatThrownBy(() -> admin.setParent(MEMBER, ORG, OPS, " "))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("reason"));
    assertThatThrownBy(() -> admin.setParent(MEMBER, null, OPS, "r"))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("parent"));
    assertThat(admin.parentOf(MEMBER)).contains(WORKSPACE);
  }

  /** Records decisions and denials as the observer sees them: never a tenant id. */
  static final class RecordingObserver implements QuotaObserver {
    final List<String> denials = new ArrayList<>();
    Reason lastReason;

    @Override
    public void onDecision(Operation operation, Meter meter, boolean allowed, Reason reason, boolean shadowed) {
      lastReason = reason;
    }

    @Override
    public void onDenied(Operation operation, Meter meter, Reason reason, int levelsUp, Window window) {
      denials.add(operation + " " + reason + " " + levelsUp + " " + window);
    }
  }
}

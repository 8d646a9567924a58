package dev.quota.examples;

import static dev.quota.examples.PlannerScenario.ACME;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Decision;
import dev.quota.Tier;
import dev.quota.UsageReport;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Grant;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.TierOverride;
import dev.quota.alert.ThresholdAlert;
import dev.quota.spi.LedgerEntry;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The demo's story, checked on the state it leaves behind and on what it prints. */
class PlannerDemoTest {
  private static final long PRO_LIMIT = 1_000_000;

  /** One sink for the class, on a free port: the printed text names its address, the same for every run. */
  private static LocalMailSink mailSink;

  private InMemoryQuotaStore store;
  private PlannerScenario.Outcome outcome;
  private String printed;

  @BeforeAll
  static void startMailSink() {
    mailSink = LocalMailSink.start(0);
  }

  @AfterAll
  static void stopMailSink() {
    mailSink.close();
  }

  @BeforeEach
  void tellTheStory() {
    store = new InMemoryQuotaStore();
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    mailSink.clear();
    outcome = new PlannerScenario(store, "in-memory store", TestClock.at(PlannerScenario.START),
        new PrintStream(buffer, true, UTF_8), mailSink).run();
    printed = buffer.toString(UTF_8);
  }

  @Test
  void everyAlertArrivesAsAnEmailAtTheLocalSinkAndTheDemoSaysWhereToLook() {
    assertThat(outcome.emails()).containsExactly(
        "billing@acme.example: acme has used 80% of its ai-tokens quota",
        "billing@acme.example: acme has used 90% of its ai-tokens quota",
        "billing@acme.example: acme has used 100% of its ai-tokens quota",
        "billing@acme.example: acme has reached its ai-tokens quota",
        "billing@acme.example: acme can use ai-tokens again",
        "billing@acme.example: acme has used 100% of its ai-tokens quota");
    assertThat(printed).contains("6 alert e-mails delivered to the local SMTP sink at smtp://127.0.0.1:"
        + mailSink.port());
    assertThat(printed).contains("billing@acme.example: acme has used 80% of its ai-tokens quota");
  }

  @Test
  void alertsFireOnceEachAt80And90And100PercentAndAt100AgainWhenTheTopUpIsSpent() {
    assertThat(outcome.alerts()).extracting(ThresholdAlert::thresholdPercent).containsExactly(80, 90, 100, 100);
    assertThat(outcome.alerts()).extracting(ThresholdAlert::ceiling)
        .containsExactly(PRO_LIMIT, PRO_LIMIT, PRO_LIMIT, PRO_LIMIT + PlannerScenario.TOP_UP_PACK);
    assertThat(outcome.alerts()).allSatisfy(alert -> {
      assertThat(alert.tenant()).isEqualTo(ACME);
      assertThat(alert.used() * 100).isGreaterThanOrEqualTo(alert.thresholdPercent() * alert.ceiling());
    });
    assertThat(printed.lines().filter(line -> line.strip().startsWith("ALERT"))).hasSize(4);
  }

  @Test
  void plannerStopsWhenUsageReachesExactlyTheLimit() {
    UsageReport atLimit = outcome.atLimit();
    assertThat(atLimit.effectiveTier()).contains(Tier.PRO);
    assertThat(atLimit.used()).isEqualTo(PRO_LIMIT);
    assertThat(atLimit.remaining()).isZero();
    assertThat(atLimit.blocked()).isTrue();
    assertThat(outcome.canProceedWhenBlocked()).isFalse();
  }

  @Test
  void reservationAtTheLimitIsDeniedWithNothingRemaining() {
    Decision denial = outcome.denial();
    assertThat(denial.allowed()).isFalse();
    assertThat(denial.reason()).isEqualTo(Decision.Reason.INSUFFICIENT_BALANCE);
    assertThat(denial.requested()).isEqualTo(PlannerScenario.CALL_BUDGET);
    assertThat(denial.remaining()).isZero();
    assertThat(outcome.deniedCallReserved()).isFalse();
    assertThat(printed).contains("DENIED, reason INSUFFICIENT_BALANCE");
  }

  @Test
  void tokensSpentByACallThatFailedHalfWayAreCommitted() {
    var commit = outcome.halfFailedCommit();
    assertThat(commit.duplicate()).isFalse();
    assertThat(commit.amount()).isPositive().isLessThan(PlannerScenario.CALL_BUDGET);
    assertThat(store.ledger(ACME))
        .anySatisfy(entry -> {
          assertThat(entry.key()).isEqualTo(commit.key());
          assertThat(entry.amount()).isEqualTo(commit.amount());
        });
    assertThat(printed).contains("The model fails: upstream model timed out mid-answer");
  }

  @Test
  void everyPlannerCallIsRecordedOnceUnderItsOwnSessionId() {
    List<LedgerEntry> ledger = store.ledger(ACME);
    assertThat(ledger).hasSize(outcome.plannerCalls());
    assertThat(ledger).extracting(LedgerEntry::key).doesNotHaveDuplicates();
    assertThat(ledger.stream().mapToLong(LedgerEntry::amount).sum()).isEqualTo(outcome.blockedAgain().used());
  }

  @Test
  void blockedThePlannerBuysATopUpPackAndGoesOnUntilItIsSpent() {
    OneTimeCredit pack = outcome.topUp();
    assertThat(pack.tenant()).isEqualTo(ACME);
    assertThat(pack.amount()).isEqualTo(PlannerScenario.TOP_UP_PACK);
    assertThat(pack.createdBy().id()).isEqualTo("billing-service");
    assertThat(pack.reason()).contains("top-up pack");
    assertThat(pack.validFrom()).isEqualTo(outcome.atLimit().asOf());
    assertThat(pack.validUntil()).isEqualTo(pack.validFrom().plus(PlannerScenario.TOP_UP_VALIDITY));
    assertThat(outcome.canProceedAfterTopUp()).isTrue();

    UsageReport again = outcome.blockedAgain();
    assertThat(again.used()).as("the pack's tokens spent too").isEqualTo(PRO_LIMIT + PlannerScenario.TOP_UP_PACK);
    assertThat(again.ceiling()).isEqualTo(PRO_LIMIT + PlannerScenario.TOP_UP_PACK);
    assertThat(again.blocked()).isTrue();
    assertThat(outcome.audit()).filteredOn(e -> e.operation() == AdminOperation.GRANT_ONE_TIME_CREDIT)
        .singleElement().satisfies(e -> {
          assertThat(e.actor().id()).isEqualTo("billing-service");
          assertThat(e.reason()).isEqualTo(pack.reason());
        });
    assertThat(printed).contains("admin.grantOneTimeCredit(acme, 50,000", "guard.canProceed(acme) = true; the planner"
        + " goes on");
  }

  @Test
  void resetUnblocksWhileTheReportKeepsTheRealUsage() {
    UsageReport afterReset = outcome.afterReset();
    assertThat(outcome.canProceedAfterReset()).isTrue();
    assertThat(afterReset.used()).isEqualTo(outcome.blockedAgain().used());
    // the reset grants back what the pack did not cover: the usage beyond the credit drawn
    assertThat(afterReset.granted()).isEqualTo(outcome.blockedAgain().used() - outcome.blockedAgain().creditDrawn());
    assertThat(afterReset.blocked()).isFalse();
    assertThat(outcome.reset().grants()).singleElement().satisfies(grant -> {
      assertThat(grant.kind()).isEqualTo(Grant.Kind.RESET);
      assertThat(grant.validUntil()).isEqualTo(afterReset.period().end());
    });
  }

  @Test
  void enterpriseOverrideAppliesWhileActiveAndRevertsByItself() {
    UsageReport during = outcome.duringOverride();
    assertThat(during.effectiveTier()).contains(Tier.ENTERPRISE);
    assertThat(during.tierSource()).isEqualTo(UsageReport.TierSource.OVERRIDE);
    assertThat(during.limit()).isEqualTo(10_000_000L);

    Instant overrideEnd = during.activeEntitlements().stream()
        .filter(TierOverride.class::isInstance).map(e -> e.validUntil()).findFirst().orElseThrow();
    UsageReport after = outcome.afterOverride();
    assertThat(after.asOf()).isAfter(overrideEnd);
    assertThat(after.effectiveTier()).contains(Tier.PRO);
    assertThat(after.tierSource()).isEqualTo(UsageReport.TierSource.PLAN);
    assertThat(after.limit()).isEqualTo(PRO_LIMIT);
    assertThat(after.activeEntitlements()).noneMatch(TierOverride.class::isInstance);
  }

  @Test
  void auditLogHoldsEveryAdminChangeNewestFirst() {
    assertThat(outcome.audit()).extracting(AuditEntry::operation)
        .containsExactly(AdminOperation.OVERRIDE_TIER, AdminOperation.RESET_USAGE,
            AdminOperation.GRANT_ONE_TIME_CREDIT, AdminOperation.SET_PLAN);
    assertThat(outcome.audit()).allSatisfy(entry -> assertThat(entry.reason()).isNotBlank());
  }

  @Test
  void ledgerAndCountersAgreeAtTheEnd() {
    assertThat(outcome.verification().checks()).isNotEmpty();
    assertThat(outcome.verification().consistent()).isTrue();
    assertThat(printed).contains("Ledger and counters agree");
  }

  @Test
  void printsEverySectionInOrderInSimulatedTime() {
    assertThat(printed).containsSubsequence(
        "== 1. Set-up", "simulated time",
        "== 2. Tenant acme subscribes to pro",
        "== 3. The AI planner at work",
        "== 4. A call that fails half-way",
        "== 5. The planner runs into the limit", "guard.canProceed(acme) = false",
        "== 6. Blocked, the planner buys a top-up pack", "guard.canProceed(acme) = true",
        "== 7. Operator runbook", "Step 4, verify: guard.canProceed(acme) = true",
        "== 8. A temporary enterprise override",
        "== 9. Audit log and ledger check",
        "== 10. The alert e-mails");
  }

  @Test
  void printsTheSameTextOnEveryRun() {
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    mailSink.clear();
    new PlannerScenario(new InMemoryQuotaStore(), "in-memory store", TestClock.at(PlannerScenario.START),
        new PrintStream(again, true, UTF_8), mailSink).run();

    assertThat(again.toString(UTF_8)).isEqualTo(printed);
  }

  @Test
  void unknownCommandLineArgumentIsRejected() {
    assertThatThrownBy(() -> PlannerDemo.chooseStore(List.of("--verbose")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--verbose")
        .hasMessageContaining("usage: PlannerDemo [--jdbc-url URL]");
  }

  @Test
  void jdbcUrlWithoutAValueIsRejected() {
    assertThatThrownBy(() -> PlannerDemo.chooseStore(List.of("--jdbc-url")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("usage: PlannerDemo [--jdbc-url URL]");
  }
}

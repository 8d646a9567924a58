package dev.quota.testkit;

import static dev.quota.testkit.QuotaAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.Decision.Reason;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageReport;
import dev.quota.UsageReport.TierSource;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The assertions pass on matching values and fail with messages that show the whole standing. */
class QuotaAssertionsTest {
  private static final TenantId ACME = TenantId.of("acme");
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final Period NOVEMBER =
      new Period(Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-12-01T00:00:00Z"));

  private static UsageReport report(long limit, long granted, long used, long reserved) {
    return new UsageReport(ACME, Meter.AI_TOKENS, Optional.of(Tier.FREE), Optional.of(Tier.FREE), TierSource.PLAN,
        limit, granted, used, reserved, NOVEMBER, Optional.empty(), List.of(), NOW);
  }

  private static Decision denial() {
    return Decision.deny(Reason.INSUFFICIENT_BALANCE, report(100_000, 0, 99_800, 0), 500);
  }

  @Test
  void matchingReportPasses() {
    assertThat(report(100_000, 5_000, 60_000, 10_000)).hasLimit(100_000).hasGranted(5_000).hasUsed(60_000)
        .hasReserved(10_000).hasRemaining(35_000).hasEffectiveTier(Tier.FREE).hasPlannedTier(Tier.FREE)
        .hasTierSource(TierSource.PLAN).hasPeriod(NOVEMBER).resetsAt(NOVEMBER.end()).isNotBlocked().isNotBypassed();
  }

  @Test
  void reportMismatchNamesTheFieldAndShowsTheBalance() {
    assertThatThrownBy(() -> assertThat(report(100_000, 0, 60_000, 0)).hasUsed(70_000))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("report's used to be 70000, but was 60000")
        .hasMessageContaining("used 60000, reserved 0, limit 100000, granted 0, remaining 40000");
  }

  @Test
  void blockedMismatchSaysWhy() {
    assertThatThrownBy(() -> assertThat(report(100_000, 0, 100_000, 0)).isNotBlocked())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Expected the tenant not to be blocked, but it was")
        .hasMessageContaining("remaining 0");
  }

  @Test
  void matchingDecisionPasses() {
    assertThat(denial()).isDenied().hasReason(Reason.INSUFFICIENT_BALANCE).hasRequested(500).hasRemaining(200)
        .isNotShadowed().report().hasUsed(99_800);
  }

  @Test
  void decisionMismatchShowsTheDecision() {
    assertThatThrownBy(() -> assertThat(denial()).isAllowed())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Expected the decision to allow, but it denied")
        .hasMessageContaining("INSUFFICIENT_BALANCE for tenant 'acme' on ai-tokens (requested 500, remaining 200)");
  }

  @Test
  void decisionWithoutAReportSaysSo() {
    Decision unreported = Decision.deniedByFailurePolicy(ACME, Meter.AI_TOKENS, 1);

    assertThatThrownBy(() -> assertThat(unreported).report())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("carry a usage report, but it had none")
        .hasMessageContaining("remaining unknown");
  }

  @Test
  void consumeOutcomeMismatchShowsOutcomeAndDecision() {
    ConsumeResult denied = new ConsumeResult(ConsumeResult.Outcome.DENIED, denial());

    assertThat(denied).isDenied().decision().isDenied();
    assertThatThrownBy(() -> assertThat(denied).isConsumed())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Expected the consume to be CONSUMED, but it was DENIED")
        .hasMessageContaining("requested 500");
  }
}

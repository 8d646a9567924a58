package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Decision.Reason;
import dev.quota.UsageReport.TierSource;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DecisionTest {
  private static final TenantId TENANT = TenantId.of("acme");
  private static final Instant NOW = Instant.parse("2027-01-15T12:00:00Z");
  private static final UsageReport REPORT = new UsageReport(TENANT, Meter.AI_TOKENS, Optional.of(Tier.FREE),
      Optional.of(Tier.FREE), TierSource.PLAN, 100_000, 0, 99_000, 0,
      new Period(Instant.parse("2027-01-01T00:00:00Z"), Instant.parse("2027-02-01T00:00:00Z")), Optional.empty(),
      List.of(), NOW);

  private static Decision denied() {
    return new Decision(TENANT, Meter.AI_TOKENS, false, Reason.INSUFFICIENT_BALANCE, 5_000, false, Optional.of(REPORT));
  }

  @Test
  void allowedDecisionPassesOrThrow() {
    Decision allowed = new Decision(TENANT, Meter.AI_TOKENS, true, Reason.WITHIN_BALANCE, 10, false, Optional.of(REPORT));

    assertThat(allowed.orThrow()).isSameAs(allowed);
  }

  @Test
  void deniedDecisionThrowsQuotaExceededCarryingTheDecision() {
    Decision denied = denied();

    assertThatThrownBy(denied::orThrow)
        .isInstanceOfSatisfying(QuotaExceededException.class, e -> assertThat(e.decision()).isSameAs(denied));
  }

  @Test
  void quotaExceededMessageNamesTenantMeterReasonAndAmounts() {
    assertThatThrownBy(() -> denied().orThrow())
        .hasMessage("quota exceeded for tenant 'acme' on meter 'ai-tokens': INSUFFICIENT_BALANCE, requested 5000, "
            + "remaining 1000");
  }

  @Test
  void quotaExceededIsCheapBecauseItHasNoStackTrace() {
    assertThatThrownBy(() -> denied().orThrow())
        .satisfies(e -> assertThat(e.getStackTrace()).isEmpty());
  }

  @Test
  void quotaExceededIsAQuotaException() {
    assertThatThrownBy(() -> denied().orThrow()).isInstanceOf(QuotaException.class);
  }

  @Test
  void remainingComesFromTheReport() {
    assertThat(denied().remaining()).isEqualTo(1_000);
  }

  @Test
  void remainingIsZeroWithoutAReport() {
    Decision fromFailurePolicy = new Decision(TENANT, Meter.AI_TOKENS, true, Reason.STORE_UNAVAILABLE, 1, false,
        Optional.empty());

    assertThat(fromFailurePolicy.remaining()).isZero();
  }

  @Test
  void snapshotWithoutAReportSaysWhy() {
    Decision fromFailurePolicy = new Decision(TENANT, Meter.AI_TOKENS, false, Reason.STORE_UNAVAILABLE, 1, false,
        Optional.empty());

    assertThatThrownBy(fromFailurePolicy::snapshot).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("failure policy");
  }

  @Test
  void missingReasonIsRejected() {
    assertThatThrownBy(() -> new Decision(TENANT, Meter.AI_TOKENS, true, null, 1, false, Optional.empty()))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("reason");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }
}

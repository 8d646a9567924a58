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
    return Decision.deny(Reason.INSUFFICIENT_BALANCE, REPORT, 5_000);
  }

  @Test
  void allowedDecisionPassesOrThrow() {
    Decision allowed = Decision.allow(REPORT, 10);

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
    Decision fromFailurePolicy = Decision.allowedByFailurePolicy(TENANT, Meter.AI_TOKENS, 1);

    assertThat(fromFailurePolicy.remaining()).isZero();
  }

  @Test
  void snapshotWithoutAReportSaysWhy() {
    Decision fromFailurePolicy = Decision.deniedByFailurePolicy(TENANT, Meter.AI_TOKENS, 1);

    assertThatThrownBy(fromFailurePolicy::snapshot).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("failure policy");
  }

  @Test
  void missingReasonIsRejected() {
    assertThatThrownBy(() -> Decision.deny(null, REPORT, 1))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("reason");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void anAllowedDecisionTakesItsTenantMeterAndReasonFromItsReport() {
    Decision allowed = Decision.allow(REPORT, 10);

    assertThat(allowed.allowed()).isTrue();
    assertThat(allowed.reason()).isEqualTo(Reason.WITHIN_BALANCE);
    assertThat(allowed.tenant()).isEqualTo(TENANT);
    assertThat(allowed.meter()).isEqualTo(Meter.AI_TOKENS);
    assertThat(allowed.requested()).isEqualTo(10);
    assertThat(allowed.shadowed()).isFalse();
    assertThat(allowed.report()).contains(REPORT);
  }

  @Test
  void aDenialCannotCarryTheReasonOfAnAllowance() {
    for (Reason reason : List.of(Reason.WITHIN_BALANCE, Reason.BYPASSED, Reason.STORE_UNAVAILABLE)) {
      assertThatThrownBy(() -> Decision.deny(reason, REPORT, 1))
          .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("reason"));
    }
  }

  @Test
  void everyDenialReasonMakesADenial() {
    for (Reason reason : List.of(Reason.INSUFFICIENT_BALANCE, Reason.NO_PLAN, Reason.UNKNOWN_TIER)) {
      Decision denial = Decision.deny(reason, REPORT, 1);

      assertThat(denial.allowed()).isFalse();
      assertThat(denial.reason()).isEqualTo(reason);
    }
  }

  @Test
  void aBypassedDecisionNeedsAReportWithAnActiveBypass() {
    assertThatThrownBy(() -> Decision.bypassed(REPORT, 1))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("report"));

    UsageReport bypassedReport = new UsageReport(TENANT, Meter.AI_TOKENS, Optional.of(Tier.FREE),
        Optional.of(Tier.FREE), TierSource.PLAN, 100_000, 0, 100_000, 0, REPORT.period(),
        Optional.of(NOW.plusSeconds(3_600)), List.of(), NOW);
    Decision bypassed = Decision.bypassed(bypassedReport, 1);

    assertThat(bypassed.allowed()).isTrue();
    assertThat(bypassed.reason()).isEqualTo(Reason.BYPASSED);
  }

  @Test
  void aShadowedDecisionIsADenialLetThroughKeepingItsReasonAndReport() {
    Decision shadowed = Decision.shadowAllowed(denied());

    assertThat(shadowed.allowed()).isTrue();
    assertThat(shadowed.shadowed()).isTrue();
    assertThat(shadowed.reason()).isEqualTo(Reason.INSUFFICIENT_BALANCE);
    assertThat(shadowed.report()).contains(REPORT);
    assertThat(shadowed.requested()).isEqualTo(5_000);
  }

  @Test
  void onlyADenialCanBeShadowed() {
    assertThatThrownBy(() -> Decision.shadowAllowed(Decision.allow(REPORT, 1)))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("denial"));
    assertThatThrownBy(() -> Decision.shadowAllowed(Decision.shadowAllowed(denied())))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("denial"));
  }

  @Test
  void failurePolicyDecisionsSayTheStoreWasUnavailableAndCarryNoReport() {
    Decision allowed = Decision.allowedByFailurePolicy(TENANT, Meter.AI_TOKENS, 3);
    Decision denied = Decision.deniedByFailurePolicy(TENANT, Meter.AI_TOKENS, 3);

    assertThat(allowed.allowed()).isTrue();
    assertThat(denied.allowed()).isFalse();
    assertThat(List.of(allowed.reason(), denied.reason())).containsOnly(Reason.STORE_UNAVAILABLE);
    assertThat(allowed.report()).isEmpty();
    assertThat(denied.report()).isEmpty();
  }

  @Test
  void requestedMustBePositive() {
    assertThatThrownBy(() -> Decision.allow(REPORT, 0))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("requested"));
  }

  @Test
  void decisionsWithTheSamePartsAreEqual() {
    assertThat(denied()).isEqualTo(denied()).hasSameHashCodeAs(denied());
    assertThat(Decision.allow(REPORT, 10)).isNotEqualTo(Decision.allow(REPORT, 11));
    assertThat(Decision.shadowAllowed(denied())).isNotEqualTo(denied());
    assertThat(denied().toString()).contains("allowed=false", "reason=INSUFFICIENT_BALANCE", "requested=5000");
  }

  // --- path decisions ---------------------------------------------------------------------------------

  private static final TenantId MEMBER = TenantId.of("acme-member");

  private static UsageReport minuteReport(TenantId level) {
    return new UsageReport(level, Meter.AI_TOKENS, Optional.of(Tier.FREE), Optional.of(Tier.FREE), TierSource.PLAN,
        1_000, 0, 900, 0, Window.MINUTE.at(NOW), Optional.empty(), List.of(), NOW);
  }

  @Test
  void flatDecisionsRestOnTheTenantsOwnPeriod() {
    Decision allowed = Decision.allow(REPORT, 10);

    assertThat(allowed.level()).isEqualTo(TENANT);
    assertThat(allowed.levelsUp()).isZero();
    assertThat(allowed.window()).isEqualTo(Window.PERIOD);
    assertThat(Decision.shadowAllowed(denied()).window()).isEqualTo(Window.PERIOD);
  }

  @Test
  void aPathDecisionKeepsTheAskingTenantAndNamesTheBindingLevelAndWindow() {
    Decision denial = Decision.denyOnPath(Reason.INSUFFICIENT_BALANCE, MEMBER, minuteReport(TENANT), 500, 1,
        Window.MINUTE);

    assertThat(denial.tenant()).isEqualTo(MEMBER);
    assertThat(denial.level()).isEqualTo(TENANT);
    assertThat(denial.levelsUp()).isEqualTo(1);
    assertThat(denial.window()).isEqualTo(Window.MINUTE);
    assertThat(denial.remaining()).isEqualTo(100);
    assertThat(denial.allowed()).isFalse();
    assertThat(denial.toString()).contains("level=acme", "levelsUp=1", "window=MINUTE");

    Decision shadowed = Decision.shadowAllowed(denial);
    assertThat(shadowed.level()).isEqualTo(TENANT);
    assertThat(shadowed.levelsUp()).isEqualTo(1);
    assertThat(shadowed.window()).isEqualTo(Window.MINUTE);
  }

  @Test
  void anAllowedPathDecisionSaysWhatThePathHasLeft() {
    Decision allowed = Decision.allowOnPath(TENANT, minuteReport(TENANT), 50, 0, Window.MINUTE);

    assertThat(allowed.allowed()).isTrue();
    assertThat(allowed.reason()).isEqualTo(Reason.WITHIN_BALANCE);
    assertThat(allowed.remaining()).isEqualTo(100);
    assertThat(allowed).isNotEqualTo(Decision.allowOnPath(TENANT, minuteReport(TENANT), 50, 0, Window.HOUR))
        .isEqualTo(Decision.allowOnPath(TENANT, minuteReport(TENANT), 50, 0, Window.MINUTE))
        .hasSameHashCodeAs(Decision.allowOnPath(TENANT, minuteReport(TENANT), 50, 0, Window.MINUTE));
  }

  @Test
  void aPathDecisionRefusesALevelThatDoesNotMatchItsDistance() {
    assertThatThrownBy(() -> Decision.allowOnPath(MEMBER, minuteReport(TENANT), 1, 0, Window.MINUTE))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("binding"));
    assertThatThrownBy(() -> Decision.allowOnPath(MEMBER, minuteReport(MEMBER), 1, 1, Window.MINUTE))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("binding"));
    assertThatThrownBy(() -> Decision.allowOnPath(MEMBER, minuteReport(TENANT), 1, -1, Window.MINUTE))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("levelsUp"));
    assertThatThrownBy(() -> Decision.denyOnPath(Reason.BYPASSED, MEMBER, minuteReport(TENANT), 1, 1, Window.MINUTE))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("reason"));
    assertThatThrownBy(() -> Decision.bypassedOnPath(MEMBER, REPORT, 1, 1))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("binding"));
  }
}

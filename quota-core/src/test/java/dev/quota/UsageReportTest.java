package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.UsageReport.TierSource;
import dev.quota.admin.Actor;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UsageReportTest {
  private static final Instant NOW = Instant.parse("2027-01-15T12:00:00Z");
  private static final Period JANUARY = new Period(Instant.parse("2027-01-01T00:00:00Z"),
      Instant.parse("2027-02-01T00:00:00Z"));
  private static final long UNLIMITED = TierCatalogue.UNLIMITED;

  private static UsageReport report(long limit, long granted, long used, long reserved) {
    return report(limit, granted, used, reserved, Optional.empty());
  }

  private static UsageReport report(long limit, long granted, long used, long reserved, Optional<Instant> bypass) {
    return new UsageReport(TenantId.of("acme"), Meter.AI_TOKENS, Optional.of(Tier.FREE), Optional.of(Tier.FREE),
        TierSource.PLAN, limit, granted, used, reserved, JANUARY, bypass, List.of(), NOW);
  }

  @Test
  void ceilingIsLimitPlusGranted() {
    assertThat(report(100_000, 5_000, 0, 0).ceiling()).isEqualTo(105_000);
  }

  @Test
  void ceilingOfAnUnlimitedTierWithGrantsStaysUnlimited() {
    assertThat(report(UNLIMITED, 5_000, 0, 0).ceiling()).isEqualTo(UNLIMITED);
  }

  @Test
  void ceilingSaturatesInsteadOfOverflowing() {
    assertThat(report(UNLIMITED - 10, 11, 0, 0).ceiling()).isEqualTo(UNLIMITED);
    assertThat(report(UNLIMITED / 2 + 1, UNLIMITED / 2 + 1, 0, 0).ceiling()).isEqualTo(UNLIMITED);
  }

  @Test
  void remainingIsCeilingMinusUsedMinusReserved() {
    assertThat(report(100_000, 5_000, 60_000, 4_000).remaining()).isEqualTo(41_000);
  }

  @Test
  void remainingIsZeroAtExactlyTheCeiling() {
    assertThat(report(100_000, 0, 99_000, 1_000).remaining()).isZero();
  }

  @Test
  void remainingNeverGoesBelowZeroWhenUsageExceedsTheCeiling() {
    assertThat(report(100_000, 0, 150_000, 0).remaining()).isZero();
  }

  @Test
  void remainingIsZeroWhenUsedPlusReservedOverflows() {
    assertThat(report(100_000, 0, Long.MAX_VALUE, 1).remaining()).isZero();
  }

  @Test
  void remainingOfAnUnlimitedTierIsHuge() {
    assertThat(report(UNLIMITED, 0, 1_000, 0).remaining()).isEqualTo(UNLIMITED - 1_000);
  }

  @Test
  void percentUsedIsUsedOverCeiling() {
    assertThat(report(100_000, 100_000, 50_000, 0).percentUsed()).isEqualTo(25.0);
  }

  @Test
  void percentUsedIgnoresReservations() {
    assertThat(report(100_000, 0, 50_000, 40_000).percentUsed()).isEqualTo(50.0);
  }

  @Test
  void percentUsedCanExceed100() {
    assertThat(report(100_000, 0, 150_000, 0).percentUsed()).isEqualTo(150.0);
  }

  @Test
  void percentUsedOfAZeroCeilingIs100() {
    assertThat(report(0, 0, 0, 0).percentUsed()).isEqualTo(100.0);
  }

  @Test
  void percentUsedOfAnUnlimitedCeilingIs0() {
    assertThat(report(UNLIMITED, 0, 1_000_000_000, 0).percentUsed()).isZero();
  }

  @Test
  void tenantWithNothingRemainingIsBlocked() {
    assertThat(report(100_000, 0, 100_000, 0).blocked()).isTrue();
  }

  @Test
  void tenantWithAUnitRemainingIsNotBlocked() {
    assertThat(report(100_000, 0, 99_999, 0).blocked()).isFalse();
  }

  @Test
  void reservationsCountTowardsBlocking() {
    assertThat(report(100_000, 0, 50_000, 50_000).blocked()).isTrue();
  }

  @Test
  void bypassedTenantIsNeverBlocked() {
    UsageReport report = report(100_000, 0, 250_000, 0, Optional.of(NOW.plusSeconds(3600)));

    assertThat(report.bypassed()).isTrue();
    assertThat(report.blocked()).isFalse();
  }

  @Test
  void usageResetsAtThePeriodEnd() {
    assertThat(report(1, 0, 0, 0).resetsAt()).isEqualTo(JANUARY.end());
  }

  @Test
  void negativeUsedIsRejected() {
    assertThatThrownBy(() -> report(100, 0, -1, 0))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("used");
          assertThat(e.rule()).isEqualTo("must not be negative, was -1");
        });
  }

  @Test
  void negativeLimitIsRejected() {
    assertThatThrownBy(() -> report(-1, 0, 0, 0))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("limit");
          assertThat(e.rule()).isEqualTo("must not be negative, was -1");
        });
  }

  @Test
  void negativeGrantedIsRejected() {
    assertThatThrownBy(() -> report(1, -1, 0, 0))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("granted");
          assertThat(e.rule()).isEqualTo("must not be negative, was -1");
        });
  }

  @Test
  void negativeReservedIsRejected() {
    assertThatThrownBy(() -> report(1, 0, 0, -1))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("reserved");
          assertThat(e.rule()).isEqualTo("must not be negative, was -1");
        });
  }

  @Test
  void activeEntitlementsAreCopied() {
    List<Entitlement> list = new ArrayList<>();
    UsageReport report = new UsageReport(TenantId.of("acme"), Meter.AI_TOKENS, Optional.empty(), Optional.of(Tier.FREE),
        TierSource.DEFAULT_WITHOUT_PLAN, 1, 0, 0, 0, JANUARY, Optional.empty(), list, NOW);

    assertThatThrownBy(() -> report.activeEntitlements().add(null)).isInstanceOf(UnsupportedOperationException.class);
  }

  // --- what a tenant's usage page shows ------------------------------------------------------------------------

  private static Grant grant(Grant.Kind kind, long amount) {
    return grant(kind, Meter.AI_TOKENS, amount);
  }

  private static Grant grant(Grant.Kind kind, Meter meter, long amount) {
    return new Grant(EntitlementId.random(), TenantId.of("acme"), kind, meter, amount, JANUARY.start(), JANUARY.end(),
        Actor.of("ops"), "ticket", Optional.empty());
  }

  private static UsageReport withGrants(long limit, long used, long reserved, Grant... grants) {
    long granted = 0;
    for (Grant g : grants) {
      granted += g.amount();
    }
    return new UsageReport(TenantId.of("acme"), Meter.AI_TOKENS, Optional.of(Tier.FREE), Optional.of(Tier.FREE),
        TierSource.PLAN, limit, granted, used, reserved, JANUARY, Optional.empty(), List.of(grants), NOW);
  }

  @Test
  void rightAfterAResetTheTenantsPageShowsNothingUsedOfItsLimitWhileOperatorsSeeTheRealUsage() {
    UsageReport report = withGrants(100_000, 78_375, 0, grant(Grant.Kind.RESET, 78_375));

    assertThat(report.usedSinceReset()).isZero();
    assertThat(report.allowance()).isEqualTo(100_000);
    assertThat(report.percentOfAllowanceUsed()).isZero();
    assertThat(report.used()).isEqualTo(78_375);
    assertThat(report.percentUsed()).isCloseTo(43.94, org.assertj.core.data.Offset.offset(0.01));
    assertThat(report.remaining()).isEqualTo(100_000);
  }

  @Test
  void usageAfterAResetCountsFromTheReset() {
    UsageReport report = withGrants(100_000, 78_375 + 25_000, 5_000, grant(Grant.Kind.RESET, 78_375));

    assertThat(report.resetGranted()).isEqualTo(78_375);
    assertThat(report.usedSinceReset()).isEqualTo(25_000);
    assertThat(report.percentOfAllowanceUsed()).isEqualTo(25.0);
    assertThat(report.remaining()).isEqualTo(report.allowance() - report.usedSinceReset() - report.reserved());
  }

  @Test
  void creditsRaiseTheAllowanceAndResetsDoNot() {
    UsageReport report = withGrants(100_000, 60_000 + 30_000, 0, grant(Grant.Kind.RESET, 60_000),
        grant(Grant.Kind.CREDIT, 50_000));

    assertThat(report.granted()).isEqualTo(110_000);
    assertThat(report.resetGranted()).isEqualTo(60_000);
    assertThat(report.allowance()).isEqualTo(150_000);
    assertThat(report.usedSinceReset()).isEqualTo(30_000);
    assertThat(report.percentOfAllowanceUsed()).isEqualTo(20.0);
    assertThat(report.remaining()).isEqualTo(120_000);
  }

  @Test
  void twoResetsInOnePeriodBothCountAsCancelledUsage() {
    UsageReport report = withGrants(100_000, 100_000 + 40_000 + 1_000, 0, grant(Grant.Kind.RESET, 100_000),
        grant(Grant.Kind.RESET, 40_000));

    assertThat(report.usedSinceReset()).isEqualTo(1_000);
    assertThat(report.allowance()).isEqualTo(100_000);
  }

  @Test
  void withoutAResetTheTenantsNumbersAreTheOperatorsNumbers() {
    UsageReport report = withGrants(100_000, 50_000, 0, grant(Grant.Kind.CREDIT, 100_000));

    assertThat(report.resetGranted()).isZero();
    assertThat(report.usedSinceReset()).isEqualTo(report.used());
    assertThat(report.allowance()).isEqualTo(report.ceiling());
    assertThat(report.percentOfAllowanceUsed()).isEqualTo(report.percentUsed());
  }

  @Test
  void usageBelowTheResetGrantsAfterAPurgeShowsAsNothingUsed() {
    UsageReport report = withGrants(100_000, 10_000, 0, grant(Grant.Kind.RESET, 60_000));

    assertThat(report.usedSinceReset()).isZero();
    assertThat(report.percentOfAllowanceUsed()).isZero();
  }

  @Test
  void theAllowanceOfAnUnlimitedTierIsUnlimitedAndItsShareIs0() {
    UsageReport report = withGrants(UNLIMITED, 5_000, 0, grant(Grant.Kind.RESET, 1_000));

    assertThat(report.allowance()).isEqualTo(UNLIMITED);
    assertThat(report.percentOfAllowanceUsed()).isZero();
  }

  @Test
  void aZeroAllowanceIsFullyUsed() {
    UsageReport report = withGrants(0, 500, 0, grant(Grant.Kind.RESET, 500));

    assertThat(report.allowance()).isZero();
    assertThat(report.percentOfAllowanceUsed()).isEqualTo(100.0);
  }

  @Test
  void theGuardsReportAfterAnOperatorsResetShowsTheTenantNothingUsed() {
    Quota quota = Quota.builder().store(new dev.quota.support.SimpleStore())
        .clock(java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC)).build();
    TenantId acme = TenantId.of("acme");
    quota.guard().record(UsageEvent.of(acme, Meter.AI_TOKENS, 78_375, UsageKey.of("s-1")));

    quota.admin().resetUsage(acme, Actor.of("ops"), "JIRA-123");
    UsageReport report = quota.guard().usage(acme);

    assertThat(report.used()).isEqualTo(78_375);
    assertThat(report.resetGranted()).isEqualTo(78_375);
    assertThat(report.usedSinceReset()).isZero();
    assertThat(report.allowance()).isEqualTo(100_000);
    assertThat(report.percentOfAllowanceUsed()).isZero();
  }
}

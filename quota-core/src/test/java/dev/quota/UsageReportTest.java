package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.UsageReport.TierSource;
import dev.quota.admin.Entitlement;
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
}

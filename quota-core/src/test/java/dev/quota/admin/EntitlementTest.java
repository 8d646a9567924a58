package dev.quota.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.Tier;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EntitlementTest {
  private static final TenantId TENANT = TenantId.of("acme");
  private static final Actor OPERATOR = Actor.of("ops@example.com");
  private static final Instant FROM = Instant.parse("2027-01-10T00:00:00Z");
  private static final Instant UNTIL = Instant.parse("2027-01-20T00:00:00Z");
  private static final Instant REVOKED_AT = Instant.parse("2027-01-15T00:00:00Z");

  private static Grant grant(long amount) {
    return new Grant(EntitlementId.random(), TENANT, Grant.Kind.CREDIT, Meter.AI_TOKENS, amount, FROM, UNTIL, OPERATOR,
        "JIRA-123: demo", Optional.empty());
  }

  private static TierOverride override() {
    return new TierOverride(EntitlementId.random(), TENANT, Tier.ENTERPRISE, FROM, UNTIL, OPERATOR, "trial",
        Optional.empty());
  }

  private static Bypass bypass() {
    return new Bypass(EntitlementId.random(), TENANT, FROM, UNTIL, OPERATOR, "incident 7", Optional.empty());
  }

  private static Revocation revocationAt(Instant at) {
    return new Revocation(at, Actor.of("lead@example.com"), "no longer needed");
  }

  @Test
  void entitlementIsActiveFromValidFromInclusive() {
    assertThat(grant(1).isActiveAt(FROM)).isTrue();
  }

  @Test
  void entitlementIsNotActiveBeforeValidFrom() {
    assertThat(override().isActiveAt(FROM.minusNanos(1))).isFalse();
  }

  @Test
  void entitlementIsActiveUpToTheLastInstantBeforeValidUntil() {
    assertThat(bypass().isActiveAt(UNTIL.minusNanos(1))).isTrue();
  }

  @Test
  void entitlementIsNotActiveAtValidUntil() {
    assertThat(bypass().isActiveAt(UNTIL)).isFalse();
  }

  @Test
  void revokedEntitlementIsActiveBeforeTheRevocation() {
    assertThat(grant(1).revoked(revocationAt(REVOKED_AT)).isActiveAt(REVOKED_AT.minusNanos(1))).isTrue();
  }

  @Test
  void revokedEntitlementIsNotActiveFromTheRevocationOn() {
    Entitlement revoked = override().revoked(revocationAt(REVOKED_AT));

    assertThat(revoked.isActiveAt(REVOKED_AT)).isFalse();
    assertThat(revoked.isActiveAt(UNTIL.minusNanos(1))).isFalse();
  }

  @Test
  void effectiveEndOfAnUnrevokedEntitlementIsValidUntil() {
    assertThat(bypass().effectiveEnd()).isEqualTo(UNTIL);
  }

  @Test
  void effectiveEndOfARevokedEntitlementIsTheRevocationTime() {
    assertThat(bypass().revoked(revocationAt(REVOKED_AT)).effectiveEnd()).isEqualTo(REVOKED_AT);
  }

  @Test
  void revocationAfterValidUntilDoesNotExtendTheEntitlement() {
    Entitlement revokedLate = grant(1).revoked(revocationAt(UNTIL.plusSeconds(60)));

    assertThat(revokedLate.effectiveEnd()).isEqualTo(UNTIL);
    assertThat(revokedLate.isActiveAt(UNTIL)).isFalse();
  }

  @Test
  void revokingReturnsACopyAndKeepsTheOriginal() {
    Grant original = grant(500);
    Grant revoked = original.revoked(revocationAt(REVOKED_AT));

    assertThat(original.revocation()).isEmpty();
    assertThat(revoked.revocation()).contains(revocationAt(REVOKED_AT));
    assertThat(revoked).usingRecursiveComparison().ignoringFields("revocation").isEqualTo(original);
  }

  @Test
  void revokedOverrideKeepsItsTier() {
    assertThat(override().revoked(revocationAt(REVOKED_AT)).tier()).isEqualTo(Tier.ENTERPRISE);
  }

  @Test
  void validUntilEqualToValidFromIsRejected() {
    assertThatThrownBy(() -> new Bypass(EntitlementId.random(), TENANT, FROM, FROM, OPERATOR, "r", Optional.empty()))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("valid until");
          assertThat(e.rule()).startsWith("must be after valid from");
        });
  }

  @Test
  void grantAmountMustBePositive() {
    assertThatThrownBy(() -> grant(0))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("amount");
          assertThat(e.rule()).isEqualTo("must be positive, was 0");
        });
  }

  @Test
  void grantNeedsAMeter() {
    assertThatThrownBy(() -> new Grant(EntitlementId.random(), TENANT, Grant.Kind.CREDIT, null, 1, FROM, UNTIL, OPERATOR,
        "r", Optional.empty()))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("meter");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void overrideNeedsATier() {
    assertThatThrownBy(() -> new TierOverride(EntitlementId.random(), TENANT, null, FROM, UNTIL, OPERATOR, "r",
        Optional.empty()))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("tier");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void blankReasonIsRejected() {
    assertThatThrownBy(() -> new Bypass(EntitlementId.random(), TENANT, FROM, UNTIL, OPERATOR, "  ", Optional.empty()))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("reason");
          assertThat(e.rule()).isEqualTo("must not be blank");
        });
  }

  @Test
  void reasonOf1000CharactersIsAccepted() {
    String reason = "r".repeat(1000);

    assertThat(new Bypass(EntitlementId.random(), TENANT, FROM, UNTIL, OPERATOR, reason, Optional.empty()).reason())
        .isEqualTo(reason);
  }

  @Test
  void reasonOf1001CharactersIsRejected() {
    assertThatThrownBy(() -> new Bypass(EntitlementId.random(), TENANT, FROM, UNTIL, OPERATOR, "r".repeat(1001),
        Optional.empty()))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("reason");
          assertThat(e.rule()).isEqualTo("must be at most 1000 characters, was 1001");
        });
  }

  @Test
  void reasonMayBeMultiLineAndLookLikeSql() {
    String reason = "JIRA-123\n\t'; UPDATE tenants SET tier='enterprise'; --";

    assertThat(new Bypass(EntitlementId.random(), TENANT, FROM, UNTIL, OPERATOR, reason, Optional.empty()).reason())
        .isEqualTo(reason);
  }

  @Test
  void missingRevocationOptionalIsRejected() {
    assertThatThrownBy(() -> new Bypass(EntitlementId.random(), TENANT, FROM, UNTIL, OPERATOR, "r", null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("revocation");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void revocationNeedsAReason() {
    assertThatThrownBy(() -> new Revocation(REVOKED_AT, OPERATOR, ""))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("reason");
          assertThat(e.rule()).isEqualTo("must not be blank");
        });
  }

  @Test
  void revocationNeedsAnActor() {
    assertThatThrownBy(() -> new Revocation(REVOKED_AT, null, "r"))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("by");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }
}

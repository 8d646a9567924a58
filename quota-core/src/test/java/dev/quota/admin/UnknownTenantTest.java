package dev.quota.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageKey;
import dev.quota.spi.LedgerEntry;
import dev.quota.support.MutableClock;
import dev.quota.support.SimpleStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A change to a tenant the store does not know is refused as bad input with a "did you mean", and nothing is
 * written, unless made through {@link QuotaAdmin#acceptingNewTenants()}; a plan creates tenants.
 */
class UnknownTenantTest {
  private static final TenantId ACME = TenantId.of("acme");
  private static final TenantId TYPO = TenantId.of("acmee");
  private static final Actor OPERATOR = Actor.of("ops@example.com");

  private final SimpleStore store = new SimpleStore();
  private final MutableClock clock = MutableClock.at("2027-01-15T12:00:00Z");
  private final Quota quota = Quota.builder().store(store).clock(clock).build();

  private void acmeHasUsage() {
    Instant now = clock.instant();
    store.givenUsage(new LedgerEntry(ACME, Meter.AI_TOKENS, 5_000, UsageKey.of("k1"), now.minusSeconds(60),
        quota.catalogue().periodPolicy(Meter.AI_TOKENS).periodAt(now), Map.of()));
  }

  static Stream<Arguments> changes() {
    Instant later = Instant.parse("2027-01-20T00:00:00Z");
    return Stream.of(
        change("resetUsage", admin -> admin.resetUsage(TYPO, OPERATOR, "unblock")),
        change("resetUsage(meter)", admin -> admin.resetUsage(TYPO, Meter.AI_TOKENS, OPERATOR, "unblock")),
        change("grantCredit", admin -> admin.grantCredit(TYPO, Meter.AI_TOKENS, 50_000, later, OPERATOR, "typo")),
        change("overrideTier", admin -> admin.overrideTier(TYPO, Tier.PRO, later, OPERATOR, "trial")),
        change("bypass", admin -> admin.bypass(TYPO, later, OPERATOR, "incident")),
        change("purgeUsage", admin -> admin.purgeUsage(TYPO, Instant.parse("2027-01-01T00:00:00Z"),
            new PurgeConfirmation("acmee"), OPERATOR, "erasure")));
  }

  private static Arguments change(String name, Function<QuotaAdmin, Object> call) {
    return Arguments.of(name, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changes")
  void aChangeToAnUnknownTenantIsRefusedWithTheSimilarKnownTenantAndWritesNothing(String name,
      Function<QuotaAdmin, Object> call) {
    acmeHasUsage();
    int writesBefore = store.writes();

    assertThatThrownBy(() -> call.apply(quota.admin()))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("tenant");
          assertThat(e.getMessage()).isEqualTo("tenant 'acmee' is unknown: it has no plan, usage, entitlements or "
              + "audit history; did you mean 'acme'? Nothing was changed (to act on a new tenant, make the change "
              + "through QuotaAdmin.acceptingNewTenants())");
        });
    assertThat(store.writes()).isEqualTo(writesBefore);
    assertThat(store.auditLog()).isEmpty();
    assertThat(quota.admin().lookUp(TYPO).known()).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changes")
  void theSameChangeThroughAnAdminAcceptingNewTenantsIsMadeAndAudited(String name,
      Function<QuotaAdmin, Object> call) {
    call.apply(quota.admin().acceptingNewTenants());

    assertThat(store.auditLog()).singleElement().satisfies(entry -> assertThat(entry.tenant()).isEqualTo(TYPO));
    assertThat(quota.admin().lookUp(TYPO).known()).isTrue();
  }

  @Test
  void aRefusalWithoutSimilarTenantsSaysOnlyThatTheTenantIsUnknown() {
    assertThatThrownBy(() -> quota.admin().bypass(TYPO, clock.instant().plusSeconds(60), OPERATOR, "incident"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageStartingWith("tenant 'acmee' is unknown: it has no plan, usage, entitlements or audit history. "
            + "Nothing was changed");
  }

  @Test
  void aPlanCreatesTheTenantWithoutOptingIn() {
    AuditEntry entry = quota.admin().setPlan(TYPO, Plan.of(Tier.PRO), OPERATOR, "subscribed");

    assertThat(entry.tenant()).isEqualTo(TYPO);
    assertThat(quota.admin().lookUp(TYPO).known()).isTrue();
    assertThat(quota.admin().grantCredit(TYPO, Meter.AI_TOKENS, 10, clock.instant().plusSeconds(60), OPERATOR,
        "welcome credit").amount()).isEqualTo(10);
  }

  @Test
  void aTenantWithUsageIsKnownAndChangedWithoutOptingIn() {
    acmeHasUsage();

    ResetResult reset = quota.admin().resetUsage(ACME, OPERATOR, "unblock");

    assertThat(reset.grants()).singleElement().satisfies(g -> assertThat(g.amount()).isEqualTo(5_000));
    assertThat(quota.admin().lookUp(ACME)).isEqualTo(new TenantLookup(ACME, true, List.of()));
  }

  @Test
  void aTenantKnownOnlyByItsAuditHistoryStaysKnown() {
    acmeHasUsage();
    quota.admin().purgeUsage(ACME, Instant.parse("2027-01-01T00:00:00Z"), new PurgeConfirmation("acme"), OPERATOR,
        "erasure");

    assertThat(store.ledger(ACME)).isEmpty();
    assertThat(quota.admin().lookUp(ACME).known()).isTrue();
  }

  @Test
  void aLookUpOfAnUnknownTenantSuggestsAtMostThreeKnownIdsClosestFirst() {
    for (String id : List.of("acme", "acne", "acme-eu", "acm", "globex")) {
      quota.admin().setPlan(TenantId.of(id), Plan.of(Tier.FREE), OPERATOR, "subscribed");
    }

    TenantLookup lookup = quota.admin().lookUp(TYPO);

    assertThat(lookup.known()).isFalse();
    assertThat(lookup.similar()).containsExactly(ACME, TenantId.of("acm"), TenantId.of("acme-eu"));
    assertThat(lookup.didYouMean()).contains("did you mean 'acme', 'acm' or 'acme-eu'?");
  }

  @Test
  void acceptingNewTenantsIsOneSharedInstanceAndStaysSo() {
    QuotaAdmin accepting = quota.admin().acceptingNewTenants();

    assertThat(quota.admin().acceptingNewTenants()).isSameAs(accepting);
    assertThat(accepting.acceptingNewTenants()).isSameAs(accepting);
  }

  @Test
  void anActorTheAuthorizerRefusesIsToldThatBeforeTheTenantIsLookedUp() {
    Quota guarded = Quota.builder().store(store).clock(clock).authorizer((actor, operation, tenant) -> false).build();
    int callsBefore = store.calls();

    assertThatThrownBy(() -> guarded.admin().bypass(TYPO, clock.instant().plusSeconds(60), OPERATOR, "incident"))
        .isInstanceOf(AccessDeniedException.class);
    assertThat(store.calls()).isEqualTo(callsBefore);
  }

  @Test
  void aLookUpNeedsATenant() {
    assertThatThrownBy(() -> quota.admin().lookUp(null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("tenant"));
  }

  @Test
  void theLookUpDescribesItself() {
    assertThat(new TenantLookup(ACME, true, List.of()).describe()).isEqualTo("'acme' is known");
    assertThat(new TenantLookup(TYPO, false, List.of(ACME, TenantId.of("acne"))).describe())
        .isEqualTo("'acmee' is unknown: it has no plan, usage, entitlements or audit history; "
            + "did you mean 'acme' or 'acne'?");
    assertThatThrownBy(() -> new TenantLookup(ACME, true, List.of(TYPO)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

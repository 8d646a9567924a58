package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.Tier.PRO;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.Reservation;
import dev.quota.TenantId;
import dev.quota.TierCatalogue;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.Grant;
import dev.quota.admin.QuotaAdmin;
import dev.quota.period.PeriodPolicy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input: refused with the field and the rule named, and nothing written.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.BadInput}.
 */
public abstract class BadInputContract extends ContractFixture {
  private Quota quota;
  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected BadInputContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    quota = quota();
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("bad-input");
    use(guard, tenant, 1_000);
  }

  private void assertNothingWritten() {
    assertThat(guard.usage(tenant)).hasUsed(1_000).hasReserved(0).hasGranted(0);
    assertThat(auditOf(admin, tenant)).isEmpty();
    assertThat(admin.entitlements(tenant)).isEmpty();
  }

  // A bad tenant id cannot even be built, so no call carrying one reaches a store.
  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @MethodSource("dev.quota.testkit.contract.BadInputContract#invalidTenantIds")
  void invalidTenantIdIsRejected(String value) {
    assertRejected("tenant id", () -> TenantId.of(value));
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, Long.MIN_VALUE})
  void nonPositiveConsumeIsRejectedAndWritesNothing(long amount) {
    assertRejected("amount", () -> guard.tryConsume(tenant, AI_TOKENS, amount, UsageKey.of("bad")));

    assertNothingWritten();
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1})
  void nonPositiveCheckIsRejected(long amount) {
    assertRejected("amount", () -> guard.check(tenant, AI_TOKENS, amount));
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1})
  void nonPositiveRecordIsRejected(long amount) {
    assertRejected("amount", () -> guard.record(UsageEvent.of(tenant, AI_TOKENS, amount, UsageKey.of("bad"))));

    assertNothingWritten();
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1})
  void nonPositiveReservationIsRejectedAndHoldsNothing(long estimate) {
    assertRejected("estimate", () -> guard.reserve(tenant, AI_TOKENS, estimate, Duration.ofMinutes(1)));

    assertNothingWritten();
  }

  @Test
  void nonPositiveCommitIsRejectedAndKeepsTheHold() {
    Reservation reservation = guard.reserve(tenant, AI_TOKENS, 5_000, Duration.ofMinutes(5)).reservation();

    assertRejected("amount", () -> reservation.commit(0, UsageKey.of("bad")));

    assertThat(guard.usage(tenant)).hasUsed(1_000).hasReserved(5_000);
  }

  @Test
  void unknownMeterIsRejectedAndWritesNothing() {
    Meter unknown = Meter.of("gpu-seconds");

    assertRejected("meter", () -> guard.tryConsume(tenant, unknown, 10, UsageKey.of("bad")));
    assertRejected("meter", () -> guard.record(UsageEvent.of(tenant, unknown, 10, UsageKey.of("bad"))));
    assertRejected("meter", () -> guard.reserve(tenant, unknown, 10, Duration.ofMinutes(1)));
    assertRejected("meter", () -> admin.grantCredit(tenant, unknown, 10, DECEMBER_START, OPERATOR, REASON));

    assertNothingWritten();
  }

  @Test
  @SuppressWarnings("NullAway") // passes null on purpose: the check behind the non-null signature is under test
  void missingUsageKeyIsRejectedAndWritesNothing() {
    assertRejected("key", () -> guard.tryConsume(tenant, AI_TOKENS, 10, null));
    assertRejected("usage key", () -> UsageKey.of(" "));

    assertNothingWritten();
  }

  @Test
  void tooManyAttributesAreRejectedAndWriteNothing() {
    Map<String, String> attributes = new LinkedHashMap<>();
    for (int i = 0; i <= UsageEvent.MAX_ATTRIBUTES; i++) {
      attributes.put("a" + i, "v");
    }

    assertRejected("attributes", () -> guard.record(
        UsageEvent.of(tenant, AI_TOKENS, 10, UsageKey.of("bad")).withAttributes(attributes)));

    assertNothingWritten();
  }

  @Test
  @SuppressWarnings("NullAway") // passes null on purpose: the check behind the non-null signature is under test
  void missingTenantIsRejected() {
    assertRejected("tenant", () -> guard.check(null, AI_TOKENS, 1));
    assertRejected("tenant", () -> guard.tryConsume(null, AI_TOKENS, 1, UsageKey.of("k")));
    assertRejected("tenant", () -> admin.resetUsage(null, OPERATOR, REASON));
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @MethodSource("dev.quota.testkit.contract.BadInputContract#invalidReasons")
  void invalidReasonIsRejectedAndWritesNothing(String reason) {
    assertRejected("reason", () -> admin.grantCredit(tenant, AI_TOKENS, 10, DECEMBER_START, OPERATOR, reason));
    assertRejected("reason", () -> admin.resetUsage(tenant, OPERATOR, reason));
    assertRejected("reason", () -> admin.setPlan(tenant, Plan.of(PRO), OPERATOR, reason));

    assertNothingWritten();
    assertThat(guard.usage(tenant)).hasNoPlannedTier();
  }

  @Test
  void anEventAboveTheMetersBoundIsRejectedAndWritesNothing() {
    long above = TierCatalogue.DEFAULT_MAX_EVENT_AMOUNT + 1;
    Reservation reservation = guard.reserve(tenant, AI_TOKENS, 5_000, Duration.ofMinutes(5)).reservation();

    assertRejected("amount", () -> guard.record(UsageEvent.of(tenant, AI_TOKENS, Long.MAX_VALUE, UsageKey.of("all"))));
    assertRejected("amount", () -> guard.record(UsageEvent.of(tenant, AI_TOKENS, above, UsageKey.of("above"))));
    assertRejected("amount", () -> guard.tryConsume(tenant, AI_TOKENS, above, UsageKey.of("above")));
    assertRejected("estimate", () -> guard.reserve(tenant, AI_TOKENS, above, Duration.ofMinutes(1)));
    assertRejected("amount", () -> reservation.commit(above, UsageKey.of("above")));
    assertRejected("events[0].amount", () -> guard.recordAll(
        List.of(UsageEvent.of(tenant, AI_TOKENS, above, UsageKey.of("above")))));

    assertThat(guard.usage(tenant)).hasUsed(1_000).hasReserved(5_000);
  }

  @Test
  void laterEventsOfThePeriodWorkAfterAnEventAboveTheBoundWasRejected() {
    QuotaGuard unlimited = quota(singleTier(TierCatalogue.UNLIMITED)).guard();
    TenantId heavy = newTenant("heavy");
    assertRejected("amount", () -> unlimited.record(UsageEvent.of(heavy, AI_TOKENS, Long.MAX_VALUE, UsageKey.of("x"))));
    use(unlimited, heavy, TierCatalogue.DEFAULT_MAX_EVENT_AMOUNT);

    use(unlimited, heavy, TierCatalogue.DEFAULT_MAX_EVENT_AMOUNT);
    assertThat(unlimited.tryConsume(heavy, AI_TOKENS, 1, UsageKey.of("after")).outcome())
        .isEqualTo(ConsumeResult.Outcome.CONSUMED);

    assertThat(unlimited.usage(heavy)).hasUsed(2 * TierCatalogue.DEFAULT_MAX_EVENT_AMOUNT + 1);
    assertThat(admin.verify(heavy).consistent()).isTrue();
  }

  @Test
  void aMetersBoundIsConfigurable() {
    TierCatalogue catalogue = TierCatalogue.builder()
        .meter(AI_TOKENS, PeriodPolicy.calendarMonth())
        .maxEventAmount(AI_TOKENS, 5_000)
        .tier(METERED, Map.of(AI_TOKENS, TierCatalogue.UNLIMITED))
        .defaultTier(METERED)
        .build();
    QuotaGuard bounded = quota(catalogue).guard();

    assertRejected("amount", () -> use(bounded, tenant, 5_001));
    use(bounded, tenant, 5_000);

    assertThat(bounded.usage(tenant)).hasUsed(6_000);
  }

  @Test
  void sqlLookingTenantIdIsStoredVerbatim() {
    TenantId sql = newTenant("'; DROP TABLE x; --");

    use(guard, sql, 1_000);
    assertThat(guard.tryConsume(sql, AI_TOKENS, 500, UsageKey.of("'; DELETE FROM usage; --"))).isConsumed();
    admin.setPlan(sql, Plan.of(PRO), OPERATOR, REASON);

    assertThat(guard.usage(sql)).hasTenant(sql).hasUsed(1_500).hasLimit(1_000_000);
    assertThat(guard.usage(sql).tenant().value()).startsWith("'; DROP TABLE x; --");
    assertThat(auditOf(admin, sql)).singleElement().satisfies(e -> assertThat(e.tenant()).isEqualTo(sql));
    assertThat(guard.usage(tenant)).as("other tenants untouched").hasUsed(1_000);
  }

  @Test
  void sqlLookingReasonIsStoredVerbatim() {
    String reason = "'; DROP TABLE x; --";

    Grant grant = admin.grantCredit(tenant, AI_TOKENS, 10, DECEMBER_START, OPERATOR, reason);

    assertThat(auditOf(admin, tenant)).singleElement().satisfies(e -> assertThat(e.reason()).isEqualTo(reason));
    assertThat(admin.entitlements(tenant)).singleElement().satisfies(e -> assertThat(e.reason()).isEqualTo(reason));
    assertThat(grant.reason()).isEqualTo(reason);
  }

  @Test
  void textBeyondAsciiIsStoredVerbatim() {
    TenantId international = newTenant("Zürich-東京-\uD83D\uDE42");
    String reason = "Kundin bittet um Aufschub — 東京 \uD83D\uDE42\nZweite Zeile\tmit Tab";
    Actor actor = Actor.of("Łukasz Żółć");

    use(guard, international, 1_000);
    admin.grantCredit(international, AI_TOKENS, 10, DECEMBER_START, actor, reason);

    assertThat(guard.usage(international)).hasTenant(international).hasUsed(1_000).hasGranted(10);
    assertThat(auditOf(admin, international)).singleElement().satisfies(e -> {
      assertThat(e.tenant()).isEqualTo(international);
      assertThat(e.reason()).isEqualTo(reason);
      assertThat(e.actor()).isEqualTo(actor);
    });
  }

  @Test
  void longestAcceptedValuesAreStoredVerbatim() {
    String base = newTenant("longest").value();
    TenantId longest = TenantId.of(base + "x".repeat(TenantId.MAX_LENGTH - base.length()));
    UsageKey longKey = UsageKey.of("k".repeat(UsageKey.MAX_LENGTH));
    String longReason = "r".repeat(QuotaAdmin.MAX_REASON_LENGTH);
    Actor longActor = Actor.of("a".repeat(Actor.MAX_LENGTH));
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("n".repeat(64), "v".repeat(1024));
    UsageEvent event = UsageEvent.of(longest, AI_TOKENS, 1_000, longKey).withAttributes(attributes);

    assertThat(guard.record(event).duplicate()).isFalse();
    assertThat(guard.record(event).duplicate()).as("the same long key again").isTrue();
    admin.grantCredit(longest, AI_TOKENS, 10, DECEMBER_START, longActor, longReason);

    assertThat(guard.usage(longest)).hasTenant(longest).hasUsed(1_000);
    assertThat(auditOf(admin, longest)).singleElement().satisfies(e -> {
      assertThat(e.tenant()).isEqualTo(longest);
      assertThat(e.reason()).isEqualTo(longReason);
      assertThat(e.actor()).isEqualTo(longActor);
    });
  }

  static Stream<String> invalidTenantIds() {
    return Stream.of("", " ", "   ", "x".repeat(TenantId.MAX_LENGTH + 1), "nul\0inside", "line\nbreak",
        "tab\tinside", " leading-space", "trailing-space ");
  }

  static Stream<String> invalidReasons() {
    return Stream.of("", " ", "\n\t", "r".repeat(QuotaAdmin.MAX_REASON_LENGTH + 1), "bell\u0007inside",
        "carriage\rreturn");
  }
}

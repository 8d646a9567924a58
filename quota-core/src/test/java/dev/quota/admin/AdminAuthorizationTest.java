package dev.quota.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageKey;
import dev.quota.spi.LedgerEntry;
import dev.quota.support.LogCapture;
import dev.quota.support.MutableClock;
import dev.quota.support.SimpleStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A refused admin call throws, is logged, and writes nothing. */
class AdminAuthorizationTest {
  private static final String ADMIN_LOGGER = "dev.quota.internal.DefaultAdmin";
  private static final TenantId TENANT = TenantId.of("acme");
  private static final Actor INTRUDER = Actor.of("intern@example.com");
  private static final Actor OPERATOR = Actor.of("ops@example.com");

  private final SimpleStore store = new SimpleStore();
  private final MutableClock clock = MutableClock.at("2027-01-15T12:00:00Z");
  private final List<List<Object>> asked = new ArrayList<>();
  private LogCapture logs;

  /** Permits the operator everything and the intruder nothing, and remembers every question. */
  private final AdminAuthorizer authorizer = (actor, operation, tenant) -> {
    asked.add(List.of(actor, operation, tenant));
    return actor.equals(OPERATOR);
  };

  private final Quota quota = Quota.builder().store(store).clock(clock).authorizer(authorizer).build();

  @BeforeEach
  void captureLogs() {
    logs = LogCapture.start();
    Instant now = clock.instant();
    store.givenUsage(new LedgerEntry(TENANT, Meter.AI_TOKENS, 5_000, UsageKey.of("k1"), now.minusSeconds(60),
        quota.catalogue().periodPolicy(Meter.AI_TOKENS).periodAt(now), Map.of()));
  }

  @AfterEach
  void stopCapturing() {
    logs.close();
  }

  static Stream<Arguments> operations() {
    Instant later = Instant.parse("2027-01-20T00:00:00Z");
    return Stream.of(
        call(AdminOperation.RESET_USAGE, (q, a) -> q.admin().resetUsage(TENANT, a, "unblock")),
        call(AdminOperation.RESET_USAGE, (q, a) -> q.admin().resetUsage(TENANT, Meter.AI_TOKENS, a, "unblock")),
        call(AdminOperation.GRANT_CREDIT,
            (q, a) -> q.admin().grantCredit(TENANT, Meter.AI_TOKENS, 1_000, later, a, "credit")),
        call(AdminOperation.OVERRIDE_TIER, (q, a) -> q.admin().overrideTier(TENANT, Tier.PRO, later, a, "trial")),
        call(AdminOperation.BYPASS, (q, a) -> q.admin().bypass(TENANT, later, a, "incident")),
        call(AdminOperation.SET_PLAN, (q, a) -> q.admin().setPlan(TENANT, Plan.of(Tier.PRO), a, "upgrade")),
        call(AdminOperation.SET_PARENT, (q, a) -> q.admin().setParent(TENANT, TenantId.of("acme-org"), a, "org")),
        call(AdminOperation.SET_PARENT, (q, a) -> q.admin().clearParent(TENANT, a, "stand-alone")),
        call(AdminOperation.PURGE_USAGE, (q, a) -> q.admin().purgeUsage(TENANT, Instant.parse("2027-01-01T00:00:00Z"),
            new PurgeConfirmation("acme"), a, "erasure request")));
  }

  private static Arguments call(AdminOperation operation, BiFunction<Quota, Actor, Object> call) {
    return Arguments.of(operation, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("operations")
  void refusedCallThrowsAccessDeniedNamingActorOperationAndTenant(AdminOperation operation,
      BiFunction<Quota, Actor, Object> call) {
    assertThatThrownBy(() -> call.apply(quota, INTRUDER))
        .isInstanceOfSatisfying(AccessDeniedException.class, e -> {
          assertThat(e.actor()).isEqualTo(INTRUDER);
          assertThat(e.operation()).isEqualTo(operation);
          assertThat(e.tenant()).isEqualTo(TENANT);
          assertThat(e.getMessage()).isEqualTo("actor 'intern@example.com' may not " + operation + " for tenant 'acme'");
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("operations")
  void refusedCallWritesNothing(AdminOperation operation, BiFunction<Quota, Actor, Object> call) {
    int writesBefore = store.writes();

    assertThatThrownBy(() -> call.apply(quota, INTRUDER)).isInstanceOf(AccessDeniedException.class);

    assertThat(store.writes()).isEqualTo(writesBefore);
    assertThat(store.auditLog()).isEmpty();
    assertThat(store.ledger(TENANT)).hasSize(1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("operations")
  void refusedCallIsLoggedAsAWarning(AdminOperation operation, BiFunction<Quota, Actor, Object> call) {
    assertThatThrownBy(() -> call.apply(quota, INTRUDER)).isInstanceOf(AccessDeniedException.class);

    assertThat(logs.messages(ADMIN_LOGGER, Level.WARN)).singleElement().asString()
        .contains(operation.name()).contains("acme").contains("intern@example.com").contains("not permitted");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("operations")
  void permittedCallIsAuditedUnderItsOperation(AdminOperation operation,
      BiFunction<Quota, Actor, Object> call) {
    call.apply(quota, OPERATOR);

    assertThat(asked).contains(List.of(OPERATOR, operation, TENANT));
    assertThat(store.auditLog()).singleElement().satisfies(entry -> {
      assertThat(entry.operation()).isEqualTo(operation);
      assertThat(entry.actor()).isEqualTo(OPERATOR);
      assertThat(entry.tenant()).isEqualTo(TENANT);
    });
  }

  @Test
  void setParentAsksTheAuthorizerAboutTheNewParentToo() {
    TenantId org = TenantId.of("acme-org");
    Quota guarded = Quota.builder().store(store).clock(clock)
        .authorizer((actor, operation, tenant) -> !tenant.equals(org)).build();

    assertThatThrownBy(() -> guarded.admin().setParent(TENANT, org, OPERATOR, "org"))
        .isInstanceOfSatisfying(AccessDeniedException.class, e -> assertThat(e.tenant()).isEqualTo(org));
    assertThat(store.auditLog()).isEmpty();
    assertThat(guarded.admin().parentOf(TENANT)).isEmpty();
  }

  @Test
  void refusedRevokeLeavesTheEntitlementInForce() {
    Bypass bypass = quota.admin().bypass(TENANT, clock.instant().plus(Duration.ofDays(1)), OPERATOR, "incident");
    int writesBefore = store.writes();
    clock.advance(Duration.ofMinutes(1));

    assertThatThrownBy(() -> quota.admin().revoke(bypass.id(), INTRUDER, "nope"))
        .isInstanceOfSatisfying(AccessDeniedException.class, e -> {
          assertThat(e.operation()).isEqualTo(AdminOperation.REVOKE);
          assertThat(e.tenant()).isEqualTo(TENANT);
        });

    assertThat(store.writes()).isEqualTo(writesBefore);
    assertThat(quota.guard().usage(TENANT).bypassed()).isTrue();
    assertThat(logs.messages(ADMIN_LOGGER, Level.WARN)).singleElement().asString().contains("REVOKE");
  }

  @Test
  void authorizerIsAskedAboutTheTenantOfTheRevokedEntitlement() {
    TenantId other = TenantId.of("globex");
    Grant grant = quota.admin().acceptingNewTenants().grantCredit(other, Meter.AI_TOKENS, 10,
        clock.instant().plus(Duration.ofDays(1)), OPERATOR, "credit");

    quota.admin().revoke(grant.id(), OPERATOR, "mistake");

    assertThat(asked).last().isEqualTo(List.of(OPERATOR, AdminOperation.REVOKE, other));
  }

  @Test
  void readsNeedNoAuthorization() {
    quota.admin().entitlements(TENANT);
    quota.admin().audit(TENANT, PageRequest.first(10));
    quota.admin().listUsage(PageRequest.first(10));
    quota.admin().verify(TENANT);

    assertThat(asked).isEmpty();
  }

  @Test
  void badInputIsRejectedBeforeTheAuthorizerIsAsked() {
    assertThatThrownBy(() -> quota.admin().grantCredit(TENANT, Meter.AI_TOKENS, 0,
        clock.instant().plus(Duration.ofDays(1)), INTRUDER, "credit"))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("amount");
          assertThat(e.rule()).isEqualTo("must be positive, was 0");
        });

    assertThat(asked).isEmpty();
  }
}

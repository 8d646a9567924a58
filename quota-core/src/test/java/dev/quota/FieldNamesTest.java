package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.Actor;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.HistoryGranularity;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PurgeConfirmation;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.UsageQuery;
import dev.quota.support.MutableClock;
import dev.quota.support.SimpleStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link InvalidRequestException#field()} names the parameter the caller passed the bad value as, in lower-case
 * words: every parameter of every guard and admin method, given null (or, for an amount, zero), and the checks
 * of values that are there but break a rule.
 */
class FieldNamesTest {
  private static final TenantId TENANT = TenantId.of("acme");
  private static final Meter TOKENS = Meter.AI_TOKENS;
  private static final Actor OPERATOR = Actor.of("operator");

  private final SimpleStore store = new SimpleStore();
  private final MutableClock clock = MutableClock.at("2027-01-15T12:00:00Z");
  private final Quota quota = Quota.builder().store(store).clock(clock).build();
  private final QuotaGuard guard = quota.guard();
  private final QuotaAdmin admin = quota.admin();

  /** {@code expiresAt} as the message says it: {@code expires at}. */
  private static String words(String parameterName) {
    return parameterName.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
  }

  static Stream<Arguments> everyParameter() {
    List<Arguments> cases = new ArrayList<>();
    for (Class<?> port : List.of(QuotaGuard.class, QuotaAdmin.class)) {
      Method[] methods = port.getMethods();
      Arrays.sort(methods, Comparator.comparing(Method::toString));
      for (Method method : methods) {
        Parameter[] parameters = method.getParameters();
        for (int i = 0; i < parameters.length; i++) {
          String name = port.getSimpleName() + "." + method.getName() + "(" + parameters[i].getName() + ")";
          cases.add(Arguments.of(name, method, i));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyParameter")
  void aMissingOrNonPositiveArgumentIsNamedByItsParameter(String description, Method method, int index) {
    Parameter parameter = method.getParameters()[index];
    assertThat(parameter.isNamePresent()).as("compiled with -parameters").isTrue();
    Object[] arguments = validArguments(method);
    // A limit may be 0 (a tenant stopped altogether); below that it is bad input.
    boolean limit = parameter.getName().equals("limit");
    arguments[index] = parameter.getType() == long.class ? (limit ? -1L : 0L) : null;
    Object port = method.getDeclaringClass() == QuotaGuard.class ? guard : admin;
    int writesBefore = store.writes();

    assertThatThrownBy(() -> invoke(method, port, arguments))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo(words(parameter.getName()));
          assertThat(e.rule()).isEqualTo(limit ? "must not be negative, was -1"
              : parameter.getType() == long.class ? "must be positive, was 0" : "must not be null");
        });
    assertThat(store.writes()).as("writes").isEqualTo(writesBefore);
  }

  private Object[] validArguments(Method method) {
    Parameter[] parameters = method.getParameters();
    Object[] arguments = new Object[parameters.length];
    for (int i = 0; i < parameters.length; i++) {
      arguments[i] = validArgument(parameters[i]);
    }
    return arguments;
  }

  private Object validArgument(Parameter parameter) {
    Class<?> type = parameter.getType();
    Instant now = clock.instant();
    if (type == TenantId.class) {
      return TENANT;
    } else if (type == Meter.class) {
      return TOKENS;
    } else if (type == long.class) {
      return 10L;
    } else if (type == UsageKey.class) {
      return UsageKey.of("k");
    } else if (type == Duration.class) {
      return Duration.ofMinutes(1);
    } else if (type == ReservationId.class) {
      return ReservationId.random();
    } else if (type == UsageEvent.class) {
      return UsageEvent.of(TENANT, TOKENS, 10, UsageKey.of("k"));
    } else if (type == List.class) {
      return List.of(UsageEvent.of(TENANT, TOKENS, 10, UsageKey.of("k")));
    } else if (type == Instant.class) {
      // "since" and a history's "from" lie in the past; expiries and a history's "to" lie in the future
      return List.of("since", "from").contains(parameter.getName()) ? now.minus(Duration.ofDays(1))
          : now.plus(Duration.ofDays(1));
    } else if (type == Actor.class) {
      return OPERATOR;
    } else if (type == String.class) {
      return "JIRA-1";
    } else if (type == Tier.class) {
      return Tier.PRO;
    } else if (type == EntitlementId.class) {
      return EntitlementId.random();
    } else if (type == Plan.class) {
      return Plan.of(Tier.PRO);
    } else if (type == PageRequest.class) {
      return PageRequest.first(10);
    } else if (type == PurgeConfirmation.class) {
      return new PurgeConfirmation(TENANT.value());
    } else if (type == AuditQuery.class) {
      return AuditQuery.of(TENANT);
    } else if (type == UsageQuery.class) {
      return UsageQuery.all();
    } else if (type == HistoryGranularity.class) {
      return HistoryGranularity.DAY;
    }
    throw new AssertionError("no sample value for a parameter of type " + type.getName() + "; add one");
  }

  private static Object invoke(Method method, Object target, Object[] arguments) throws Throwable {
    try {
      return method.invoke(target, arguments);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static void assertField(ThrowingCallable call, String field) {
    assertThatThrownBy(call).isInstanceOfSatisfying(InvalidRequestException.class,
        e -> assertThat(e.field()).isEqualTo(field));
  }

  // --- values that are there but break a rule ------------------------------------------------------------

  @Test
  void aReservationTtlOutOfRangeIsNamedTtl() {
    assertField(() -> guard.reserve(TENANT, TOKENS, 10, Duration.ZERO), "ttl");
    assertField(() -> guard.reserve(TENANT, TOKENS, 10, Duration.ofHours(2)), "ttl");
  }

  @Test
  void aCommitThroughTheReservationNamesItsOwnParameters() {
    Reservation reservation = guard.reserve(TENANT, TOKENS, 10, Duration.ofMinutes(1)).reservation();

    assertField(() -> reservation.commit(0, UsageKey.of("k")), "amount");
    assertField(() -> reservation.commit(5, null), "key");
  }

  @Test
  void anUndeclaredMeterIsNamedMeterWhereverItIsPassed() {
    Meter undeclared = Meter.of("images");

    assertField(() -> guard.check(TENANT, undeclared, 1), "meter");
    assertField(() -> guard.tryConsume(TENANT, undeclared, 1, UsageKey.of("k")), "meter");
    assertField(() -> guard.record(UsageEvent.of(TENANT, undeclared, 1, UsageKey.of("k"))), "meter");
    assertField(() -> admin.resetUsage(TENANT, undeclared, OPERATOR, "JIRA-1"), "meter");
  }

  @Test
  void aNullEventOfABatchIsNamedByItsIndexInEvents() {
    List<UsageEvent> events = new ArrayList<>();
    events.add(UsageEvent.of(TENANT, TOKENS, 1, UsageKey.of("a")));
    events.add(null);

    assertField(() -> guard.recordAll(events), "events[1]");
    assertThat(store.ledger(TENANT)).isEmpty();
  }

  @Test
  void anUndeclaredTierIsNamedTier() {
    Tier gold = Tier.of("gold");

    assertField(() -> admin.overrideTier(TENANT, gold, clock.instant().plusSeconds(60), OPERATOR, "JIRA-1"), "tier");
    assertField(() -> admin.setPlan(TENANT, Plan.of(gold), OPERATOR, "JIRA-1"), "tier");
  }

  @Test
  void anExpiryInThePastOrTooFarAheadIsNamedByItsParameter() {
    Instant past = clock.instant().minusSeconds(1);
    Instant tooFar = clock.instant().plus(Duration.ofDays(91));

    assertField(() -> admin.grantCredit(TENANT, TOKENS, 10, past, OPERATOR, "JIRA-1"), "expires at");
    assertField(() -> admin.grantCredit(TENANT, TOKENS, 10, tooFar, OPERATOR, "JIRA-1"), "expires at");
    assertField(() -> admin.overrideTier(TENANT, Tier.PRO, past, OPERATOR, "JIRA-1"), "until");
    assertField(() -> admin.bypass(TENANT, tooFar, OPERATOR, "JIRA-1"), "until");
  }

  @Test
  void aBlankReasonIsNamedReason() {
    assertField(() -> admin.resetUsage(TENANT, OPERATOR, " "), "reason");
    assertField(() -> admin.revoke(EntitlementId.random(), OPERATOR, ""), "reason");
  }

  @Test
  void aPurgeSinceTheFutureOrWithAWrongConfirmationNamesThatParameter() {
    Instant future = clock.instant().plusSeconds(60);
    Instant past = clock.instant().minusSeconds(60);

    assertField(() -> admin.purgeUsage(TENANT, future, new PurgeConfirmation("acme"), OPERATOR, "GDPR"), "since");
    assertField(() -> admin.purgeUsage(TENANT, past, new PurgeConfirmation("acne"), OPERATOR, "GDPR"), "confirmation");
    assertThat(store.auditLog()).isEmpty();
  }
}

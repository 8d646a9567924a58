package dev.quota.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.admin.AccessDeniedException;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PurgeConfirmation;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.period.PeriodPolicy;
import dev.quota.testkit.TestClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every bad input the suite tries against the guard and the admin on PostgreSQL, one test each: it must fail with
 * the documented exception naming the offending field, and leave the database exactly as it was (no ledger row, no
 * counter change, no reservation, no entitlement, no audit entry: every table's rows and sums compared). Admin
 * calls by an actor the authorizer refuses are tried the same way. A clock in another zone than UTC is not bad
 * input: it is tried too, and must give the same answers as a UTC clock.
 *
 * <p>The table of inputs and errors is written to {@code target/bad-inputs.md}.
 */
class BadInputTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Instant NOW = Instant.parse("2026-11-30T23:30:00Z");
  private static final Meter TOKENS = Meter.AI_TOKENS;
  private static final TierCatalogue CATALOGUE = TierCatalogue.builder()
      .meter(TOKENS, PeriodPolicy.calendarMonth())
      .tier(Tier.FREE, Map.of(TOKENS, 100_000L))
      .tier(Tier.PRO, Map.of(TOKENS, 1_000_000L))
      .tier(Tier.ENTERPRISE, Map.of(TOKENS, TierCatalogue.UNLIMITED))
      .defaultTier(Tier.FREE)
      .build();
  private static final Actor OPS = Actor.of("ops");
  private static final Actor MALLORY = Actor.of("mallory");
  private static final TenantId ACME = TenantId.of("acme");
  /** A tenant whose usage is already at the most a 64-bit counter holds. */
  private static final TenantId FULL = TenantId.of("full");
  private static final TenantId UNLIMITED = TenantId.of("unlimited");
  private static final List<String> TABLE = new ArrayList<>();
  /** Rows of the inputs that are not bad, listed after the bad ones. */
  private static final List<String> NOT_BAD = new ArrayList<>();

  private static PostgresQuotaStore store;
  private static Quota quota;
  private static Rows rows;
  private static EntitlementId existingGrant;
  private static ReservationId existingHold;

  /** What an input is expected to do: fail naming a field, be refused, or answer as a UTC clock would. */
  private record Expected(Class<? extends RuntimeException> type, String field) {
    static Expected invalid(String field) {
      return new Expected(InvalidRequestException.class, field);
    }

    static Expected refused(AdminOperation operation) {
      return new Expected(AccessDeniedException.class, operation.name());
    }
  }

  private record Case(String input, String call, Function<Quota, Object> action, Expected expected) {}

  @BeforeAll
  static void setUp() {
    TestClock clock = TestClock.at(NOW);
    store = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema()).strict().build();
    quota = quota(store, clock);
    rows = new Rows(DB.dataSource(), DB.schema());
    quota.admin().setPlan(ACME, Plan.of(Tier.PRO), OPS, "signup");
    quota.guard().record(UsageEvent.of(ACME, TOKENS, 500, UsageKey.of("earlier")));
    existingHold = quota.guard().reserve(ACME, TOKENS, 100, Duration.ofMinutes(10)).reservation().id();
    existingGrant = quota.admin().grantCredit(ACME, TOKENS, 10, NOW.plus(Duration.ofDays(1)), OPS, "goodwill").id();
    quota.guard().record(UsageEvent.of(FULL, TOKENS, TierCatalogue.DEFAULT_MAX_EVENT_AMOUNT, UsageKey.of("most")));
    quota.admin().setPlan(UNLIMITED, Plan.of(Tier.ENTERPRISE), OPS, "signup");
    quota.guard().record(UsageEvent.of(UNLIMITED, TOKENS, 5, UsageKey.of("some")));
  }

  private static Quota quota(PostgresQuotaStore store, java.time.Clock clock) {
    return Quota.builder().store(store).catalogue(CATALOGUE).clock(clock)
        .authorizer((actor, operation, tenant) -> !actor.equals(MALLORY)).build();
  }

  @AfterAll
  static void writeTable() throws IOException {
    store.close();
    StringBuilder md = new StringBuilder("| # | input | call | error (type, field) | message |\n|---|---|---|---|---|\n");
    List<String> all = new ArrayList<>(TABLE);
    all.addAll(NOT_BAD);
    for (int i = 0; i < all.size(); i++) {
      md.append("| ").append(i + 1).append(" | ").append(all.get(i)).append('\n');
    }
    Path out = Path.of("target", "bad-inputs.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, md);
    System.out.println("BAD INPUTS " + all.size() + " tried, table in " + out.toAbsolutePath());
  }

  @TestFactory
  Stream<DynamicTest> everyBadInputFailsNamingTheFieldAndWritesNothing() {
    return cases().stream().map(c -> DynamicTest.dynamicTest(c.input() + " to " + c.call(), () -> check(c)));
  }

  private static void check(Case c) {
    Map<String, Object> before = rows.fingerprint();
    RuntimeException thrown = null;
    List<LogCapture.Line> refusals;
    try (LogCapture logs = LogCapture.at(ch.qos.logback.classic.Level.INFO)) {
      try {
        c.action().apply(quota);
      } catch (RuntimeException e) {
        thrown = e;
      }
      refusals = logs.lines(l -> l.logger().equals("dev.quota.internal.DefaultAdmin") && l.message().startsWith("refused"));
    }
    ReliabilityTally.badInput();
    if (c.expected().type() == AccessDeniedException.class) {
      assertThat(refusals).as("the refusal is logged").singleElement()
          .satisfies(l -> assertThat(l.level()).isEqualTo(ch.qos.logback.classic.Level.WARN))
          .satisfies(l -> assertThat(l.message()).contains(c.expected().field()).contains("'mallory'"));
    }
    assertThat(thrown).as("%s to %s", c.input(), c.call()).isInstanceOf(c.expected().type());
    String field = thrown instanceof InvalidRequestException invalid ? invalid.field()
        : ((AccessDeniedException) thrown).operation().name();
    assertThat(field).as("the field named for %s", c.input()).isEqualTo(c.expected().field());
    assertThat(rows.fingerprint()).as("the database after %s to %s", c.input(), c.call()).isEqualTo(before);
    String message = Objects.requireNonNullElse(thrown.getMessage(), "");
    synchronized (TABLE) {
      TABLE.add(cell(c.input()) + " | " + cell(c.call()) + " | " + thrown.getClass().getSimpleName() + ", `" + field
          + "` | " + cell(message) + " |");
    }
  }

  /** A clock in another zone is not bad input: every answer is the one a UTC clock gives. */
  @TestFactory
  Stream<DynamicTest> aClockInAnotherZoneAnswersExactlyAsUtcDoes() {
    return Stream.of("Asia/Tokyo", "America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Pago_Pago")
        .map(zone -> DynamicTest.dynamicTest("clock in " + zone, () -> {
          Quota utc = quota(store, TestClock.at(NOW));
          Quota zoned = quota(store, TestClock.at(NOW).withZone(ZoneId.of(zone)));
          Map<String, Object> before = rows.fingerprint();
          UsageReport expected = utc.guard().usage(ACME);
          UsageReport actual = zoned.guard().usage(ACME);
          ReliabilityTally.badInput();
          assertThat(actual).isEqualTo(expected);
          assertThat(actual.period().start()).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
          assertThat(zoned.guard().check(ACME, TOKENS, 1_000).allowed())
              .isEqualTo(utc.guard().check(ACME, TOKENS, 1_000).allowed());
          assertThat(zoned.guard().canProceed(ACME)).isEqualTo(utc.guard().canProceed(ACME));
          assertThat(rows.fingerprint()).isEqualTo(before);
          synchronized (TABLE) {
            NOT_BAD.add("clock in zone `" + zone + "` at " + NOW + " (" + NOW.atZone(ZoneId.of(zone)).toLocalDateTime()
                + " local) | usage, check, canProceed | none: not bad input, same answers as UTC (period "
                + actual.period() + ") | — |");
          }
        }));
  }

  /** Tenant ids and reasons that look like SQL are not bad input: they are stored verbatim and do nothing else. */
  @TestFactory
  Stream<DynamicTest> sqlLookingTenantIdsAndReasonsAreStoredVerbatimAndDoNothing() {
    return Stream.of("'; DROP TABLE usage_ledger; --", "Robert'); DROP TABLE tenant; --", "1' OR '1'='1",
            "acme%", "$$; TRUNCATE audit_log CASCADE; $$")
        .map(text -> DynamicTest.dynamicTest("tenant id and reason " + text, () -> {
          Map<String, Object> before = rows.fingerprint();
          long acmeUsed = quota.guard().usage(ACME).used();
          TenantId hostile = TenantId.of(text);
          quota.admin().acceptingNewTenants().grantCredit(hostile, TOKENS, 5, NOW.plusSeconds(60), OPS, text);
          quota.guard().record(UsageEvent.of(hostile, TOKENS, 3, UsageKey.of(text)));
          ReliabilityTally.badInput();

          // its tenant row, counter, ledger entry, grant and audit entry, found by exact comparison, and nothing else
          assertThat(rows.rowsOfTenantId(text)).isEqualTo(5);
          Map<String, Object> after = rows.fingerprint();
          for (String table : Rows.TABLES) {
            int added = (int) after.get(table + ".rows") - (int) before.get(table + ".rows");
            assertThat(added).as("rows added to %s", table)
                .isEqualTo(List.of("tenant", "counter", "usage_ledger", "entitlement", "audit_log").contains(table)
                    ? 1 : 0);
          }
          assertThat(quota.admin().audit(hostile, PageRequest.first(5)).items()).singleElement()
              .satisfies(e -> assertThat(e.reason()).isEqualTo(text));
          assertThat(quota.guard().usage(hostile).used()).isEqualTo(3);
          assertThat(quota.guard().usage(ACME).used()).isEqualTo(acmeUsed);
          synchronized (TABLE) {
            NOT_BAD.add("tenant id, usage key and reason `" + cell(text) + "` | admin grantCredit, record | none: not bad"
                + " input, stored verbatim (one row in each of tenant, counter, usage_ledger, entitlement, audit_log),"
                + " nothing else changed | — |");
          }
        }));
  }

  private static String cell(String text) {
    return cell(text, 160);
  }

  /** Escapes control characters and pipes, and cuts long text, saying how long it was. */
  private static String cell(String text, int max) {
    String shown = text.length() > max ? text.substring(0, max) + "... (" + text.length() + " chars)" : text;
    StringBuilder out = new StringBuilder();
    for (char ch : shown.toCharArray()) {
      if (Character.isISOControl(ch)) {
        out.append(String.format("\\u%04X", (int) ch));
      } else if (ch == '|') {
        out.append("\\|");
      } else {
        out.append(ch);
      }
    }
    return out.toString();
  }

  private static String repeat(char c, int times) {
    return String.valueOf(c).repeat(times);
  }

  private static List<Case> cases() {
    List<Case> cases = new ArrayList<>();
    Instant now = NOW;
    // tenant ids
    Map<String, String> tenantIds = new LinkedHashMap<>();
    tenantIds.put("tenant id `\"\"` (empty)", "");
    tenantIds.put("tenant id of three spaces", "   ");
    tenantIds.put("tenant id of a tab", "\t");
    tenantIds.put("tenant id of 256 characters", repeat('a', 256));
    tenantIds.put("tenant id of 100,000 characters", repeat('x', 100_000));
    tenantIds.put("tenant id with NUL", "acme\u0000");
    tenantIds.put("tenant id with a line feed (log forging)", "acme\nINFO admin granted everything");
    tenantIds.put("tenant id with a carriage return", "acme\r");
    tenantIds.put("tenant id with an ANSI escape", "\u001b[31macme");
    tenantIds.put("tenant id with DEL", "acme\u007f");
    tenantIds.put("tenant id with a C1 control (NEL)", "acme\u0085");
    tenantIds.put("tenant id with a leading space", " acme");
    tenantIds.put("tenant id with a trailing space", "acme ");
    tenantIds.forEach((input, value) -> cases.add(new Case(value.isEmpty() ? input : input + " `" + cell(value, 40) + "`",
        "canProceed",
        q -> q.guard().canProceed(TenantId.of(value)), Expected.invalid("tenant id"))));
    cases.add(new Case("tenant id null", "canProceed", q -> q.guard().canProceed(null), Expected.invalid("tenant")));
    cases.add(new Case("tenant id with NUL", "admin setPlan",
        q -> q.admin().setPlan(TenantId.of("evil\u0000"), Plan.of(Tier.PRO), OPS, "x"), Expected.invalid("tenant id")));
    // usage keys
    cases.add(new Case("usage key `\"\"`", "tryConsume", q -> q.guard().tryConsume(ACME, TOKENS, 1, UsageKey.of("")),
        Expected.invalid("usage key")));
    cases.add(new Case("usage key of 256 characters", "tryConsume",
        q -> q.guard().tryConsume(ACME, TOKENS, 1, UsageKey.of(repeat('k', 256))), Expected.invalid("usage key")));
    cases.add(new Case("usage key with NUL", "record",
        q -> q.guard().record(UsageEvent.of(ACME, TOKENS, 1, UsageKey.of("k\u0000"))), Expected.invalid("usage key")));
    cases.add(new Case("usage key null", "tryConsume", q -> q.guard().tryConsume(ACME, TOKENS, 1, null),
        Expected.invalid("key")));
    // amounts
    cases.add(new Case("amount 0", "tryConsume", q -> q.guard().tryConsume(ACME, TOKENS, 0, UsageKey.of("z")),
        Expected.invalid("amount")));
    cases.add(new Case("amount -1", "tryConsume", q -> q.guard().tryConsume(ACME, TOKENS, -1, UsageKey.of("z")),
        Expected.invalid("amount")));
    cases.add(new Case("amount Long.MIN_VALUE", "tryConsume",
        q -> q.guard().tryConsume(ACME, TOKENS, Long.MIN_VALUE, UsageKey.of("z")), Expected.invalid("amount")));
    cases.add(new Case("amount 0", "record", q -> q.guard().record(UsageEvent.of(ACME, TOKENS, 0, UsageKey.of("z"))),
        Expected.invalid("amount")));
    cases.add(new Case("amount -5 in the second event of a batch", "recordAll",
        q -> q.guard().recordAll(List.of(UsageEvent.of(ACME, TOKENS, 5, UsageKey.of("ok")),
            UsageEvent.of(ACME, TOKENS, -5, UsageKey.of("z")))), Expected.invalid("amount")));
    cases.add(new Case("estimate 0", "reserve", q -> q.guard().reserve(ACME, TOKENS, 0, Duration.ofMinutes(1)),
        Expected.invalid("estimate")));
    cases.add(new Case("estimate -100", "reserve", q -> q.guard().reserve(ACME, TOKENS, -100, Duration.ofMinutes(1)),
        Expected.invalid("estimate")));
    cases.add(new Case("actual 0", "commit", q -> q.guard().commit(ACME, existingHold, TOKENS, 0, UsageKey.of("z")),
        Expected.invalid("amount")));
    cases.add(new Case("amount -5", "check", q -> q.guard().check(ACME, TOKENS, -5), Expected.invalid("amount")));
    cases.add(new Case("amount 0", "admin grantCredit",
        q -> q.admin().grantCredit(ACME, TOKENS, 0, now.plusSeconds(60), OPS, "x"), Expected.invalid("amount")));
    cases.add(new Case("amount -1", "admin grantCredit",
        q -> q.admin().grantCredit(ACME, TOKENS, -1, now.plusSeconds(60), OPS, "x"), Expected.invalid("amount")));
    cases.add(new Case("amount Long.MAX_VALUE, above the meter's bound on one event", "record",
        q -> q.guard().record(UsageEvent.of(FULL, TOKENS, Long.MAX_VALUE, UsageKey.of("all"))),
        Expected.invalid("amount")));
    cases.add(new Case("amount one above the meter's bound on one event", "reserve",
        q -> q.guard().reserve(FULL, TOKENS, TierCatalogue.DEFAULT_MAX_EVENT_AMOUNT + 1, Duration.ofMinutes(1)),
        Expected.invalid("estimate")));
    cases.add(new Case("amount Long.MAX_VALUE on an unlimited tier with usage (above the bound)", "tryConsume",
        q -> q.guard().tryConsume(UNLIMITED, TOKENS, Long.MAX_VALUE, UsageKey.of("z")), Expected.invalid("amount")));
    // unknown tiers and meters, malformed names
    cases.add(new Case("unknown meter `gpu-seconds`", "check", q -> q.guard().check(ACME, Meter.of("gpu-seconds"), 1),
        Expected.invalid("meter")));
    cases.add(new Case("unknown meter `gpu-seconds`", "tryConsume",
        q -> q.guard().tryConsume(ACME, Meter.of("gpu-seconds"), 1, UsageKey.of("z")), Expected.invalid("meter")));
    cases.add(new Case("unknown meter `gpu-seconds`", "record",
        q -> q.guard().record(UsageEvent.of(ACME, Meter.of("gpu-seconds"), 1, UsageKey.of("z"))),
        Expected.invalid("meter")));
    cases.add(new Case("unknown meter `gpu-seconds`", "admin resetUsage",
        q -> q.admin().resetUsage(ACME, Meter.of("gpu-seconds"), OPS, "x"), Expected.invalid("meter")));
    cases.add(new Case("meter name with a space `ai tokens`", "Meter.of", q -> Meter.of("ai tokens"),
        Expected.invalid("meter")));
    cases.add(new Case("unknown tier `platinum`", "admin setPlan",
        q -> q.admin().setPlan(ACME, Plan.of(Tier.of("platinum")), OPS, "x"), Expected.invalid("tier")));
    cases.add(new Case("unknown tier `platinum`", "admin overrideTier",
        q -> q.admin().overrideTier(ACME, Tier.of("platinum"), now.plusSeconds(60), OPS, "x"), Expected.invalid("tier")));
    cases.add(new Case("tier name `pro'; DROP TABLE tenant; --`", "Tier.of", q -> Tier.of("pro'; DROP TABLE tenant; --"),
        Expected.invalid("tier")));
    cases.add(new Case("billing day 0", "Plan.of", q -> Plan.of(Tier.PRO, 0), Expected.invalid("billing day")));
    cases.add(new Case("billing day 32", "admin setPlan", q -> q.admin().setPlan(ACME, Plan.of(Tier.PRO, 32), OPS, "x"),
        Expected.invalid("billing day")));
    // expiries and durations
    cases.add(new Case("expiry one second in the past", "admin grantCredit",
        q -> q.admin().grantCredit(ACME, TOKENS, 5, now.minusSeconds(1), OPS, "x"), Expected.invalid("expires at")));
    cases.add(new Case("expiry exactly now", "admin grantCredit",
        q -> q.admin().grantCredit(ACME, TOKENS, 5, now, OPS, "x"), Expected.invalid("expires at")));
    cases.add(new Case("expiry 91 days ahead (beyond the 90-day maximum)", "admin grantCredit",
        q -> q.admin().grantCredit(ACME, TOKENS, 5, now.plus(Duration.ofDays(91)), OPS, "x"),
        Expected.invalid("expires at")));
    cases.add(new Case("until in the past", "admin overrideTier",
        q -> q.admin().overrideTier(ACME, Tier.ENTERPRISE, now.minusSeconds(3600), OPS, "x"), Expected.invalid("until")));
    cases.add(new Case("until in the past", "admin bypass",
        q -> q.admin().bypass(ACME, now.minus(Duration.ofDays(1)), OPS, "x"), Expected.invalid("until")));
    cases.add(new Case("until in the year 9999", "admin bypass",
        q -> q.admin().bypass(ACME, Instant.parse("9999-12-31T23:59:59Z"), OPS, "x"), Expected.invalid("until")));
    cases.add(new Case("ttl 0", "reserve", q -> q.guard().reserve(ACME, TOKENS, 1, Duration.ZERO),
        Expected.invalid("ttl")));
    cases.add(new Case("ttl -1 minute", "reserve", q -> q.guard().reserve(ACME, TOKENS, 1, Duration.ofMinutes(-1)),
        Expected.invalid("ttl")));
    cases.add(new Case("ttl 2 hours (beyond the 1-hour maximum)", "reserve",
        q -> q.guard().reserve(ACME, TOKENS, 1, Duration.ofHours(2)), Expected.invalid("ttl")));
    cases.add(new Case("since one hour in the future", "admin purgeUsage",
        q -> q.admin().purgeUsage(ACME, now.plusSeconds(3600), new PurgeConfirmation("acme"), OPS, "x"),
        Expected.invalid("since")));
    cases.add(new Case("confirmation `ACME` for tenant `acme`", "admin purgeUsage",
        q -> q.admin().purgeUsage(ACME, now.minusSeconds(3600), new PurgeConfirmation("ACME"), OPS, "x"),
        Expected.invalid("confirmation")));
    // reasons and actors
    Map<String, String> reasons = new LinkedHashMap<>();
    reasons.put("reason `\"\"`", "");
    reasons.put("reason of spaces", "    ");
    reasons.put("reason of 1,001 characters", repeat('r', 1_001));
    reasons.put("reason of 1,000,000 characters", repeat('r', 1_000_000));
    reasons.put("reason with NUL", "ticket\u0000");
    reasons.put("reason with an ANSI escape (clear screen)", "ticket \u001b[2J");
    reasons.put("reason with a carriage return (log forging)", "ticket\rERROR forged line");
    reasons.forEach((input, value) -> cases.add(new Case(input, "admin grantCredit",
        q -> q.admin().grantCredit(ACME, TOKENS, 5, now.plusSeconds(60), OPS, value), Expected.invalid("reason"))));
    cases.add(new Case("reason null", "admin resetUsage", q -> q.admin().resetUsage(ACME, OPS, null),
        Expected.invalid("reason")));
    cases.add(new Case("actor `\"\"`", "Actor.of", q -> Actor.of(""), Expected.invalid("actor")));
    cases.add(new Case("actor with a line feed", "admin bypass",
        q -> q.admin().bypass(ACME, now.plusSeconds(60), Actor.of("ops\nroot"), "x"), Expected.invalid("actor")));
    cases.add(new Case("actor null", "admin revoke", q -> q.admin().revoke(existingGrant, null, "x"),
        Expected.invalid("actor")));
    // attributes
    Map<String, String> many = new LinkedHashMap<>();
    IntStream.range(0, 33).forEach(i -> many.put("a" + i, "v"));
    cases.add(new Case("33 attributes (at most 32)", "record",
        q -> q.guard().record(UsageEvent.of(ACME, TOKENS, 1, UsageKey.of("z")).withAttributes(many)),
        Expected.invalid("attributes")));
    cases.add(new Case("attribute value with an ANSI escape", "record",
        q -> q.guard().record(UsageEvent.of(ACME, TOKENS, 1, UsageKey.of("z")).withAttributes(Map.of("model",
            "gpt\u001b[0m"))), Expected.invalid("attribute 'model'")));
    cases.add(new Case("attribute value of 1,025 characters", "record",
        q -> q.guard().record(UsageEvent.of(ACME, TOKENS, 1, UsageKey.of("z")).withAttributes(Map.of("model",
            repeat('m', 1_025)))), Expected.invalid("attribute 'model'")));
    cases.add(new Case("attribute name blank", "record",
        q -> q.guard().record(UsageEvent.of(ACME, TOKENS, 1, UsageKey.of("z")).withAttributes(Map.of(" ", "v"))),
        Expected.invalid("attribute name")));
    // pages and ids
    cases.add(new Case("page offset -1", "admin audit", q -> q.admin().audit(ACME, new PageRequest(-1, 10)),
        Expected.invalid("offset")));
    cases.add(new Case("page size 0", "admin audit", q -> q.admin().audit(ACME, new PageRequest(0, 0)),
        Expected.invalid("size")));
    cases.add(new Case("page size 1,001", "admin listUsage", q -> q.admin().listUsage(new PageRequest(0, 1_001)),
        Expected.invalid("size")));
    cases.add(new Case("entitlement id `1' OR '1'='1`", "EntitlementId.parse", q -> EntitlementId.parse("1' OR '1'='1"),
        Expected.invalid("entitlement id")));
    cases.add(new Case("reservation id `not-a-uuid`", "ReservationId.parse", q -> ReservationId.parse("not-a-uuid"),
        Expected.invalid("reservation id")));
    // admin calls the authorizer refuses
    cases.add(new Case("actor `mallory`, not permitted", "admin resetUsage",
        q -> q.admin().resetUsage(ACME, MALLORY, "unblock me"), Expected.refused(AdminOperation.RESET_USAGE)));
    cases.add(new Case("actor `mallory`, not permitted", "admin grantCredit",
        q -> q.admin().grantCredit(ACME, TOKENS, 1_000_000, now.plusSeconds(60), MALLORY, "free tokens"),
        Expected.refused(AdminOperation.GRANT_CREDIT)));
    cases.add(new Case("actor `mallory`, not permitted", "admin overrideTier",
        q -> q.admin().overrideTier(ACME, Tier.ENTERPRISE, now.plusSeconds(60), MALLORY, "upgrade"),
        Expected.refused(AdminOperation.OVERRIDE_TIER)));
    cases.add(new Case("actor `mallory`, not permitted", "admin bypass",
        q -> q.admin().bypass(ACME, now.plusSeconds(60), MALLORY, "no limits"), Expected.refused(AdminOperation.BYPASS)));
    cases.add(new Case("actor `mallory`, not permitted", "admin revoke",
        q -> q.admin().revoke(existingGrant, MALLORY, "take it back"), Expected.refused(AdminOperation.REVOKE)));
    cases.add(new Case("actor `mallory`, not permitted", "admin setPlan",
        q -> q.admin().setPlan(ACME, Plan.of(Tier.ENTERPRISE), MALLORY, "upgrade"),
        Expected.refused(AdminOperation.SET_PLAN)));
    cases.add(new Case("actor `mallory`, not permitted", "admin purgeUsage",
        q -> q.admin().purgeUsage(ACME, now.minus(Duration.ofDays(30)), new PurgeConfirmation("acme"), MALLORY,
            "erase evidence"), Expected.refused(AdminOperation.PURGE_USAGE)));
    return cases;
  }
}

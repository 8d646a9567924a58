package dev.quota.jooq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.spi.Counter;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.StoredReservation;
import dev.quota.spi.WriteOutcome;
import dev.quota.testkit.InMemoryQuotaStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The rules written once in SQL (migration V3) against their Java side: the ceiling as the reference model (the
 * in-memory store) applies it, the expiry as {@link CounterRules#expired(Instant, Instant)} and the reference model
 * apply it. When the SQL and the Java side disagree, one of these tests fails.
 */
class CounterRulesTest {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  private static final Meter METER = Meter.AI_TOKENS;
  private static final Period MONTH = new Period(Instant.parse("2026-11-01T00:00:00Z"),
      Instant.parse("2026-12-01T00:00:00Z"));
  private static final Instant EXPIRY = Instant.parse("2026-11-25T10:00:00Z");
  private static final Duration MICRO = Duration.ofNanos(1_000);
  private static final long MAX = Long.MAX_VALUE;

  private PostgresQuotaStore postgres;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void store() {
    postgres = PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema()).strict().build();
    closing.add(postgres);
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  // --- the ceiling ------------------------------------------------------------------------------------------

  /** One point of the grid: a counter's used and reserved, a request's amount, and its ceiling. */
  private record Case(long used, long reserved, long amount, long ceiling) {}

  private static List<Case> ceilingCases() {
    List<Case> cases = new ArrayList<>();
    for (long used : new long[] {1, 400, MAX - 100}) {
      for (long reserved : new long[] {0, 50}) {
        for (long amount : new long[] {1, 100}) {
          long sum = used + reserved + amount;
          if (sum < used) {
            continue; // overflows: the cases below
          }
          for (long ceiling : new long[] {sum - 1, sum, sum == MAX ? MAX : sum + 1, MAX}) {
            cases.add(new Case(used, reserved, amount, ceiling));
          }
        }
        // the sum overflows: it saturates, so only an unlimited ceiling admits it (and the counter then overflows)
        cases.add(new Case(used, reserved, MAX, MAX - 1));
        cases.add(new Case(used, reserved, MAX, MAX));
      }
    }
    return cases;
  }

  @Test
  void quotaFitsDecidesAsTheReferenceModelsCeiling() throws SQLException {
    try (Connection c = DB.dataSource().getConnection();
        PreparedStatement fits = c.prepareStatement("SELECT " + function("quota_fits") + "(?, ?, ?, ?)")) {
      for (Case k : ceilingCases()) {
        fits.setLong(1, k.used());
        fits.setLong(2, k.reserved());
        fits.setLong(3, k.amount());
        fits.setLong(4, k.ceiling());
        boolean sql;
        try (ResultSet rs = fits.executeQuery()) {
          rs.next();
          sql = rs.getBoolean(1);
        }
        assertThat(sql).as("quota_fits for %s", k).isEqualTo(admitsConsume(new InMemoryQuotaStore(), k));
      }
    }
  }

  @Test
  void theStoresConsumeAndReserveDecideAsTheReferenceModelAtTheCeiling() {
    for (Case k : ceilingCases()) {
      assertThat(admitsConsume(postgres, k)).as("consume for %s", k)
          .isEqualTo(admitsConsume(new InMemoryQuotaStore(), k));
      if (k.amount() != MAX) { // a hold's units add to reserved, whose overflow is not this test's business
        assertThat(admitsReserve(postgres, k)).as("reserve for %s", k)
            .isEqualTo(admitsReserve(new InMemoryQuotaStore(), k));
      }
    }
  }

  /** Whether a consume is admitted: written, or admitted and then refused as overflowing the counter. */
  private static boolean admitsConsume(QuotaStore store, Case k) {
    TenantId tenant = counterOf(store, k);
    try {
      WriteOutcome outcome = store.consume(entry(tenant, "request", k.amount(), EXPIRY), k.ceiling(), 0);
      assertThat(outcome).isInstanceOfAny(WriteOutcome.Written.class, WriteOutcome.Insufficient.class);
      return outcome instanceof WriteOutcome.Written;
    } catch (InvalidRequestException overflow) {
      return true;
    }
  }

  private static boolean admitsReserve(QuotaStore store, Case k) {
    TenantId tenant = counterOf(store, k);
    WriteOutcome outcome = store.reserve(hold(tenant, k.amount(), EXPIRY, EXPIRY.plusSeconds(60)), k.ceiling(), 0,
        EXPIRY);
    assertThat(outcome).isInstanceOfAny(WriteOutcome.Written.class, WriteOutcome.Insufficient.class);
    return outcome instanceof WriteOutcome.Written;
  }

  /** A fresh tenant whose counter holds the case's used and reserved. */
  private static TenantId counterOf(QuotaStore store, Case k) {
    TenantId tenant = TenantId.of("rules-" + UUID.randomUUID());
    assertThat(store.append(entry(tenant, "used", k.used(), EXPIRY), 0)).isInstanceOf(WriteOutcome.Written.class);
    if (k.reserved() > 0) {
      assertThat(store.reserve(hold(tenant, k.reserved(), EXPIRY, EXPIRY.plusSeconds(60)), MAX, 0, EXPIRY))
          .isInstanceOf(WriteOutcome.Written.class);
    }
    return tenant;
  }

  // --- expiry -----------------------------------------------------------------------------------------------

  @Test
  void quotaExpiredAgreesWithTheJavaSideAroundTheExpiry() throws SQLException {
    try (Connection c = DB.dataSource().getConnection();
        PreparedStatement expired = c.prepareStatement("SELECT " + function("quota_expired") + "(?, ?)")) {
      for (Instant at : new Instant[] {EXPIRY.minus(MICRO), EXPIRY, EXPIRY.plus(MICRO)}) {
        expired.setObject(1, OffsetDateTime.ofInstant(EXPIRY, ZoneOffset.UTC));
        expired.setObject(2, OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
        try (ResultSet rs = expired.executeQuery()) {
          rs.next();
          assertThat(rs.getBoolean(1)).as("expired at %s", at).isEqualTo(CounterRules.expired(EXPIRY, at));
        }
      }
    }
  }

  @Test
  void aHoldStopsCountingAtItsExpiryInEveryPathAsInTheReferenceModel() {
    for (Instant at : new Instant[] {EXPIRY.minus(MICRO), EXPIRY, EXPIRY.plus(MICRO)}) {
      assertThat(afterExpiry(postgres, at)).as("at %s", at).isEqualTo(afterExpiry(new InMemoryQuotaStore(), at));
    }
  }

  /**
   * A counter with usage and a hold expiring at {@link #EXPIRY}, then at an instant around it: a read, an append (its
   * batch subtracts expired holds without sweeping), a consume (its batch has them swept first), a reserve, the hold's
   * release and a last read. Returns what each saw.
   */
  private static List<Object> afterExpiry(QuotaStore store, Instant at) {
    TenantId tenant = TenantId.of("expiry-" + UUID.randomUUID());
    Instant before = EXPIRY.minusSeconds(60);
    store.append(entry(tenant, "used", 10, before), 0);
    StoredReservation expiring = hold(tenant, 30, before, EXPIRY);
    store.reserve(expiring, MAX, 0, before);
    List<Object> seen = new ArrayList<>();
    seen.add(store.read(tenant, METER, at).counters());
    seen.add(counter(store.append(entry(tenant, "append", 1, at), 0)));
    seen.add(counter(store.consume(entry(tenant, "consume", 2, at), MAX, 0)));
    seen.add(counter(store.reserve(hold(tenant, 5, at, at.plusSeconds(60)), MAX, 0, at)));
    seen.add(store.release(tenant, expiring.id(), at));
    seen.add(store.read(tenant, METER, at).counters());
    return seen;
  }

  private static Counter counter(WriteOutcome outcome) {
    assertThat(outcome).isInstanceOf(WriteOutcome.Written.class);
    return ((WriteOutcome.Written) outcome).counter();
  }

  // --- inlining ---------------------------------------------------------------------------------------------

  @Test
  void theSingleExpressionRulesAreInlinedIntoTheStatementsThatCallThem() throws SQLException {
    StringBuilder plan = new StringBuilder();
    try (Connection c = DB.dataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM \"" + DB.schema() + "\".counter c "
            + "WHERE " + function("quota_fits") + "(c.used, c.reserved, 5, 10) AND " + function("quota_expired")
            + "(c.next_hold_expiry, now())")) {
      while (rs.next()) {
        plan.append(rs.getString(1)).append('\n');
      }
    }
    assertThat(plan.toString()).doesNotContain("quota_fits").doesNotContain("quota_expired")
        .contains("LEAST").contains("next_hold_expiry <= now()");
  }

  // --- helpers ----------------------------------------------------------------------------------------------

  private static String function(String name) {
    return "\"" + DB.schema() + "\"." + name;
  }

  private static LedgerEntry entry(TenantId tenant, String key, long amount, Instant at) {
    return new LedgerEntry(tenant, METER, amount, UsageKey.of(key), at, MONTH, Map.of());
  }

  private static StoredReservation hold(TenantId tenant, long amount, Instant createdAt, Instant expiresAt) {
    return new StoredReservation(ReservationId.random(), tenant, METER, amount, MONTH, createdAt, expiresAt);
  }
}

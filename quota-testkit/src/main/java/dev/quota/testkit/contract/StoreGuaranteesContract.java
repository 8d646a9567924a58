package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageKey;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.admin.PageRequest;
import dev.quota.admin.Revocation;
import dev.quota.spi.CommitOutcome;
import dev.quota.spi.Counter;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.RevokeOutcome;
import dev.quota.spi.StoredReservation;
import dev.quota.spi.TenantState;
import dev.quota.spi.WriteOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store's own guarantees, checked one at a time through the SPI and without threads: a write computed from a
 * version that an admin change replaced is refused and writes nothing; a refused or duplicate write writes nothing;
 * every admin change moves the version on; a change and its audit entry are written together or not at all. The
 * concurrency group checks the same guarantees under races; these tests fail deterministically when one is missing.
 */
public abstract class StoreGuaranteesContract extends ContractFixture {
  private QuotaStore store;
  private Instant now;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected StoreGuaranteesContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    store = store();
    now = clock().instant();
    tenant = newTenant("guaranteed");
  }

  private LedgerEntry entry(long amount, String key) {
    return new LedgerEntry(tenant, AI_TOKENS, amount, UsageKey.of(key), now, NOVEMBER, Map.of());
  }

  private StoredReservation hold(long amount) {
    return new StoredReservation(ReservationId.random(), tenant, AI_TOKENS, amount, NOVEMBER, now,
        now.plus(Duration.ofMinutes(10)));
  }

  private TenantState state() {
    return store.readLatest(tenant, AI_TOKENS, now);
  }

  private long version() {
    return state().version();
  }

  private Optional<Counter> counter() {
    return state().counters().stream().filter(c -> c.period().equals(NOVEMBER)).findFirst();
  }

  private long used() {
    return counter().map(Counter::used).orElse(0L);
  }

  private long reserved() {
    return counter().map(Counter::reserved).orElse(0L);
  }

  private AuditEntry audit(String reason) {
    return new AuditEntry(UUID.randomUUID(), now, tenant, QuotaStoreContract.OPERATOR, AdminOperation.GRANT_CREDIT,
        reason, Map.of());
  }

  private Grant grant(long amount) {
    return new Grant(EntitlementId.random(), tenant, Grant.Kind.CREDIT, AI_TOKENS, amount, now,
        now.plus(Duration.ofDays(1)), QuotaStoreContract.OPERATOR, QuotaStoreContract.REASON, Optional.empty());
  }

  /** An admin change that replaces the state a write was computed from. */
  private void changeEntitlements() {
    store.addEntitlements(tenant, List.of(grant(1)), audit("moves the version on"));
  }

  private List<AuditEntry> auditEntries() {
    return store.audit(AuditQuery.of(tenant), PageRequest.first(PageRequest.MAX_SIZE)).items();
  }

  @Test
  void anUnknownTenantReadsAsEmpty() {
    TenantState state = state();

    assertThat(state.plan()).isEmpty();
    assertThat(state.entitlements()).isEmpty();
    assertThat(state.counters()).isEmpty();
  }

  @Test
  void aDeniedFirstConsumeOfAPeriodLeavesNoCounter() {
    assertThat(store.consume(entry(1_001, "too-big"), 1_000, version())).isInstanceOf(WriteOutcome.Insufficient.class);

    assertThat(state().counters()).as("no counter, not even an empty one").isEmpty();
    assertThat(store.verify(tenant)).isEmpty();
    assertThat(store.consume(entry(1_000, "too-big"), 1_000, version()))
        .as("the key was not taken by the denied write").isInstanceOf(WriteOutcome.Written.class);
  }

  @Test
  void aDeniedFirstReserveOfAPeriodLeavesNoCounter() {
    assertThat(store.reserve(hold(1_001), 1_000, version(), now)).isInstanceOf(WriteOutcome.Insufficient.class);

    assertThat(state().counters()).as("no counter, not even an empty one").isEmpty();
    assertThat(store.verify(tenant)).isEmpty();
  }

  @Test
  void aFirstConsumeOfAPeriodWithAKeyOfAnEarlierPeriodIsADuplicateAndLeavesNoCounter() {
    Period october = new Period(NOVEMBER_START.minus(Duration.ofDays(31)), NOVEMBER_START);
    LedgerEntry earlier = new LedgerEntry(tenant, AI_TOKENS, 500, UsageKey.of("reused"), october.start(), october,
        Map.of());
    assertThat(store.append(earlier, version())).isInstanceOf(WriteOutcome.Written.class);

    assertThat(store.consume(entry(5_000, "reused"), 1_000, version()))
        .isInstanceOfSatisfying(WriteOutcome.Duplicate.class, d -> assertThat(d.recordedAmount()).isEqualTo(500));

    assertThat(state().counters()).as("no counter of November").isEmpty();
  }

  @Test
  void aConsumeOnAStaleVersionIsRefusedAndWritesNothing() {
    long before = version();
    changeEntitlements();

    assertThat(store.consume(entry(100, "stale-consume"), 1_000, before)).isInstanceOf(WriteOutcome.Stale.class);

    assertThat(used()).isZero();
    assertThat(store.consume(entry(100, "stale-consume"), 1_000, version()))
        .as("the key was not taken by the refused write").isInstanceOf(WriteOutcome.Written.class);
  }

  @Test
  void anAppendOnAStaleVersionIsRefusedAndWritesNothing() {
    long before = version();
    changeEntitlements();

    assertThat(store.append(entry(100, "stale-append"), before)).isInstanceOf(WriteOutcome.Stale.class);

    assertThat(used()).isZero();
    assertThat(store.append(entry(100, "stale-append"), version())).isInstanceOf(WriteOutcome.Written.class);
  }

  @Test
  void aBatchOfAppendsOnAStaleVersionIsRefusedWhole() {
    long before = version();
    changeEntitlements();

    List<WriteOutcome> outcomes = store.appendAll(List.of(entry(100, "batch-1"), entry(200, "batch-2")), before);

    assertThat(outcomes).hasSize(2).allSatisfy(o -> assertThat(o).isInstanceOf(WriteOutcome.Stale.class));
    assertThat(used()).isZero();
  }

  @Test
  void aReserveOnAStaleVersionIsRefusedAndHoldsNothing() {
    long before = version();
    changeEntitlements();

    assertThat(store.reserve(hold(100), 1_000, before, now)).isInstanceOf(WriteOutcome.Stale.class);

    assertThat(reserved()).isZero();
  }

  @Test
  void aCommitOnAStaleVersionIsRefusedAndKeepsTheHold() {
    StoredReservation hold = hold(100);
    assertThat(store.reserve(hold, 1_000, version(), now)).isInstanceOf(WriteOutcome.Written.class);
    long before = version();
    changeEntitlements();

    assertThat(store.commit(tenant, hold.id(), entry(80, "stale-commit"), before, now))
        .isInstanceOf(CommitOutcome.Stale.class);

    assertThat(used()).isZero();
    assertThat(reserved()).isEqualTo(100);
    assertThat(store.commit(tenant, hold.id(), entry(80, "stale-commit"), version(), now))
        .isInstanceOf(CommitOutcome.Committed.class);
    assertThat(used()).isEqualTo(80);
    assertThat(reserved()).isZero();
  }

  @Test
  void aConsumeBeyondTheCeilingIsRefusedAndWritesNothing() {
    assertThat(store.consume(entry(600, "first"), 1_000, version())).isInstanceOf(WriteOutcome.Written.class);

    WriteOutcome refused = store.consume(entry(600, "second"), 1_000, version());

    assertThat(refused).isInstanceOfSatisfying(WriteOutcome.Insufficient.class,
        i -> assertThat(i.counter().used()).isEqualTo(600));
    assertThat(used()).isEqualTo(600);
    assertThat(store.consume(entry(600, "second"), 2_000, version()))
        .as("the refused write did not take its key").isInstanceOf(WriteOutcome.Written.class);
  }

  @Test
  void aConsumeExactlyUpToTheCeilingIsWritten() {
    assertThat(store.consume(entry(1_000, "all-of-it"), 1_000, version())).isInstanceOf(WriteOutcome.Written.class);

    assertThat(used()).isEqualTo(1_000);
  }

  @Test
  void aReserveBeyondTheCeilingIsRefusedAndHoldsNothing() {
    assertThat(store.reserve(hold(600), 1_000, version(), now)).isInstanceOf(WriteOutcome.Written.class);

    assertThat(store.reserve(hold(600), 1_000, version(), now)).isInstanceOf(WriteOutcome.Insufficient.class);

    assertThat(reserved()).isEqualTo(600);
  }

  @Test
  void aSecondWriteWithTheSameKeyIsADuplicateAndWritesNothing() {
    assertThat(store.consume(entry(100, "once"), 1_000, version())).isInstanceOf(WriteOutcome.Written.class);

    assertThat(store.consume(entry(200, "once"), 1_000, version())).isInstanceOfSatisfying(
        WriteOutcome.Duplicate.class, d -> assertThat(d.recordedAmount()).isEqualTo(100));
    assertThat(store.append(entry(300, "once"), version())).isInstanceOfSatisfying(
        WriteOutcome.Duplicate.class, d -> assertThat(d.recordedAmount()).isEqualTo(100));

    assertThat(used()).isEqualTo(100);
  }

  @Test
  void aVersionedChangeOnAStaleVersionWritesNeitherItsEntitlementsNorItsAuditEntry() {
    long before = version();
    changeEntitlements();
    Grant late = grant(500);

    boolean written = store.addEntitlements(tenant, List.of(late), audit("computed from an old state"), before);

    assertThat(written).isFalse();
    assertThat(store.entitlements(tenant)).extracting(e -> e.id()).doesNotContain(late.id()).hasSize(1);
    assertThat(store.findEntitlement(late.id())).isEmpty();
    assertThat(auditEntries()).extracting(AuditEntry::reason).containsExactly("moves the version on");
  }

  @Test
  void aVersionedChangeOnTheCurrentVersionIsWrittenWithItsAuditEntryAndMovesTheVersionOn() {
    long before = version();
    Grant grant = grant(500);

    boolean written = store.addEntitlements(tenant, List.of(grant), audit("computed from the current state"), before);

    assertThat(written).isTrue();
    assertThat(store.entitlements(tenant)).extracting(e -> e.id()).containsExactly(grant.id());
    assertThat(auditEntries()).extracting(AuditEntry::reason).containsExactly("computed from the current state");
    assertThat(version()).isNotEqualTo(before);
  }

  @Test
  void everyAdminChangeMovesTheVersionOn() {
    long start = version();
    store.addEntitlements(tenant, List.of(), audit("an empty change"));
    long afterEmpty = version();
    Grant grant = grant(10);
    store.addEntitlements(tenant, List.of(grant), audit("a grant"));
    long afterGrant = version();
    assertThat(store.revoke(tenant, grant.id(), new Revocation(now, QuotaStoreContract.OPERATOR, "revoked"),
        audit("a revoke"))).isInstanceOf(RevokeOutcome.Revoked.class);
    long afterRevoke = version();
    store.setPlan(tenant, Plan.of(Tier.PRO), Map.of(AI_TOKENS, NOVEMBER), audit("a plan"));
    long afterPlan = version();

    assertThat(List.of(start, afterEmpty, afterGrant, afterRevoke, afterPlan)).doesNotHaveDuplicates();
  }

  @Test
  void aRevokeOfAnEndedOrUnknownEntitlementChangesNothing() {
    Grant grant = grant(10);
    store.addEntitlements(tenant, List.of(grant), audit("a grant"));
    Revocation revocation = new Revocation(now, QuotaStoreContract.OPERATOR, "revoked");
    assertThat(store.revoke(tenant, grant.id(), revocation, audit("the revoke"))).isInstanceOf(
        RevokeOutcome.Revoked.class);
    long before = version();

    assertThat(store.revoke(tenant, grant.id(), revocation, audit("again"))).isInstanceOf(
        RevokeOutcome.AlreadyEnded.class);
    assertThat(store.revoke(tenant, EntitlementId.random(), revocation, audit("unknown"))).isInstanceOf(
        RevokeOutcome.NotFound.class);

    assertThat(version()).isEqualTo(before);
    assertThat(auditEntries()).extracting(AuditEntry::reason).containsExactly("the revoke", "a grant");
  }

  @Test
  void readLatestSeesEveryWriteOfThisStore() {
    store.read(tenant, AI_TOKENS, now); // a cached read, if the store caches
    assertThat(store.consume(entry(100, "seen"), 1_000, version())).isInstanceOf(WriteOutcome.Written.class);
    changeEntitlements();

    TenantState latest = store.readLatest(tenant, AI_TOKENS, now);

    assertThat(latest.counters()).extracting(Counter::used).containsExactly(100L);
    assertThat(latest.entitlements()).hasSize(1);
  }
}

package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Period;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.TierCatalogue;
import dev.quota.UsageKey;
import dev.quota.Window;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.QuotaAdmin;
import dev.quota.spi.CommitOutcome;
import dev.quota.spi.Counter;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.ParentOutcome;
import dev.quota.spi.PathCounter;
import dev.quota.spi.PathOutcome;
import dev.quota.spi.PathWrite;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.ReleaseOutcome;
import dev.quota.spi.StoredReservation;
import dev.quota.spi.TenantState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Limits at every level and in every window, checked on the store's SPI directly: {@link QuotaStore#consumePath},
 * {@link QuotaStore#reservePath}, {@link QuotaStore#commitPath}, {@link QuotaStore#release} and plain
 * {@link QuotaStore#commit} of path holds, {@link QuotaStore#setParent}, {@link QuotaStore#children},
 * {@link QuotaStore#compactWindows}, and {@link QuotaStore#verify} and {@link QuotaStore#purge} of entries written on
 * a path. Only what the SPI's javadoc promises is asserted, so every backend runs the same group.
 *
 * <p>Trees are built with {@code setParent} on fresh tenants; every write is computed, as the guard computes it, from
 * the versions {@link QuotaStore#readLatest} reads. Writes happen at {@link QuotaStoreContract#START} or a few
 * minutes after it, inside {@link #NOVEMBER}.
 */
@Timeout(value = ConcurrencyContract.TIME_LIMIT_MINUTES, unit = TimeUnit.MINUTES)
public abstract class PathStoreContract extends ContractFixture {
  private static final long UNLIMITED = TierCatalogue.UNLIMITED;
  private static final int MAX_DEPTH = QuotaAdmin.MAX_TREE_DEPTH;

  private QuotaStore store;
  private Instant now;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected PathStoreContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    store = store();
    now = clock().instant();
  }

  // --- helpers ---------------------------------------------------------------------------------------------

  private long version(TenantId tenant) {
    return store.readLatest(tenant, AI_TOKENS, now).version();
  }

  private static Period periodOf(Window window, Instant at) {
    return window == Window.PERIOD ? NOVEMBER : window.at(at);
  }

  /** A counter of a level in a window containing {@code at}, with the level's current version. */
  private PathCounter counter(TenantId level, Window window, Instant at, long ceiling) {
    return new PathCounter(level, window, periodOf(window, at), ceiling, version(level));
  }

  private PathCounter counter(TenantId level, Window window, long ceiling) {
    return counter(level, window, now, ceiling);
  }

  private static PathWrite write(List<TenantId> path, PathCounter... counters) {
    return new PathWrite(path, List.of(counters));
  }

  /** The PERIOD counter of every level of the path, unlimited, tenant first. */
  private PathWrite periods(List<TenantId> path, Instant at) {
    List<PathCounter> counters = new ArrayList<>();
    for (TenantId level : path) {
      counters.add(counter(level, Window.PERIOD, at, UNLIMITED));
    }
    return new PathWrite(path, counters);
  }

  /** The PERIOD and MINUTE counters of every level of the path, unlimited, tenant first. */
  private PathWrite periodsAndMinutes(List<TenantId> path, Instant at) {
    List<PathCounter> counters = new ArrayList<>();
    for (TenantId level : path) {
      counters.add(counter(level, Window.PERIOD, at, UNLIMITED));
      counters.add(counter(level, Window.MINUTE, at, UNLIMITED));
    }
    return new PathWrite(path, counters);
  }

  private static LedgerEntry entry(TenantId tenant, long amount, String key, Instant at) {
    return new LedgerEntry(tenant, AI_TOKENS, amount, UsageKey.of(key), at, NOVEMBER, Map.of());
  }

  private LedgerEntry entry(TenantId tenant, long amount, String key) {
    return entry(tenant, amount, key, now);
  }

  private StoredReservation hold(TenantId tenant, long amount, Duration ttl) {
    return new StoredReservation(ReservationId.random(), tenant, AI_TOKENS, amount, NOVEMBER, now, now.plus(ttl));
  }

  /** A level's counter of a period as a read at {@code at} finds it; empty (0, 0) when there is none. */
  private Counter stored(TenantId level, Period period, Instant at) {
    return store.readLatest(level, AI_TOKENS, at).counters().stream().filter(c -> c.period().equals(period))
        .findFirst().orElse(Counter.empty(period));
  }

  private Counter stored(TenantId level, Window window) {
    return stored(level, periodOf(window, now), now);
  }

  private long used(TenantId level, Window window) {
    return stored(level, window).used();
  }

  private long reserved(TenantId level, Window window) {
    return stored(level, window).reserved();
  }

  private AuditEntry audit(TenantId tenant, String reason) {
    return new AuditEntry(UUID.randomUUID(), now, tenant, QuotaStoreContract.OPERATOR, AdminOperation.SET_PARENT,
        reason, Map.of());
  }

  private ParentOutcome setParent(TenantId tenant, Optional<TenantId> parent, int maxDepth) {
    return store.setParent(tenant, parent, maxDepth, audit(tenant, "parent " + parent.map(TenantId::value)
        .orElse("none")));
  }

  /** Makes {@code parent} the parent of {@code tenant}, which must succeed. */
  private void attach(TenantId tenant, TenantId parent) {
    assertThat(setParent(tenant, Optional.of(parent), MAX_DEPTH)).as("%s under %s", tenant, parent)
        .isEqualTo(ParentOutcome.CHANGED);
  }

  /** A chain of fresh tenants, root first; returns it leaf first, as a path. */
  private List<TenantId> chain(String... labels) {
    List<TenantId> rootFirst = new ArrayList<>();
    for (String label : labels) {
      TenantId tenant = newTenant(label);
      if (!rootFirst.isEmpty()) {
        attach(tenant, rootFirst.get(rootFirst.size() - 1));
      }
      rootFirst.add(tenant);
    }
    List<TenantId> path = new ArrayList<>(rootFirst);
    Collections.reverse(path);
    return List.copyOf(path);
  }

  private void grant(TenantId tenant) {
    store.addEntitlements(tenant, List.of(new Grant(EntitlementId.random(), tenant, Grant.Kind.CREDIT, AI_TOKENS, 1,
        now, now.plus(Duration.ofDays(1)), QuotaStoreContract.OPERATOR, QuotaStoreContract.REASON, Optional.empty())),
        audit(tenant, "moves the version on"));
  }

  private List<AuditEntry> auditOf(TenantId tenant) {
    return store.audit(AuditQuery.of(tenant), PageRequest.first(PageRequest.MAX_SIZE)).items();
  }

  private void assertConsistent(TenantId... tenants) {
    for (TenantId tenant : tenants) {
      List<CounterCheck> checks = store.verify(tenant);
      assertThat(checks).as("verify(%s)", tenant).isNotEmpty()
          .allSatisfy(c -> assertThat(c.consistent()).as("%s", c).isTrue());
    }
  }

  // --- consumePath -----------------------------------------------------------------------------------------

  @Test
  void aPathWriteIsWrittenOnceAndMovesEveryCounterOfEveryLevel() {
    List<TenantId> path = chain("org", "workspace", "member");
    TenantId member = path.get(0);
    PathWrite write = periodsAndMinutes(path, now);

    PathOutcome outcome = store.consumePath(entry(member, 120, "k1"), write, true);

    assertThat(outcome).isInstanceOfSatisfying(PathOutcome.Written.class, w -> {
      assertThat(w.counters()).hasSize(write.counters().size());
      for (int i = 0; i < w.counters().size(); i++) {
        assertThat(w.counters().get(i).period()).as("counter %d", i).isEqualTo(write.counters().get(i).period());
        assertThat(w.counters().get(i).used()).as("counter %d", i).isEqualTo(120);
      }
    });
    for (TenantId level : path) {
      assertThat(used(level, Window.PERIOD)).as("%s period", level).isEqualTo(120);
      assertThat(used(level, Window.MINUTE)).as("%s minute", level).isEqualTo(120);
    }
    assertThat(store.ledger(member, PageRequest.first(10)).items()).extracting(LedgerEntry::amount)
        .containsExactly(120L);
    assertThat(store.ledger(path.get(1), PageRequest.first(10)).items()).as("the entry is the member's only")
        .isEmpty();
    assertThat(store.ledger(path.get(2), PageRequest.first(10)).items()).isEmpty();
  }

  @Test
  void aReadOfThePathFollowsTheParents() {
    List<TenantId> path = chain("org", "workspace", "member");

    List<TenantState> states = store.readPath(path.get(0), AI_TOKENS, now);
    List<TenantState> latest = store.readLatestPath(path.get(0), AI_TOKENS, now);

    assertThat(states).extracting(TenantState::parent)
        .containsExactly(Optional.of(path.get(1)), Optional.of(path.get(2)), Optional.empty());
    assertThat(latest).extracting(TenantState::parent)
        .containsExactly(Optional.of(path.get(1)), Optional.of(path.get(2)), Optional.empty());
    assertThat(store.read(path.get(1), AI_TOKENS, now).parent()).contains(path.get(2));
    assertThat(store.readLatest(path.get(2), AI_TOKENS, now).parent()).isEmpty();
  }

  @Test
  void aWriteThatDoesNotFitAtSomeLevelNamesTheFirstSuchCounterInTheWritesOrderAndWritesNothing() {
    List<TenantId> path = chain("org", "workspace", "member");
    TenantId member = path.get(0);
    assertThat(store.consumePath(entry(member, 60, "before"), periodsAndMinutes(path, now), true))
        .isInstanceOf(PathOutcome.Written.class);

    // Counters 2 (the workspace's period) and 5 (the org's minute) cannot take 50 more; 2 comes first.
    PathWrite write = write(path,
        counter(member, Window.PERIOD, 1_000),
        counter(member, Window.MINUTE, 1_000),
        counter(path.get(1), Window.PERIOD, 100),
        counter(path.get(1), Window.MINUTE, 1_000),
        counter(path.get(2), Window.PERIOD, 1_000),
        counter(path.get(2), Window.MINUTE, 100));
    PathOutcome outcome = store.consumePath(entry(member, 50, "too-much"), write, true);

    assertThat(outcome).isInstanceOfSatisfying(PathOutcome.Insufficient.class, refused -> {
      assertThat(refused.index()).isEqualTo(2);
      assertThat(refused.counters()).hasSize(6).extracting(Counter::used).containsOnly(60L);
    });
    for (TenantId level : path) {
      assertThat(used(level, Window.PERIOD)).as("%s period", level).isEqualTo(60);
      assertThat(used(level, Window.MINUTE)).as("%s minute", level).isEqualTo(60);
    }
    assertThat(store.ledger(member, PageRequest.first(10)).items()).hasSize(1);
    assertThat(store.consumePath(entry(member, 40, "too-much"), write, true))
        .as("the key was not taken by the refused write").isInstanceOf(PathOutcome.Written.class);
  }

  @Test
  void aWriteThatFitsExactlyAtEveryLevelIsWritten() {
    List<TenantId> path = chain("org", "member");
    PathWrite write = write(path, counter(path.get(0), Window.PERIOD, 100), counter(path.get(1), Window.PERIOD, 100));

    assertThat(store.consumePath(entry(path.get(0), 100, "exact"), write, true)).isInstanceOf(PathOutcome.Written.class);
    assertThat(store.consumePath(entry(path.get(0), 1, "one-more"), write, true))
        .isInstanceOfSatisfying(PathOutcome.Insufficient.class, refused -> assertThat(refused.index()).isZero());
  }

  @Test
  void aKeyAlreadyRecordedIsADuplicateAndWritesNothing() {
    List<TenantId> path = chain("org", "member");
    TenantId member = path.get(0);
    assertThat(store.consumePath(entry(member, 30, "same"), periodsAndMinutes(path, now), true))
        .isInstanceOf(PathOutcome.Written.class);

    PathOutcome again = store.consumePath(entry(member, 99, "same"), periodsAndMinutes(path, now), true);

    assertThat(again).isInstanceOfSatisfying(PathOutcome.Duplicate.class, duplicate -> {
      assertThat(duplicate.recordedAmount()).isEqualTo(30);
      assertThat(duplicate.counters()).hasSize(4).extracting(Counter::used).containsOnly(30L);
    });
    assertThat(used(member, Window.PERIOD)).isEqualTo(30);
    assertThat(used(path.get(1), Window.PERIOD)).isEqualTo(30);
    assertThat(used(path.get(1), Window.MINUTE)).isEqualTo(30);
    assertThat(store.ledger(member, PageRequest.first(10)).items()).hasSize(1);
  }

  @Test
  void aRecordedKeyIsADuplicateEvenWhenTheAmountWouldNoLongerFit() {
    List<TenantId> path = chain("org", "member");
    TenantId member = path.get(0);
    PathWrite write = write(path, counter(member, Window.PERIOD, 100), counter(path.get(1), Window.PERIOD, 100));
    assertThat(store.consumePath(entry(member, 80, "retried"), write, true)).isInstanceOf(PathOutcome.Written.class);

    assertThat(store.consumePath(entry(member, 80, "retried"), write, true))
        .isInstanceOfSatisfying(PathOutcome.Duplicate.class, d -> assertThat(d.recordedAmount()).isEqualTo(80));
    assertThat(used(path.get(1), Window.PERIOD)).isEqualTo(80);
  }

  @Test
  void aChangedVersionIsStaleEvenForARecordedKey() {
    List<TenantId> path = chain("org", "member");
    TenantId member = path.get(0);
    PathWrite computed = periods(path, now);
    assertThat(store.consumePath(entry(member, 10, "once"), computed, true)).isInstanceOf(PathOutcome.Written.class);
    grant(path.get(1));

    assertThat(store.consumePath(entry(member, 10, "once"), computed, true)).isInstanceOf(PathOutcome.Stale.class);
    assertThat(used(path.get(1), Window.PERIOD)).isEqualTo(10);
  }

  @Test
  void aChangedVersionOfAnyLevelIsStaleAndWritesNothing() {
    List<TenantId> path = chain("org", "workspace", "member");
    TenantId member = path.get(0);
    PathWrite computed = periodsAndMinutes(path, now);

    grant(path.get(2)); // the org's plan or entitlements changed since the write was computed

    assertThat(store.consumePath(entry(member, 10, "stale"), computed, true)).isInstanceOf(PathOutcome.Stale.class);
    assertThat(store.consumePath(entry(member, 10, "stale"), computed, false))
        .as("unconditional writes check versions too").isInstanceOf(PathOutcome.Stale.class);
    for (TenantId level : path) {
      assertThat(stored(level, Window.PERIOD).used()).isZero();
      assertThat(stored(level, Window.MINUTE).used()).isZero();
    }
    assertThat(store.ledger(member, PageRequest.first(10)).items()).isEmpty();
    assertThat(store.consumePath(entry(member, 10, "stale"), periodsAndMinutes(path, now), true))
        .as("computed again on the new versions").isInstanceOf(PathOutcome.Written.class);
  }

  @Test
  void aWriteComputedOnThePathBeforeAMoveIsStale() {
    List<TenantId> path = chain("org", "member");
    TenantId member = path.get(0);
    TenantId otherOrg = newTenant("other-org");
    PathWrite computed = periods(path, now);

    attach(member, otherOrg);

    assertThat(store.consumePath(entry(member, 10, "moved"), computed, true)).isInstanceOf(PathOutcome.Stale.class);
    assertThat(used(path.get(1), Window.PERIOD)).isZero();
    assertThat(store.ledger(member, PageRequest.first(10)).items()).isEmpty();
  }

  @Test
  void anUnconditionalWriteGoesPastEveryCeiling() {
    List<TenantId> path = chain("org", "member");
    TenantId member = path.get(0);
    PathWrite write = write(path,
        counter(member, Window.PERIOD, 10),
        counter(member, Window.MINUTE, 0),
        counter(path.get(1), Window.PERIOD, 5),
        counter(path.get(1), Window.HOUR, 0));

    PathOutcome outcome = store.consumePath(entry(member, 70, "recorded"), write, false);

    assertThat(outcome).isInstanceOfSatisfying(PathOutcome.Written.class,
        w -> assertThat(w.counters()).extracting(Counter::used).containsExactly(70L, 70L, 70L, 70L));
    assertThat(used(member, Window.MINUTE)).isEqualTo(70);
    assertThat(used(path.get(1), Window.HOUR)).isEqualTo(70);
    assertConsistent(member, path.get(1));
  }

  // --- reservePath, commitPath, release, expiry -----------------------------------------------------------

  @Test
  void aPathHoldIsHeldInEveryCounterAndCountsAgainstLaterWrites() {
    List<TenantId> path = chain("org", "member");
    TenantId member = path.get(0);

    PathOutcome held = store.reservePath(hold(member, 80, Duration.ofMinutes(10)), periodsAndMinutes(path, now),
        true, now);

    assertThat(held).isInstanceOfSatisfying(PathOutcome.Written.class,
        w -> assertThat(w.counters()).extracting(Counter::reserved).containsExactly(80L, 80L, 80L, 80L));
    for (TenantId level : path) {
      assertThat(reserved(level, Window.PERIOD)).as("%s period", level).isEqualTo(80);
      assertThat(reserved(level, Window.MINUTE)).as("%s minute", level).isEqualTo(80);
      assertThat(used(level, Window.PERIOD)).isZero();
    }
    PathWrite tight = write(path, counter(member, Window.PERIOD, UNLIMITED), counter(path.get(1), Window.MINUTE, 100));
    assertThat(store.consumePath(entry(member, 21, "over"), tight, true))
        .isInstanceOfSatisfying(PathOutcome.Insufficient.class, refused -> assertThat(refused.index()).isEqualTo(1));
    assertThat(store.reservePath(hold(member, 21, Duration.ofMinutes(10)), tight, true, now))
        .isInstanceOf(PathOutcome.Insufficient.class);
    assertThat(reserved(path.get(1), Window.MINUTE)).as("the refused hold holds nothing").isEqualTo(80);
    assertThat(store.consumePath(entry(member, 20, "fits"), tight, true)).isInstanceOf(PathOutcome.Written.class);
  }

  @Test
  void aHoldOnAChangedVersionIsStaleAndHoldsNothing() {
    List<TenantId> path = chain("org", "member");
    PathWrite computed = periods(path, now);
    grant(path.get(1));

    assertThat(store.reservePath(hold(path.get(0), 5, Duration.ofMinutes(10)), computed, true, now))
        .isInstanceOf(PathOutcome.Stale.class);
    assertThat(reserved(path.get(0), Window.PERIOD)).isZero();
    assertThat(reserved(path.get(1), Window.PERIOD)).isZero();
  }

  @Test
  void anUnconditionalHoldIsTakenPastTheCeilings() {
    List<TenantId> path = chain("org", "member");
    PathWrite write = write(path, counter(path.get(0), Window.PERIOD, 0), counter(path.get(1), Window.PERIOD, 0));

    assertThat(store.reservePath(hold(path.get(0), 5, Duration.ofMinutes(10)), write, false, now))
        .isInstanceOf(PathOutcome.Written.class);
    assertThat(reserved(path.get(1), Window.PERIOD)).isEqualTo(5);
  }

  @Test
  void commitPathEndsTheHoldEverywhereAndWritesTheEntryToTheCountersItIsGiven() {
    List<TenantId> path = chain("org", "workspace", "member");
    TenantId member = path.get(0);
    StoredReservation reservation = hold(member, 100, Duration.ofMinutes(10));
    assertThat(store.reservePath(reservation, periodsAndMinutes(path, now), true, now))
        .isInstanceOf(PathOutcome.Written.class);

    // Committed two minutes later, with ceilings it no longer fits: never refused for the balance.
    Instant later = now.plus(Duration.ofMinutes(2));
    PathWrite atCommit = write(path,
        counter(member, Window.PERIOD, later, 0),
        counter(path.get(1), Window.PERIOD, later, 0),
        counter(path.get(2), Window.PERIOD, later, 0),
        counter(path.get(2), Window.MINUTE, later, 0));
    CommitOutcome outcome = store.commitPath(member, reservation.id(), entry(member, 70, "done", later), atCommit,
        later);

    assertThat(outcome).isInstanceOfSatisfying(CommitOutcome.Committed.class, committed -> {
      assertThat(committed.expired()).isFalse();
      assertThat(committed.counter().period()).isEqualTo(NOVEMBER);
      assertThat(committed.counter().used()).isEqualTo(70);
      assertThat(committed.counter().reserved()).isZero();
    });
    for (TenantId level : path) {
      assertThat(stored(level, NOVEMBER, later)).as("%s period", level)
          .extracting(Counter::used, Counter::reserved).containsExactly(70L, 0L);
      assertThat(stored(level, Window.MINUTE.at(now), now).reserved()).as("%s minute of the hold", level).isZero();
      assertThat(stored(level, Window.MINUTE.at(now), now).used()).as("%s minute of the hold", level).isZero();
    }
    assertThat(stored(path.get(2), Window.MINUTE.at(later), later).used()).as("the org's minute of the commit")
        .isEqualTo(70);
    assertThat(stored(member, Window.MINUTE.at(later), later).used()).as("not a counter of the commit").isZero();
    assertThat(store.ledger(member, PageRequest.first(10)).items()).extracting(LedgerEntry::amount)
        .containsExactly(70L);
    assertThat(store.release(member, reservation.id(), later)).isEqualTo(ReleaseOutcome.COMMITTED);
    assertConsistent(path.toArray(TenantId[]::new));
  }

  @Test
  void commitPathOnAChangedVersionOfAnyLevelIsStaleAndKeepsTheHold() {
    List<TenantId> path = chain("org", "member");
    TenantId member = path.get(0);
    StoredReservation reservation = hold(member, 40, Duration.ofMinutes(10));
    assertThat(store.reservePath(reservation, periods(path, now), true, now)).isInstanceOf(PathOutcome.Written.class);
    PathWrite computed = periods(path, now);
    grant(path.get(1));

    assertThat(store.commitPath(member, reservation.id(), entry(member, 40, "k"), computed, now))
        .isInstanceOf(CommitOutcome.Stale.class);
    assertThat(reserved(path.get(1), Window.PERIOD)).isEqualTo(40);
    assertThat(used(path.get(1), Window.PERIOD)).isZero();

    assertThat(store.commitPath(member, reservation.id(), entry(member, 40, "k"), periods(path, now), now))
        .isInstanceOf(CommitOutcome.Committed.class);
    assertThat(reserved(path.get(1), Window.PERIOD)).isZero();
    assertThat(used(path.get(1), Window.PERIOD)).isEqualTo(40);
  }

  @Test
  void commitPathTwiceWithTheSameKeyIsADuplicateAndWritesOnce() {
    List<TenantId> path = chain("org", "member");
    TenantId member = path.get(0);
    StoredReservation reservation = hold(member, 40, Duration.ofMinutes(10));
    store.reservePath(reservation, periods(path, now), true, now);

    assertThat(store.commitPath(member, reservation.id(), entry(member, 30, "k"), periods(path, now), now))
        .isInstanceOf(CommitOutcome.Committed.class);
    assertThat(store.commitPath(member, reservation.id(), entry(member, 30, "k"), periods(path, now), now))
        .isInstanceOf(CommitOutcome.Duplicate.class);
    assertThat(used(path.get(1), Window.PERIOD)).isEqualTo(30);
    assertThat(store.commitPath(member, ReservationId.random(), entry(member, 30, "k2"), periods(path, now), now))
        .isInstanceOf(CommitOutcome.NotFound.class);
  }

  @Test
  void releaseEndsThePathHoldInEveryCounter() {
    List<TenantId> path = chain("org", "workspace", "member");
    TenantId member = path.get(0);
    StoredReservation reservation = hold(member, 50, Duration.ofMinutes(10));
    store.reservePath(reservation, periodsAndMinutes(path, now), true, now);

    assertThat(store.release(member, reservation.id(), now)).isEqualTo(ReleaseOutcome.RELEASED);

    for (TenantId level : path) {
      assertThat(reserved(level, Window.PERIOD)).as("%s period", level).isZero();
      assertThat(reserved(level, Window.MINUTE)).as("%s minute", level).isZero();
    }
    assertThat(store.release(member, reservation.id(), now)).isEqualTo(ReleaseOutcome.ALREADY_ENDED);
    assertThat(store.commitPath(member, reservation.id(), entry(member, 50, "late"), periods(path, now), now))
        .isInstanceOf(CommitOutcome.Released.class);
    assertThat(used(path.get(2), Window.PERIOD)).isZero();
  }

  @Test
  void anExpiredPathHoldIsNoLongerCountedAndCanStillBeCommitted() {
    List<TenantId> path = chain("org", "member");
    TenantId member = path.get(0);
    StoredReservation reservation = hold(member, 90, Duration.ofMinutes(1));
    PathWrite write = write(path, counter(member, Window.PERIOD, 100), counter(path.get(1), Window.HOUR, 100));
    store.reservePath(reservation, write, true, now);
    Instant afterExpiry = now.plus(Duration.ofMinutes(2));

    assertThat(stored(path.get(1), NOVEMBER, afterExpiry).reserved()).isZero();
    assertThat(stored(path.get(1), Window.HOUR.at(now), afterExpiry).reserved()).isZero();
    PathWrite laterWrite = write(path, counter(member, Window.PERIOD, afterExpiry, 100),
        counter(path.get(1), Window.HOUR, afterExpiry, 100));
    assertThat(store.consumePath(entry(member, 60, "after-expiry", afterExpiry), laterWrite, true))
        .as("the expired hold no longer counts").isInstanceOf(PathOutcome.Written.class);
    assertThat(store.release(member, reservation.id(), afterExpiry)).isEqualTo(ReleaseOutcome.ALREADY_ENDED);

    assertThat(store.commitPath(member, reservation.id(), entry(member, 90, "late", afterExpiry),
        write(path, counter(member, Window.PERIOD, afterExpiry, 100), counter(path.get(1), Window.HOUR, afterExpiry,
            100)), afterExpiry))
        .isInstanceOfSatisfying(CommitOutcome.Committed.class, c -> assertThat(c.expired()).isTrue());
    assertThat(stored(path.get(1), Window.HOUR.at(now), afterExpiry).used()).isEqualTo(150);
  }

  @Test
  void aPlainCommitOfAPathHoldEndsItEverywhereAndWritesTheEntryFlat() {
    List<TenantId> path = chain("org", "member");
    TenantId member = path.get(0);
    TenantId org = path.get(1);
    StoredReservation reservation = hold(member, 60, Duration.ofMinutes(10));
    store.reservePath(reservation, periodsAndMinutes(path, now), true, now);
    assertThat(setParent(member, Optional.empty(), MAX_DEPTH)).isEqualTo(ParentOutcome.CHANGED);

    // The member is a root now: the guard commits its hold the flat way.
    assertThat(store.commit(member, reservation.id(), entry(member, 45, "flat"), version(member), now))
        .isInstanceOf(CommitOutcome.Committed.class);

    assertThat(stored(member, Window.PERIOD)).extracting(Counter::used, Counter::reserved).containsExactly(45L, 0L);
    assertThat(stored(org, Window.PERIOD)).extracting(Counter::used, Counter::reserved).containsExactly(0L, 0L);
    assertThat(reserved(org, Window.MINUTE)).isZero();
    assertThat(reserved(member, Window.MINUTE)).isZero();
    assertThat(store.release(member, reservation.id(), now)).isEqualTo(ReleaseOutcome.COMMITTED);
    assertThat(store.verify(org)).allSatisfy(c -> assertThat(c.consistent()).as("%s", c).isTrue());
  }

  // --- setParent and children ------------------------------------------------------------------------------

  @Test
  void settingAParentIsWrittenWithItsAuditEntryAndMovesTheVersionOn() {
    TenantId org = newTenant("org");
    TenantId member = newTenant("member");
    assertThat(store.knowsTenant(member)).isFalse();
    long before = version(member);
    AuditEntry audit = audit(member, "member joins org");

    assertThat(store.setParent(member, Optional.of(org), MAX_DEPTH, audit)).isEqualTo(ParentOutcome.CHANGED);

    assertThat(store.readLatest(member, AI_TOKENS, now).parent()).contains(org);
    assertThat(version(member)).isNotEqualTo(before);
    assertThat(auditOf(member)).extracting(AuditEntry::id).containsExactly(audit.id());
    assertThat(store.knowsTenant(member)).as("the tenant came into being").isTrue();
    assertThat(store.readLatest(member, AI_TOKENS, now).plan()).isEmpty();
  }

  @Test
  void settingTheSameParentAgainIsStillWrittenAndAudited() {
    List<TenantId> path = chain("org", "member");
    long before = version(path.get(0));

    assertThat(setParent(path.get(0), Optional.of(path.get(1)), MAX_DEPTH)).isEqualTo(ParentOutcome.CHANGED);

    assertThat(version(path.get(0))).isNotEqualTo(before);
    assertThat(auditOf(path.get(0))).hasSize(2);
  }

  @Test
  void clearingTheParentMakesTheTenantARoot() {
    List<TenantId> path = chain("org", "member");
    long before = version(path.get(0));

    assertThat(setParent(path.get(0), Optional.empty(), MAX_DEPTH)).isEqualTo(ParentOutcome.CHANGED);

    assertThat(store.readLatest(path.get(0), AI_TOKENS, now).parent()).isEmpty();
    assertThat(store.readPath(path.get(0), AI_TOKENS, now)).hasSize(1);
    assertThat(version(path.get(0))).isNotEqualTo(before);
    assertThat(store.children(path.get(1), PageRequest.first(10)).items()).isEmpty();
  }

  @Test
  void aParentUnderTheTenantWouldCloseACycleAndIsRefusedWritingNothing() {
    List<TenantId> path = chain("org", "workspace", "member");
    TenantId org = path.get(2);
    long version = version(org);
    int audited = auditOf(org).size();

    assertThat(setParent(org, Optional.of(path.get(1)), MAX_DEPTH)).as("directly").isEqualTo(ParentOutcome.WOULD_CYCLE);
    assertThat(setParent(org, Optional.of(path.get(0)), MAX_DEPTH)).as("through the workspace")
        .isEqualTo(ParentOutcome.WOULD_CYCLE);

    assertThat(store.readLatest(org, AI_TOKENS, now).parent()).isEmpty();
    assertThat(version(org)).isEqualTo(version);
    assertThat(auditOf(org)).hasSize(audited);
    assertThat(store.readPath(path.get(0), AI_TOKENS, now)).hasSize(3);
  }

  @Test
  void aParentThatMakesSomePathTooDeepIsRefusedCountingTheMovedSubtree() {
    List<TenantId> upper = chain("root", "mid");            // mid is at depth 2
    List<TenantId> subtree = chain("top", "inner", "leaf"); // height 3
    TenantId top = subtree.get(2);
    long version = version(top);

    assertThat(setParent(top, Optional.of(upper.get(0)), 4)).as("2 + 3 levels > 4").isEqualTo(ParentOutcome.TOO_DEEP);
    assertThat(store.readLatest(top, AI_TOKENS, now).parent()).isEmpty();
    assertThat(version(top)).isEqualTo(version);

    assertThat(setParent(top, Optional.of(upper.get(1)), 4)).as("1 + 3 levels").isEqualTo(ParentOutcome.CHANGED);
    assertThat(store.readPath(subtree.get(0), AI_TOKENS, now)).hasSize(4);
  }

  @Test
  void aChainOfTheMaximumDepthTakesNoFurtherLevel() {
    List<TenantId> path = chain("l1", "l2", "l3", "l4", "l5");
    TenantId sixth = newTenant("l6");

    assertThat(setParent(sixth, Optional.of(path.get(0)), MAX_DEPTH)).isEqualTo(ParentOutcome.TOO_DEEP);
    assertThat(store.readLatest(sixth, AI_TOKENS, now).parent()).isEmpty();
    assertThat(setParent(sixth, Optional.of(path.get(1)), MAX_DEPTH)).isEqualTo(ParentOutcome.CHANGED);
  }

  /**
   * Pairs of tenants, each pair moved under each other by two threads at once: each move is fine alone, together they
   * would close a cycle, so exactly one of each pair is written.
   */
  @Test
  void twoMovesThatTogetherWouldCloseACycleAreNotBothWritten() {
    // Two pairs at a time: tree changes are serialized in the store (PostgreSQL: one lock), so more threads would
    // only queue, and the queue would wait on a connection pool sized for the usual concurrency.
    int threads = 4;
    int rounds = Math.min(operationsPerThread(), 10);
    List<List<TenantId[]>> pairs = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      List<TenantId[]> roundPairs = new ArrayList<>();
      for (int pair = 0; pair < threads / 2; pair++) {
        roundPairs.add(new TenantId[] {newTenant("a"), newTenant("b")});
      }
      pairs.add(roundPairs);
    }

    List<ParentOutcome> outcomes = Concurrently.run(threads, rounds, concurrencyTimeout(), (thread, round) -> {
      TenantId[] pair = pairs.get(round).get(thread / 2);
      TenantId tenant = pair[thread % 2];
      TenantId parent = pair[1 - thread % 2];
      return setParent(tenant, Optional.of(parent), MAX_DEPTH);
    });

    assertThat(outcomes).containsOnly(ParentOutcome.CHANGED, ParentOutcome.WOULD_CYCLE);
    assertThat(outcomes.stream().filter(o -> o == ParentOutcome.CHANGED).count()).isEqualTo((long) rounds * threads / 2);
    for (List<TenantId[]> roundPairs : pairs) {
      for (TenantId[] pair : roundPairs) {
        Optional<TenantId> parentOfA = store.readLatest(pair[0], AI_TOKENS, now).parent();
        Optional<TenantId> parentOfB = store.readLatest(pair[1], AI_TOKENS, now).parent();
        assertThat(parentOfA.isPresent() ^ parentOfB.isPresent()).as("exactly one of %s, %s has a parent", pair[0],
            pair[1]).isTrue();
      }
    }
  }

  @Test
  void childrenArePagedByTenantId() {
    TenantId parent = newTenant("parent");
    List<TenantId> children = new ArrayList<>();
    for (String label : List.of("kid-e", "kid-b", "kid-d", "kid-a", "kid-c")) {
      TenantId child = newTenant(label);
      attach(child, parent);
      children.add(child);
    }
    TenantId grandchild = newTenant("grandchild");
    attach(grandchild, children.get(0));
    List<TenantId> byId = children.stream().sorted((a, b) -> a.value().compareTo(b.value())).toList();

    Page<TenantId> first = store.children(parent, PageRequest.first(2));
    Page<TenantId> second = store.children(parent, PageRequest.first(2).next());
    Page<TenantId> third = store.children(parent, PageRequest.first(2).next().next());

    assertThat(first.items()).containsExactlyElementsOf(byId.subList(0, 2));
    assertThat(first.hasMore()).isTrue();
    assertThat(second.items()).containsExactlyElementsOf(byId.subList(2, 4));
    assertThat(third.items()).containsExactly(byId.get(4));
    assertThat(third.hasMore()).isFalse();
    assertThat(store.children(children.get(0), PageRequest.first(10)).items()).containsExactly(grandchild);
    assertThat(store.children(grandchild, PageRequest.first(10)).items()).isEmpty();
  }

  // --- usage and the tree over time: moves, purges, verify, compaction --------------------------------------

  @Test
  void aMoveLeavesRecordedUsageWhereItWasCountedAndNewUsageCountsUnderTheNewParent() {
    TenantId oldOrg = newTenant("old-org");
    TenantId newOrg = newTenant("new-org");
    TenantId member = newTenant("member");
    attach(member, oldOrg);
    store.consumePath(entry(member, 100, "before-move"), periods(List.of(member, oldOrg), now), true);

    attach(member, newOrg);
    store.consumePath(entry(member, 30, "after-move"), periods(List.of(member, newOrg), now), true);

    assertThat(used(oldOrg, Window.PERIOD)).isEqualTo(100);
    assertThat(used(newOrg, Window.PERIOD)).isEqualTo(30);
    assertThat(used(member, Window.PERIOD)).isEqualTo(130);
    assertConsistent(oldOrg, newOrg, member);
  }

  @Test
  void verifyMatchesEveryLevelAndWindowAfterPathWritesMovesAndPurges() {
    TenantId org = newTenant("org");
    TenantId teamA = newTenant("team-a");
    TenantId teamB = newTenant("team-b");
    TenantId member = newTenant("member");
    TenantId other = newTenant("other");
    attach(teamA, org);
    attach(teamB, org);
    attach(member, teamA);
    attach(other, teamB);
    Instant t1 = now;
    Instant t2 = now.plus(Duration.ofMinutes(3));
    Instant t3 = now.plus(Duration.ofMinutes(70));
    store.consumePath(entry(member, 10, "m1", t1), periodsAndMinutes(List.of(member, teamA, org), t1), true);
    store.consumePath(entry(other, 7, "o1", t1), periodsAndMinutes(List.of(other, teamB, org), t1), true);
    store.consumePath(entry(member, 20, "m2", t2), periodsAndMinutes(List.of(member, teamA, org), t2), true);

    attach(member, teamB);
    store.consumePath(entry(member, 40, "m3", t3), periodsAndMinutes(List.of(member, teamB, org), t3), true);
    store.consumePath(entry(other, 5, "o2", t3), periodsAndMinutes(List.of(other, teamB, org), t3), true);
    assertConsistent(org, teamA, teamB, member, other);
    assertThat(store.verify(org)).extracting(CounterCheck::period)
        .contains(NOVEMBER, Window.MINUTE.at(t1), Window.MINUTE.at(t2), Window.MINUTE.at(t3));

    store.purge(member, t2, summary -> audit(member, "purge"));

    assertConsistent(org, teamA, teamB, member, other);
    assertThat(used(org, Window.PERIOD)).isEqualTo(22);
    assertThat(stored(org, Window.MINUTE.at(t2), t2).used()).isZero();
    assertThat(stored(org, Window.MINUTE.at(t3), t3).used()).isEqualTo(5);
    assertThat(stored(teamA, NOVEMBER, t1).used()).isEqualTo(10);
    assertThat(stored(teamB, NOVEMBER, t1).used()).isEqualTo(12);
    assertThat(stored(member, NOVEMBER, t1).used()).isEqualTo(10);
  }

  @Test
  void aPurgeSubtractsTheEntriesFromEveryLevelAndWindowTheyCountedIn() {
    List<TenantId> path = chain("org", "member");
    TenantId member = path.get(0);
    PathWrite write = write(path,
        counter(member, Window.PERIOD, UNLIMITED),
        counter(member, Window.HOUR, UNLIMITED),
        counter(path.get(1), Window.PERIOD, UNLIMITED),
        counter(path.get(1), Window.MINUTE, UNLIMITED),
        counter(path.get(1), Window.DAY, UNLIMITED));
    store.consumePath(entry(member, 25, "a"), write, true);
    store.consumePath(entry(member, 35, "b"), write, true);

    store.purge(member, now, summary -> audit(member, "purge"));

    for (Window window : List.of(Window.PERIOD, Window.HOUR)) {
      assertThat(used(member, window)).as("member %s", window).isZero();
    }
    for (Window window : List.of(Window.PERIOD, Window.MINUTE, Window.DAY)) {
      assertThat(used(path.get(1), window)).as("org %s", window).isZero();
    }
    assertThat(store.verify(path.get(1))).allSatisfy(c -> assertThat(c.consistent()).as("%s", c).isTrue());
    assertThat(store.verify(member)).allSatisfy(c -> assertThat(c.consistent()).as("%s", c).isTrue());
  }

  @Test
  void compactionDeletesOnlyShortWindowsThatEndedAndNeverAPeriodCounter() {
    List<TenantId> path = chain("org", "member");
    TenantId member = path.get(0);
    Instant october = NOVEMBER_START.minus(Duration.ofDays(3));
    Period octoberPeriod = new Period(NOVEMBER_START.minus(Duration.ofDays(31)), NOVEMBER_START);
    store.consumePath(new LedgerEntry(member, AI_TOKENS, 4, UsageKey.of("october"), october, octoberPeriod, Map.of()),
        write(path, new PathCounter(member, Window.PERIOD, octoberPeriod, UNLIMITED, version(member)),
            new PathCounter(path.get(1), Window.PERIOD, octoberPeriod, UNLIMITED, version(path.get(1)))), true);
    Instant later = now.plus(Duration.ofMinutes(5));
    PathWrite early = write(path, counter(member, Window.PERIOD, UNLIMITED), counter(member, Window.MINUTE, UNLIMITED),
        counter(path.get(1), Window.PERIOD, UNLIMITED), counter(path.get(1), Window.HOUR, UNLIMITED));
    store.consumePath(entry(member, 10, "early"), early, true);
    store.consumePath(entry(member, 20, "later", later), periodsAndMinutes(path, later), true);

    // The minute of START ended at 10:01; the minute of 10:05 and the hour of 10:00 are still running at 10:03.
    Instant cutoff = now.plus(Duration.ofMinutes(3));
    assertThat(store.compactWindows(cutoff, 1)).as("one at most, and there is at least one").isEqualTo(1);
    int rounds = 0;
    while (store.compactWindows(cutoff, 1) == 1) {
      assertThat(++rounds).as("compaction ends").isLessThan(10_000);
    }

    assertThat(stored(member, Window.MINUTE.at(now), now).used()).as("the ended minute is gone").isZero();
    assertThat(store.verify(member)).extracting(CounterCheck::period).doesNotContain(Window.MINUTE.at(now))
        .contains(octoberPeriod, NOVEMBER, Window.MINUTE.at(later));
    assertThat(stored(member, Window.MINUTE.at(later), later).used()).isEqualTo(20);
    assertThat(stored(path.get(1), Window.MINUTE.at(later), later).used()).isEqualTo(20);
    assertThat(stored(path.get(1), Window.HOUR.at(now), now).used()).as("the hour has not ended").isEqualTo(10);
    assertThat(stored(member, NOVEMBER, now).used()).isEqualTo(30);
    assertThat(stored(path.get(1), NOVEMBER, now).used()).isEqualTo(30);
    assertThat(stored(path.get(1), octoberPeriod, october).used()).as("a period counter is never compacted")
        .isEqualTo(4);
    assertThat(store.compactWindows(DECEMBER_START, 1_000)).as("what is left of this test's windows")
        .isGreaterThanOrEqualTo(3);
    assertThat(stored(member, octoberPeriod, october).used()).isEqualTo(4);
    assertConsistent(member, path.get(1));

    // A purge after compaction subtracts from the counters still stored.
    store.purge(member, october, summary -> audit(member, "purge"));
    assertThat(stored(path.get(1), NOVEMBER, now).used()).isZero();
    assertThat(stored(path.get(1), octoberPeriod, october).used()).isZero();
    assertThat(store.verify(member)).allSatisfy(c -> assertThat(c.consistent()).as("%s", c).isTrue());
    assertThat(store.verify(path.get(1))).allSatisfy(c -> assertThat(c.consistent()).as("%s", c).isTrue());
  }

  /**
   * One thread moves a member between two organisations while the others write on its path as the guard does: read the
   * path, compute the write from its versions, and compute again when it comes back stale. Every write counts under
   * exactly the parent it was computed on, whichever side of a move it lands.
   */
  @Test
  void writesRacingMovesCountUnderThePathTheyWereComputedOn() {
    TenantId orgA = newTenant("org-a");
    TenantId orgB = newTenant("org-b");
    TenantId member = newTenant("member");
    attach(member, orgA);
    int threads = concurrentThreads();
    int operations = operationsPerThread();
    AtomicInteger keys = new AtomicInteger();

    List<Long> written = Concurrently.run(threads, operations, concurrencyTimeout(), (thread, op) -> {
      if (thread == 0) {
        assertThat(setParent(member, Optional.of(op % 2 == 0 ? orgB : orgA), MAX_DEPTH))
            .isEqualTo(ParentOutcome.CHANGED);
        return 0L;
      }
      LedgerEntry entry = entry(member, 1 + op % 3, "race-" + keys.incrementAndGet());
      for (int attempt = 0; attempt < 1_000; attempt++) {
        List<TenantState> states = store.readLatestPath(member, AI_TOKENS, now);
        List<TenantId> path = new ArrayList<>();
        path.add(member);
        states.get(0).parent().ifPresent(path::add);
        List<PathCounter> counters = new ArrayList<>();
        for (int level = 0; level < path.size(); level++) {
          counters.add(new PathCounter(path.get(level), Window.PERIOD, NOVEMBER, UNLIMITED,
              states.get(level).version()));
        }
        PathOutcome outcome = store.consumePath(entry, new PathWrite(path, counters), true);
        if (outcome instanceof PathOutcome.Written) {
          return entry.amount();
        }
        assertThat(outcome).isInstanceOf(PathOutcome.Stale.class);
      }
      throw new AssertionError("still stale after 1000 attempts");
    });

    long total = written.stream().mapToLong(Long::longValue).sum();
    assertThat(used(member, Window.PERIOD)).isEqualTo(total);
    assertThat(used(orgA, Window.PERIOD) + used(orgB, Window.PERIOD)).isEqualTo(total);
    assertConsistent(member, orgA);
    assertThat(store.verify(orgB)).allSatisfy(c -> assertThat(c.consistent()).as("%s", c).isTrue());
  }

  // --- crossing paths under contention -----------------------------------------------------------------------

  /**
   * Writes on four leaves of one tree, from many threads, each write listing its counters in an order of its own:
   * two writes share counters but list them in different orders, so a store that locked in list order instead of
   * {@link PathCounter#compareLockOrder} would deadlock. The root's period is the scarce counter.
   */
  @Test
  void crossingPathsFromManyThreadsNeitherDeadlockNorLoseAWrite() {
    TenantId root = newTenant("root");
    TenantId left = newTenant("left");
    TenantId right = newTenant("right");
    attach(left, root);
    attach(right, root);
    List<List<TenantId>> paths = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      TenantId parent = i % 2 == 0 ? left : right;
      TenantId leaf = newTenant("leaf" + i);
      attach(leaf, parent);
      paths.add(List.of(leaf, parent, root));
    }
    Map<TenantId, Long> versions = new HashMap<>();
    for (TenantId tenant : List.of(root, left, right)) {
      versions.put(tenant, version(tenant));
    }
    paths.forEach(p -> versions.put(p.get(0), version(p.get(0))));
    int threads = concurrentThreads();
    int operations = operationsPerThread();
    long rootLimit = (long) threads * operations; // about half of what is tried
    AtomicInteger keys = new AtomicInteger();

    List<Long> written = Concurrently.run(threads, operations, concurrencyTimeout(), (thread, op) -> {
      Random random = new Random(31L * thread + op);
      List<TenantId> path = paths.get(thread % paths.size());
      List<PathCounter> counters = new ArrayList<>();
      for (TenantId level : path) {
        long ceiling = level.equals(root) ? rootLimit : UNLIMITED;
        long version = versions.getOrDefault(level, 0L);
        counters.add(new PathCounter(level, Window.PERIOD, NOVEMBER, ceiling, version));
        counters.add(new PathCounter(level, Window.MINUTE, Window.MINUTE.at(now), UNLIMITED, version));
      }
      Collections.shuffle(counters, random);
      PathWrite write = new PathWrite(path, counters);
      long amount = 1 + random.nextInt(3);
      if (op % 5 == 4) {
        // A hold taken and released: it must leave nothing behind.
        StoredReservation reservation = hold(path.get(0), amount, Duration.ofMinutes(10));
        if (store.reservePath(reservation, write, true, now) instanceof PathOutcome.Written) {
          assertThat(store.release(path.get(0), reservation.id(), now)).isEqualTo(ReleaseOutcome.RELEASED);
        }
        return 0L;
      }
      PathOutcome outcome = store.consumePath(entry(path.get(0), amount, "w" + keys.incrementAndGet()), write, true);
      assertThat(outcome).isInstanceOfAny(PathOutcome.Written.class, PathOutcome.Insufficient.class);
      return outcome instanceof PathOutcome.Written ? amount : 0L;
    });

    long total = written.stream().mapToLong(Long::longValue).sum();
    assertThat(total).as("some writes were refused at the root").isPositive().isLessThanOrEqualTo(rootLimit);
    assertThat(stored(root, Window.PERIOD)).extracting(Counter::used, Counter::reserved).containsExactly(total, 0L);
    assertThat(used(root, Window.MINUTE)).isEqualTo(total);
    long leaves = 0;
    for (List<TenantId> path : paths) {
      leaves += used(path.get(0), Window.PERIOD);
      assertThat(reserved(path.get(0), Window.PERIOD)).isZero();
      assertThat(used(path.get(0), Window.MINUTE)).isEqualTo(used(path.get(0), Window.PERIOD));
    }
    assertThat(leaves).isEqualTo(total);
    assertThat(used(left, Window.PERIOD) + used(right, Window.PERIOD)).isEqualTo(total);
    assertThat(used(left, Window.PERIOD)).isEqualTo(used(paths.get(0).get(0), Window.PERIOD)
        + used(paths.get(2).get(0), Window.PERIOD));
    assertConsistent(root);
    for (TenantId tenant : List.of(left, right, paths.get(0).get(0), paths.get(1).get(0), paths.get(2).get(0),
        paths.get(3).get(0))) {
      assertThat(store.verify(tenant)).as("verify(%s)", tenant)
          .allSatisfy(c -> assertThat(c.consistent()).as("%s", c).isTrue());
    }
  }
}

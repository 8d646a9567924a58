package dev.quota.testkit.contract;

import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.admin.Actor;
import dev.quota.admin.QuotaAdmin;
import dev.quota.spi.QuotaStore;
import dev.quota.testkit.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;

/**
 * The behaviour every {@link QuotaStore} must show, written once and run against every backend: extend
 * this class, implement {@link #createStore()}, and the whole suite runs as the backend's own tests.
 *
 * {@snippet :
 * class PostgresQuotaStoreTest extends QuotaStoreContract {
 *   @Override
 *   protected QuotaStore createStore() {
 *     return PostgresQuotaStore.builder().dataSource(dataSource).build();
 *   }
 * }
 * }
 *
 * <p>Every test builds a {@link Quota} over the store with a {@link TestClock} (never the wall clock) and
 * asserts only through the public API ({@link QuotaGuard}, {@link QuotaAdmin}, {@link QuotaAdmin#verify}),
 * never through the backend's internals; so the same policy, as quota-core computes it, is checked against
 * what each store keeps.
 *
 * <p>The behaviours are grouped by concern, each group a class of its own in this package ({@link LimitsContract},
 * {@link PeriodsContract}, {@link ConcurrencyContract}, ...). This class enters every group through a
 * {@link Nested} class of the group's name ({@link Limits}, {@link Periods}, ...) that hands the group this
 * instance, so JUnit runs every group under the backend's test class, with the store {@link #createStore()}
 * made for each test. A backend extends this class only, never a group.
 *
 * <p>A backend may hand every test a store over one shared database, even one kept from earlier runs: each
 * test works on tenants of its own (ids with a random part), the listing tests use a meter of their own,
 * and the whole audit log is read only to check that a refused call added nothing to it; so tests never see
 * each other's data. Tests run one after another; within a test, the concurrency tests use
 * {@link #concurrentThreads()} threads. Instants are whole milliseconds, which every database keeps exactly.
 *
 * <p>Not covered here: the guard's {@link dev.quota.FailurePolicy}, which needs a store that fails on
 * purpose; backends test their own failure handling.
 */
public abstract class QuotaStoreContract {
  /** Where every test's clock starts: 2026-11-25 10:00 UTC, a Wednesday late in a 30-day month. */
  protected static final Instant START = Instant.parse("2026-11-25T10:00:00Z");
  /** The actor of every admin change the suite makes. */
  protected static final Actor OPERATOR = Actor.of("ops@example.com");
  /** The reason given for admin changes whose reason is not under test. */
  protected static final String REASON = "SUP-1234: customer demo tomorrow";

  private QuotaStore store;
  private TestClock clock;
  private String testId;
  private int tenantCount;

  /** For a backend's test class, which extends this one. */
  protected QuotaStoreContract() {}

  /**
   * Returns the store one test runs on. Called once per test, before anything else of the test; the
   * suite never calls it twice for one test. Return a new, empty store, or one over a database shared by
   * all tests (the suite isolates itself by tenant id).
   *
   * @return the store under test
   */
  protected abstract QuotaStore createStore();

  /**
   * Called after each test with the store {@link #createStore()} returned, to close or clean it. Does
   * nothing by default.
   *
   * @param store the test's store
   */
  protected void cleanUp(QuotaStore store) {}

  /**
   * The number of threads the concurrency tests start at once; 16 by default, at least 2.
   *
   * @return the thread count
   */
  protected int concurrentThreads() {
    return 16;
  }

  /**
   * The number of operations each thread of a concurrency test makes; 50 by default. Lower it for a store
   * whose round trips are slow, to keep each concurrency test within a few seconds.
   *
   * @return the operations per thread, at least 1
   */
  protected int operationsPerThread() {
    return 50;
  }

  /**
   * The longest the threads of a concurrency test may take before it fails; 30 seconds by default. A bound
   * against a hung store, far above what a correct one needs. Must stay below
   * {@value ConcurrencyContract#TIME_LIMIT_MINUTES} minutes, the limit of each concurrency test as a whole.
   *
   * @return the time limit
   */
  protected Duration concurrencyTimeout() {
    return Duration.ofSeconds(30);
  }

  @BeforeEach
  final void openStore() {
    testId = UUID.randomUUID().toString().substring(0, 8);
    tenantCount = 0;
    clock = TestClock.at(START);
    store = Objects.requireNonNull(createStore(), "createStore() returned null");
  }

  @AfterEach
  final void closeStore() {
    if (store != null) {
      cleanUp(store);
    }
  }

  /**
   * The current test's store, for tests a backend adds of its own.
   *
   * @return the store {@link #createStore()} returned for this test
   */
  protected final QuotaStore store() {
    return store;
  }

  /**
   * The current test's clock, which starts at {@link #START} and moves only when the test moves it.
   *
   * @return the clock
   */
  protected final TestClock clock() {
    return clock;
  }

  /**
   * A builder for a {@link Quota} over this test's store and clock, with every other setting at its
   * default.
   *
   * @return the builder
   */
  protected final Quota.Builder quotaBuilder() {
    return Quota.builder().store(store).clock(clock);
  }

  /**
   * A tenant no other test uses: the label, then this test's random id and a counter.
   *
   * @param label what the tenant is for, to read in failures
   * @return a fresh tenant id
   */
  protected final TenantId newTenant(String label) {
    return TenantId.of(label + "-" + testId + "-" + (++tenantCount));
  }

  /** The random part of this test's tenant ids, for names that must not meet other tests'. */
  final String testId() {
    return testId;
  }

  // --- the groups: one line each; the tests are in the group's own class --------------------------------

  /** {@link UsageHistoryContract}, on this contract's store. */
  @Nested
  public class UsageHistories extends UsageHistoryContract {
    UsageHistories() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link LimitsContract}, on this contract's store. */
  @Nested
  public class Limits extends LimitsContract {
    Limits() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link PeriodsContract}, on this contract's store. */
  @Nested
  public class Periods extends PeriodsContract {
    Periods() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link IdempotencyContract}, on this contract's store. */
  @Nested
  public class Idempotency extends IdempotencyContract {
    Idempotency() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link ConcurrencyContract}, on this contract's store. */
  @Nested
  public class Concurrency extends ConcurrencyContract {
    Concurrency() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link ReservationsContract}, on this contract's store. */
  @Nested
  public class Reservations extends ReservationsContract {
    Reservations() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link ResetUsageContract}, on this contract's store. */
  @Nested
  public class ResetUsage extends ResetUsageContract {
    ResetUsage() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link OneTimeCreditContract}, on this contract's store. */
  @Nested
  public class OneTimeCredits extends OneTimeCreditContract {
    OneTimeCredits() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link RolloverContract}, on this contract's store. */
  @Nested
  public class Rollovers extends RolloverContract {
    Rollovers() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link LimitOverrideContract}, on this contract's store. */
  @Nested
  public class LimitOverrides extends LimitOverrideContract {
    LimitOverrides() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link GrantCreditContract}, on this contract's store. */
  @Nested
  public class GrantCredit extends GrantCreditContract {
    GrantCredit() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link OverrideTierContract}, on this contract's store. */
  @Nested
  public class OverrideTier extends OverrideTierContract {
    OverrideTier() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link BypassesContract}, on this contract's store. */
  @Nested
  public class Bypasses extends BypassesContract {
    Bypasses() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link RevokeContract}, on this contract's store. */
  @Nested
  public class Revoke extends RevokeContract {
    Revoke() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link SetPlanContract}, on this contract's store. */
  @Nested
  public class SetPlan extends SetPlanContract {
    SetPlan() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link ListUsageContract}, on this contract's store. */
  @Nested
  public class ListUsage extends ListUsageContract {
    ListUsage() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link PurgeUsageContract}, on this contract's store. */
  @Nested
  public class PurgeUsage extends PurgeUsageContract {
    PurgeUsage() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link AuditContract}, on this contract's store. */
  @Nested
  public class Audit extends AuditContract {
    Audit() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link LedgerContract}, on this contract's store. */
  @Nested
  public class Ledger extends LedgerContract {
    Ledger() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link AuthorizationContract}, on this contract's store. */
  @Nested
  public class Authorization extends AuthorizationContract {
    Authorization() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link AlertsContract}, on this contract's store. */
  @Nested
  public class Alerts extends AlertsContract {
    Alerts() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link NotificationOutboxContract}, on this contract's store. */
  @Nested
  public class NotificationOutbox extends NotificationOutboxContract {
    NotificationOutbox() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link ShadowModeContract}, on this contract's store. */
  @Nested
  public class ShadowMode extends ShadowModeContract {
    ShadowMode() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link PlanFallbacksContract}, on this contract's store. */
  @Nested
  public class PlanFallbacks extends PlanFallbacksContract {
    PlanFallbacks() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link BadInputContract}, on this contract's store. */
  @Nested
  public class BadInput extends BadInputContract {
    BadInput() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link UsageOwnershipContract}, on this contract's store. */
  @Nested
  public class UsageOwnership extends UsageOwnershipContract {
    UsageOwnership() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link KnownTenantsContract}, on this contract's store. */
  @Nested
  public class KnownTenants extends KnownTenantsContract {
    KnownTenants() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link StoreGuaranteesContract}, on this contract's store. */
  @Nested
  public class StoreGuarantees extends StoreGuaranteesContract {
    StoreGuarantees() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link UsageListingContract}, on this contract's store. */
  @Nested
  public class UsageListing extends UsageListingContract {
    UsageListing() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link AuditQueryContract}, on this contract's store. */
  @Nested
  public class AuditQueries extends AuditQueryContract {
    AuditQueries() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link ServiceRecordContract}, on this contract's store. */
  @Nested
  public class ServiceRecords extends ServiceRecordContract {
    ServiceRecords() {
      super(QuotaStoreContract.this);
    }
  }

  /** {@link PathStoreContract}, on this contract's store. */
  @Nested
  public class PathStore extends PathStoreContract {
    PathStore() {
      super(QuotaStoreContract.this);
    }
  }
}

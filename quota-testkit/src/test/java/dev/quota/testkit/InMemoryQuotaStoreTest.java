package dev.quota.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.spi.QuotaStore;
import dev.quota.testkit.contract.QuotaStoreContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;

/** The reference store passes the contract every backend must pass. */
class InMemoryQuotaStoreTest extends QuotaStoreContract {
  private static final AtomicInteger CREATED = new AtomicInteger();
  private static final AtomicInteger CLEANED = new AtomicInteger();

  @Override
  protected QuotaStore createStore() {
    CREATED.incrementAndGet();
    return new InMemoryQuotaStore();
  }

  @Override
  protected void cleanUp(QuotaStore store) {
    CLEANED.incrementAndGet();
    ((InMemoryQuotaStore) store).clear();
  }

  // Runs after every nested class: each test got a store of its own, and each store was cleaned up.
  @AfterAll
  static void everyStoreCreatedWasCleanedUp() {
    assertThat(CREATED.get()).isPositive().isEqualTo(CLEANED.get());
  }
}

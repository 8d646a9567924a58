package dev.quota.testkit;

import dev.quota.spi.QuotaStore;
import dev.quota.testkit.contract.QuotaStoreContract;

/** The reference store passes the contract every backend must pass. */
class InMemoryQuotaStoreTest extends QuotaStoreContract {

  @Override
  protected QuotaStore createStore() {
    return new InMemoryQuotaStore();
  }
}

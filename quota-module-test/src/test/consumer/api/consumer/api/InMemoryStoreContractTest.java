package consumer.api;

import dev.quota.spi.QuotaStore;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.contract.QuotaStoreContract;

/** A user's backend test: the contract suite, inherited from quota-testkit, run against the in-memory store. */
public class InMemoryStoreContractTest extends QuotaStoreContract {
  @Override
  protected QuotaStore createStore() {
    return new InMemoryQuotaStore();
  }
}

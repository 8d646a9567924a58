package dev.quota.jooq;

import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.spi.QuotaStore;
import dev.quota.testkit.contract.QuotaStoreContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole contract suite of quota-testkit against PostgreSQL, with the cache on (its default). */
class PostgresQuotaStoreContractTest extends QuotaStoreContract {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  @Override
  protected QuotaStore createStore() {
    return PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema()).build();
  }

  @Override
  protected void cleanUp(QuotaStore store) {
    ((PostgresQuotaStore) store).close();
  }
}

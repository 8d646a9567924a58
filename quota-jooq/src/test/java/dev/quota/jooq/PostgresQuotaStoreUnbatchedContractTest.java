package dev.quota.jooq;

import dev.quota.jooq.testsupport.PostgresDatabase;
import dev.quota.spi.QuotaStore;
import dev.quota.testkit.contract.QuotaStoreContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole contract suite against PostgreSQL with combining and group commit off: one request per transaction. */
class PostgresQuotaStoreUnbatchedContractTest extends QuotaStoreContract {
  @RegisterExtension
  static final PostgresDatabase DB = new PostgresDatabase();

  @Override
  protected QuotaStore createStore() {
    return PostgresQuotaStore.builder().dataSource(DB.dataSource()).schema(DB.schema())
        .combineConsumes(false).groupCommitRecords(false).build();
  }

  @Override
  protected void cleanUp(QuotaStore store) {
    ((PostgresQuotaStore) store).close();
  }
}

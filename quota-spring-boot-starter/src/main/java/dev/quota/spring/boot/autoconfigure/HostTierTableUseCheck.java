package dev.quota.spring.boot.autoconfigure;

import dev.quota.spi.QuotaStore;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * Warns at start-up when {@code quota.host-tier-table.table} is set but the {@link QuotaStore} in use does not read
 * that table: a store of the application's own (typically the in-memory store of a {@code @SpringBootTest}) that was
 * not given the {@link QuotaHostTierTable} bean. Its tenants' tiers then come from the store's own plans, and a pro
 * tenant in the table is silently treated as one without a plan.
 *
 * <p>A store reads the table when the starter built it from the properties, or when its bean was made with the
 * {@link QuotaHostTierTable} bean injected (Spring records that the one depends on the other).
 */
final class HostTierTableUseCheck implements SmartInitializingSingleton {
  private static final Logger LOG = LoggerFactory.getLogger(HostTierTableUseCheck.class);

  private final String table;
  private final ConfigurableListableBeanFactory beans;

  /**
   * @param table the value of {@code quota.host-tier-table.table}
   * @param beans the application's beans
   */
  HostTierTableUseCheck(String table, ConfigurableListableBeanFactory beans) {
    this.table = table;
    this.beans = beans;
  }

  @Override
  public void afterSingletonsInstantiated() {
    if (beans.getBeanNamesForType(QuotaStoreConfiguration.class).length > 0) {
      return; // the starter built the store, from these very properties
    }
    List<String> tables = List.of(beans.getBeanNamesForType(QuotaHostTierTable.class));
    for (String store : beans.getBeanNamesForType(QuotaStore.class)) {
      boolean given = Arrays.stream(beans.getDependenciesForBean(store)).anyMatch(tables::contains);
      if (!given) {
        Class<?> type = beans.getType(store);
        LOG.warn("quota: quota.host-tier-table.table={} is set, but the application's own QuotaStore bean '{}' ({}) "
            + "does not read that table, so tenants' tiers come from that store's own plans: a tenant on 'pro' in "
            + "the table is treated as one without a plan. Give the store the table, for example in tests "
            + "@Bean QuotaStore quotaStore(QuotaHostTierTable table) {{ return InMemoryQuotaStore.builder()"
            + ".plansFrom(table::tierOf).build(); }}, or remove quota.host-tier-table.* from this application's "
            + "properties.", table, store, type == null ? "of unknown type" : type.getSimpleName());
      }
    }
  }
}

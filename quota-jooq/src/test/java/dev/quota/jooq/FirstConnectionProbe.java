package dev.quota.jooq;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.admin.Actor;

/**
 * A service's first moments with quota, in a JVM of its own so that jOOQ's once-per-JVM log lines are its own: builds
 * the store on a pool, writes a plan and reads the tenant's usage, and ends. {@link JooqVersionNoticeTest}
 * reads what it logged.
 */
final class FirstConnectionProbe {
  private FirstConnectionProbe() {}

  /** @param args the JDBC URL and the schema, which has quota's tables */
  public static void main(String[] args) {
    HikariConfig pool = new HikariConfig();
    pool.setJdbcUrl(args[0]);
    pool.setMaximumPoolSize(2);
    try (HikariDataSource dataSource = new HikariDataSource(pool);
        PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(dataSource).schema(args[1]).build()) {
      Quota quota = Quota.builder().store(store).build();
      TenantId tenant = TenantId.of("first-connection");
      quota.admin().setPlan(tenant, Plan.of(Tier.PRO), Actor.of("ops"), "signup");
      System.out.println("used " + quota.guard().usage(tenant).used());
    }
  }
}

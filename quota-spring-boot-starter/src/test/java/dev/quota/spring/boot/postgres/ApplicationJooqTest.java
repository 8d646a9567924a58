package dev.quota.spring.boot.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.QuotaAdmin;
import dev.quota.jooq.PostgresQuotaStore;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.ExecuteListenerProvider;
import org.jooq.impl.DefaultExecuteListenerProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jooq.autoconfigure.JooqAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.transaction.support.TransactionTemplate;

/** With jOOQ's starter, the store takes the application's DSLContext settings but runs its own transactions. */
class ApplicationJooqTest {
  @RegisterExtension
  static final TestDatabase database = new TestDatabase();

  private static final TenantId ACME = TenantId.of("acme");

  private final AtomicInteger statements = new AtomicInteger();

  private ApplicationContextRunner runner() {
    return PostgresRunner.forSchema(database.schema())
        .withConfiguration(AutoConfigurations.of(JooqAutoConfiguration.class,
            DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class))
        .withBean("countingListener", ExecuteListenerProvider.class, () -> new DefaultExecuteListenerProvider(
            new ExecuteListener() {
              @Override
              public void executeStart(ExecuteContext ctx) {
                statements.incrementAndGet();
              }
            }));
  }

  @Test
  void theStoresJooqStatementsRunWithTheApplicationsJooqListeners() {
    // Admin changes are built and run by jOOQ on the application's settings, so its listeners see them. (The
    // hot paths run statements jOOQ rendered once, over JDBC, and are timed by quota-micrometer instead.)
    runner().run(context -> {
      assertThat(context).hasSingleBean(DSLContext.class).hasSingleBean(PostgresQuotaStore.class);
      int before = statements.get();

      context.getBean(QuotaAdmin.class).setPlan(ACME, Plan.of(Tier.PRO), Actor.of("billing"), "signed up");

      assertThat(statements.get()).isGreaterThan(before);
    });
  }

  @Test
  void usageIsCommittedByQuotaEvenWhenTheCallersTransactionRollsBack() throws Exception {
    String host = database.hostSchema();
    database.execute("CREATE SCHEMA \"" + host + "\"");
    database.execute("CREATE TABLE \"" + host + "\".ai_session (id text PRIMARY KEY)");
    runner().run(context -> {
      DSLContext dsl = context.getBean(DSLContext.class);
      QuotaGuard guard = context.getBean(QuotaGuard.class);

      new TransactionTemplate(context.getBean(org.springframework.transaction.PlatformTransactionManager.class))
          .executeWithoutResult(status -> {
            dsl.execute("INSERT INTO \"" + host + "\".ai_session (id) VALUES ('s-1')");
            guard.tryConsume(ACME, Meter.AI_TOKENS, 1_200, UsageKey.of("s-1"));
            status.setRollbackOnly();
          });

      // The application's row was rolled back with its transaction; quota's usage was committed on its own.
      assertThat(dsl.fetchCount(org.jooq.impl.DSL.table(org.jooq.impl.DSL.name(host, "ai_session")))).isZero();
      assertThat(guard.usage(ACME).used()).isEqualTo(1_200);
    });
  }
}

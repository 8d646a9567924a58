package dev.quota.spring.boot.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.spring.boot.actuate.QuotaEndpoint;
import dev.quota.spring.boot.actuate.QuotaEndpointWebExtension;
import dev.quota.spring.boot.autoconfigure.QuotaEndpointAutoConfiguration;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * In a running application, every failure of quota's store is either bad input or a store failure the failure
 * policy decides, logged once; the actuator endpoint answers 400 or 503 rather than 500.
 */
@ExtendWith(OutputCaptureExtension.class)
class StoreFailuresTest {
  @RegisterExtension
  static final TestDatabase database = new TestDatabase();

  private static final TenantId ACME = TenantId.of("acme");
  private static final String OUTAGE = "quota store unavailable, applying failure policy";

  private ApplicationContextRunner runner(String schema) {
    return PostgresRunner.forSchema(schema)
        .withConfiguration(AutoConfigurations.of(QuotaEndpointAutoConfiguration.class))
        .withPropertyValues("management.endpoints.web.exposure.include=quota", "quota.cache.enabled=false");
  }

  @Test
  void tablesDroppedAtRuntimeAreDecidedByTheFailurePolicyAndLoggedOnce(CapturedOutput output) {
    String schema = database.schema("dropped");
    runner(schema).run(context -> {
      QuotaGuard guard = context.getBean(QuotaGuard.class);
      assertThat(guard.canProceed(ACME)).isTrue();

      database.execute("DROP SCHEMA \"" + schema + "\" CASCADE");

      assertThat(guard.canProceed(ACME)).isFalse();
      ConsumeResult consumed = guard.tryConsume(ACME, Meter.AI_TOKENS, 1, UsageKey.of("s-1"));
      assertThat(consumed.outcome()).isEqualTo(ConsumeResult.Outcome.DENIED);
      assertThat(consumed.decision().reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
      assertThat(guard.reserve(ACME, Meter.AI_TOKENS, 10, Duration.ofMinutes(1)).granted()).isFalse();
      assertThatThrownBy(() -> guard.usage(ACME)).isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("does not exist");
    });
    assertThat(output).containsOnlyOnce(OUTAGE);
  }

  @Test
  void tablesDroppedAtRuntimeLetCallsThroughUnderTheAllowPolicy() {
    String schema = database.schema("allowed");
    runner(schema).withPropertyValues("quota.failure.policy=allow").run(context -> {
      QuotaGuard guard = context.getBean(QuotaGuard.class);
      database.execute("DROP SCHEMA \"" + schema + "\" CASCADE");

      assertThat(guard.canProceed(ACME)).isTrue();
      assertThat(guard.tryConsume(ACME, Meter.AI_TOKENS, 1, UsageKey.of("s-1")).outcome())
          .isEqualTo(ConsumeResult.Outcome.ALLOWED_UNRECORDED);
    });
  }

  @Test
  void theEndpointAnswers503WithTheReasonWhileTheStoreCannotServe(CapturedOutput output) {
    String schema = database.schema("endpoint");
    runner(schema).run(context -> {
      QuotaEndpointWebExtension web = context.getBean(QuotaEndpointWebExtension.class);
      assertThat(web.usage(new String[] {"acme"}).getStatus()).isEqualTo(WebEndpointResponse.STATUS_OK);

      database.execute("DROP SCHEMA \"" + schema + "\" CASCADE");
      WebEndpointResponse<Object> response = web.usage(new String[] {"acme"});

      assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
      assertThat(response.getBody()).isInstanceOfSatisfying(QuotaEndpointWebExtension.Unavailable.class, body -> {
        assertThat(body.tenant()).isEqualTo("acme");
        assertThat(body.error()).isEqualTo("quota's store is unavailable");
        assertThat(body.message()).contains("does not exist");
      });
      web.usage(new String[] {"acme"});
    });
    assertThat(output).containsOnlyOnce(OUTAGE);
  }

  @Test
  void aTenantIdThatIsNoBigintForABigintHostIdColumnIsBadInput() throws Exception {
    String host = database.schema("bigint_host");
    database.execute("CREATE SCHEMA \"" + host + "\"");
    database.execute("CREATE TABLE \"" + host + "\".app_user (id bigint PRIMARY KEY, tier text)");
    runner(database.schema("bigint")).withPropertyValues("quota.host-tier-table.schema=" + host,
        "quota.host-tier-table.table=app_user", "quota.host-tier-table.id-type=bigint").run(context -> {
          QuotaGuard guard = context.getBean(QuotaGuard.class);

          assertThatThrownBy(() -> guard.canProceed(ACME))
              .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                assertThat(e.field()).isEqualTo("tenant");
                assertThat(e.rule()).startsWith("must be a bigint, the type of the id column of the host's plan table");
              });
          assertThatThrownBy(() -> guard.tryConsume(ACME, Meter.AI_TOKENS, 1, UsageKey.of("k")))
              .isInstanceOf(InvalidRequestException.class);
          assertThatThrownBy(() -> context.getBean(QuotaEndpoint.class).usage(new String[] {"acme"}))
              .isInstanceOf(InvalidEndpointRequestException.class)
              .hasMessageStartingWith("tenant must be a bigint");
          assertThatThrownBy(() -> context.getBean(QuotaEndpointWebExtension.class).usage(new String[] {"acme"}))
              .isInstanceOf(InvalidEndpointRequestException.class);
          assertThat(guard.canProceed(TenantId.of("7"))).isTrue();
        });
  }
}

package dev.quota.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quota.TenantId;
import dev.quota.admin.Actor;
import dev.quota.admin.QuotaAdmin;
import dev.quota.alert.ThresholdAlert;
import dev.quota.jooq.testsupport.PostgresDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Drives the planner over HTTP against a real PostgreSQL, in schemas of its own, set by its one property
 * {@code planner.schema}: the planner's account table (created by its Flyway migration) and quota's tables (migrated
 * by the starter, in {@code <planner.schema>_quota}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PlannerApplicationTest {
  private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
  private static final String APP_SCHEMA = "qe_planner_" + SUFFIX;
  private static final String QUOTA_SCHEMA = APP_SCHEMA + "_quota";
  /** 100 words: the simulated model spends 30,000 tokens on it. */
  private static final String PROMPT = "plan the launch ".repeat(33) + "now";

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @LocalServerPort
  int port;

  @Autowired
  ThresholdAlerts alerts;

  @Autowired
  QuotaAdmin admin;

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", PostgresDatabase::url);
    registry.add("planner.schema", () -> APP_SCHEMA);
    // the local SMTP sink on a free port, not 3025, which another run may hold
    int mailSinkPort = FreePort.find();
    registry.add("planner.mail-sink.port", () -> mailSinkPort); // the one property that moves the example to other schemas
  }

  @AfterAll
  static void dropSchemas() throws SQLException {
    try (Connection c = DriverManager.getConnection(PostgresDatabase.url()); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS \"" + APP_SCHEMA + "\" CASCADE");
      s.execute("DROP SCHEMA IF EXISTS \"" + QUOTA_SCHEMA + "\" CASCADE");
    }
  }

  @Test
  void aFreeTenantIsBlockedAtItsLimitWithTheReasonAndWhatRemains() throws Exception {
    for (int call = 1; call <= 3; call++) {
      HttpResponse<String> ok = plan("acme", 40_000);
      assertThat(ok.statusCode()).as("call %d", call).isEqualTo(200);
      assertThat(json(ok).get("tokensUsed").asLong()).isEqualTo(30_000);
    }

    HttpResponse<String> blocked = plan("acme", 40_000);

    assertThat(blocked.statusCode()).isEqualTo(429);
    JsonNode refusal = json(blocked);
    assertThat(refusal.get("reason").asString()).isEqualTo("INSUFFICIENT_BALANCE");
    assertThat(refusal.get("remaining").asLong()).isEqualTo(10_000);
    JsonNode usage = json(get("/tenants/acme/usage"));
    assertThat(usage.get("tier").asString()).isEqualTo("free");
    assertThat(usage.get("used").asLong()).isEqualTo(90_000);
  }

  @Test
  void aProTenantFromTheAccountTableIsNotBlockedByTheSameCalls() throws Exception {
    for (int call = 1; call <= 4; call++) {
      assertThat(plan("globex", 40_000).statusCode()).as("call %d", call).isEqualTo(200);
    }
    JsonNode usage = json(get("/tenants/globex/usage"));
    assertThat(usage.get("tier").asString()).isEqualTo("pro");
    assertThat(usage.get("remaining").asLong()).isEqualTo(1_000_000 - 120_000);
  }

  @Test
  void crossingEightyAndNinetyPercentPublishesThresholdEventsAndSendsEmails() throws Exception {
    for (int call = 1; call <= 3; call++) {
      assertThat(plan("initech", 40_000).statusCode()).isEqualTo(200);
    }

    // delivered from quota's outbox on its dispatcher's thread, which polls every second
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(alerts.recent())
        .filteredOn(alert -> alert.tenant().equals(TenantId.of("initech")))
        .extracting(ThresholdAlert::thresholdPercent)
        .containsExactly(80, 90));
    // and as e-mails, over SMTP to the local sink, for billing_email of the planner's account table
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(mailSink())
        .filteredOn(line -> line.startsWith("billing@initech.example: initech has used "))
        .hasSize(2));
  }

  private List<String> mailSink() throws IOException, InterruptedException {
    HttpResponse<String> response = get("/mail-sink");
    assertThat(response.statusCode()).isEqualTo(200);
    List<String> lines = new ArrayList<>();
    json(response).forEach(line -> lines.add(line.asString()));
    return lines;
  }

  @Test
  void theQuotaActuatorEndpointReportsOneTenantsUsage() throws Exception {
    assertThat(plan("hooli", 40_000).statusCode()).isEqualTo(200);

    HttpResponse<String> response = get("/actuator/quota/hooli");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode tokens = json(response).get("meters").get(0);
    assertThat(tokens.get("meter").asString()).isEqualTo("ai-tokens");
    assertThat(tokens.get("plannedTier").asString()).isEqualTo("free");
    assertThat(tokens.get("tierSource").asString()).isEqualTo("PLAN");
    assertThat(tokens.get("limit").asLong()).isEqualTo(100_000);
    assertThat(tokens.get("used").asLong()).isEqualTo(30_000);
    assertThat(tokens.get("remaining").asLong()).isEqualTo(70_000);
  }

  @Test
  void aTenantWithoutAnAccountFallsBackToTheDefaultTier() throws Exception {
    JsonNode tokens = json(get("/actuator/quota/walk-in")).get("meters").get(0);

    assertThat(tokens.get("plannedTier").isNull()).isTrue();
    assertThat(tokens.get("effectiveTier").asString()).isEqualTo("free");
    assertThat(tokens.get("tierSource").asString()).isEqualTo("DEFAULT_WITHOUT_PLAN");
  }

  @Test
  void metricsCountDecisionsByOutcomeAndTimeTheDatabaseCalls() throws Exception {
    HttpResponse<String> tooBig = plan("hooli-metrics", 500_000);
    assertThat(tooBig.statusCode()).isEqualTo(429);

    JsonNode denied = json(get("/actuator/metrics/quota.decisions?tag=outcome:denied&tag=operation:reserve"));
    JsonNode reserves = json(get("/actuator/metrics/quota.store.calls?tag=operation:reserve"));

    assertThat(denied.get("measurements").get(0).get("value").asDouble()).isGreaterThanOrEqualTo(1);
    assertThat(reserves.get("measurements").get(0).get("statistic").asString()).isEqualTo("COUNT");
    assertThat(reserves.get("measurements").get(0).get("value").asDouble()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void healthShowsQuotasDatabaseReachable() throws Exception {
    JsonNode quota = json(get("/actuator/health")).get("components").get("quota");

    assertThat(quota.get("status").asString()).isEqualTo("UP");
    assertThat(quota.get("details").get("database").asString()).isEqualTo("reachable");
    assertThat(quota.get("details").get("schema").asString()).isEqualTo(QUOTA_SCHEMA);
  }

  @Test
  void aTenantUnblockedByAnOperatorSeesNothingUsedWhileOperatorsSeeTheRealUsage() throws Exception {
    for (int call = 1; call <= 3; call++) {
      assertThat(plan("umbrella", 40_000).statusCode()).as("call %d", call).isEqualTo(200);
    }
    assertThat(plan("umbrella", 40_000).statusCode()).isEqualTo(429);

    admin.resetUsage(TenantId.of("umbrella"), Actor.of("ops"), "JIRA-123: demo tomorrow");

    JsonNode page = json(get("/tenants/umbrella/usage"));
    assertThat(page.get("tenant").asString()).isEqualTo("umbrella");
    assertThat(page.get("meter").asString()).isEqualTo("ai-tokens");
    assertThat(page.get("allowance").asLong()).isEqualTo(100_000);
    assertThat(page.get("used").asLong()).isZero();
    assertThat(page.get("percentUsed").asDouble()).isZero();
    assertThat(page.get("remaining").asLong()).isEqualTo(100_000);
    assertThat(page.get("blocked").asBoolean()).isFalse();
    assertThat(page.get("resetsAt").asString()).endsWith("T00:00:00Z");
    JsonNode operators = json(get("/actuator/quota/umbrella")).get("meters").get(0);
    assertThat(operators.get("used").asLong()).isEqualTo(90_000);
    assertThat(operators.get("granted").asLong()).isEqualTo(90_000);
    assertThat(operators.get("activeEntitlements").get(0).get("kind").asString()).isEqualTo("reset");
    assertThat(plan("umbrella", 40_000).statusCode()).isEqualTo(200);
  }

  @Test
  void aBlockedTenantBuysATopUpPackAndTheNextCallGoesThrough() throws Exception {
    for (int call = 1; call <= 3; call++) {
      assertThat(plan("stark", 40_000).statusCode()).as("call %d", call).isEqualTo(200);
    }
    assertThat(plan("stark", 40_000).statusCode()).isEqualTo(429);

    HttpResponse<String> bought = topUp("stark", "{\"order\":\"ord-7731\"}");

    assertThat(bought.statusCode()).isEqualTo(201);
    JsonNode pack = json(bought);
    assertThat(pack.get("tokens").asLong()).isEqualTo(PlannerController.TOP_UP_PACK);
    assertThat(pack.get("remaining").asLong()).isEqualTo(10_000 + PlannerController.TOP_UP_PACK);
    assertThat(plan("stark", 40_000).statusCode()).isEqualTo(200);
    assertThat(admin.audit(dev.quota.admin.AuditQuery.of(TenantId.of("stark"))
            .operations(dev.quota.admin.AdminOperation.GRANT_ONE_TIME_CREDIT), dev.quota.admin.PageRequest.first(5))
        .items()).singleElement().satisfies(entry -> {
          assertThat(entry.actor().id()).isEqualTo("billing");
          assertThat(entry.reason()).isEqualTo("order ord-7731: top-up pack of 50000 ai-tokens");
        });
    JsonNode operators = json(get("/actuator/quota/stark")).get("meters").get(0);
    assertThat(operators.get("activeEntitlements").get(0).get("kind").asString()).isEqualTo("one-time-credit");
  }

  @Test
  void aTopUpWithoutAnOrderIsABadRequestAndGivesNothing() throws Exception {
    HttpResponse<String> response = topUp("wayne", "{}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("order must be given");
    assertThat(admin.entitlements(TenantId.of("wayne"))).isEmpty();
  }

  private HttpResponse<String> topUp(String tenant, String body) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri("/tenants/" + tenant + "/top-ups"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aTenantIdQuotaRefusesIsABadRequest() throws Exception {
    HttpResponse<String> response = plan("%20acme", 1_000);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).isEqualTo("tenant id must not start or end with white space");
  }

  private HttpResponse<String> plan(String tenant, long maxTokens) throws IOException, InterruptedException {
    String body = JSON.writeValueAsString(new PlannerController.PlanRequest(PROMPT, maxTokens));
    return HTTP.send(HttpRequest.newBuilder(uri("/tenants/" + tenant + "/plans"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static JsonNode json(HttpResponse<String> response) {
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).contains("json"));
    return JSON.readTree(response.body());
  }
}

package dev.quota.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * quota's tables dropped while the planner runs: every answer is a proper status (503 for the store, under the deny
 * policy), never a 500 with a stack trace, and the outage is logged once.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class PlannerOutageTest {
  private static final String APP_SCHEMA = "qe_outage_" + UUID.randomUUID().toString().substring(0, 8);
  private static final String QUOTA_SCHEMA = APP_SCHEMA + "_quota";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @LocalServerPort
  int port;

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", PostgresDatabase::url);
    registry.add("planner.schema", () -> APP_SCHEMA);
    // the local SMTP sink on a free port, not 3025, which another run may hold
    int mailSinkPort = FreePort.find();
    registry.add("planner.mail-sink.port", () -> mailSinkPort);
  }

  @AfterAll
  static void dropSchemas() throws SQLException {
    execute("DROP SCHEMA IF EXISTS \"" + APP_SCHEMA + "\" CASCADE");
    execute("DROP SCHEMA IF EXISTS \"" + QUOTA_SCHEMA + "\" CASCADE");
  }

  @Test
  void withQuotasTablesDroppedEveryAnswerIsA503AndTheOutageIsLoggedOnce(CapturedOutput output) throws Exception {
    assertThat(plan("acme").statusCode()).isEqualTo(200);

    execute("DROP SCHEMA \"" + QUOTA_SCHEMA + "\" CASCADE");

    // tenants never read before: nothing of theirs is cached
    HttpResponse<String> refused = plan("globex");
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(refused.body()).get("reason").asString()).isEqualTo("STORE_UNAVAILABLE");

    HttpResponse<String> page = get("/tenants/initech/usage");
    assertThat(page.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(page.body()).get("reason").asString()).isEqualTo("STORE_UNAVAILABLE");

    HttpResponse<String> operators = get("/actuator/quota/hooli");
    assertThat(operators.statusCode()).isEqualTo(503);
    JsonNode body = JSON.readTree(operators.body());
    assertThat(body.get("tenant").asString()).isEqualTo("hooli");
    assertThat(body.get("error").asString()).isEqualTo("quota's store is unavailable");
    assertThat(body.get("message").asString()).contains("does not exist");
    assertThat(operators.body()).doesNotContain("\tat ").doesNotContain("Exception");

    JsonNode health = JSON.readTree(get("/actuator/health").body()).get("components").get("quota");
    assertThat(health.get("status").asString()).isEqualTo("DOWN");

    assertThat(output).containsOnlyOnce("quota store unavailable, applying failure policy DENY")
        .doesNotContain("Request processing failed")
        .doesNotContain("Servlet.service()");
  }

  private HttpResponse<String> plan(String tenant) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri("/tenants/" + tenant + "/plans"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"plan the launch\", \"maxTokens\": 2000}"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static void execute(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(PostgresDatabase.url()); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}

package dev.quota.admin.web;

import static dev.quota.admin.web.ConsoleFixture.OPERATOR;
import static dev.quota.admin.web.ConsoleFixture.VIEWER;
import static dev.quota.admin.web.ConsoleFixture.tenantWithUsage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.testkit.InMemoryQuotaStore;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The JDK HTTP server entry point, driven over HTTP: one-time login, session, CSRF, roles, limits, headers. */
class ConsoleServerTest {
  private Quota quota;
  private ConsoleServer server;

  @BeforeEach
  void setUp() throws Exception {
    quota = Quota.builder().store(new InMemoryQuotaStore()).build();
    QuotaConsole console = QuotaConsole.builder().quota(quota).rateLimit(2, 10, Duration.ofHours(1)).build();
    server = ConsoleServer.builder(console).build();
  }

  @AfterEach
  void tearDown() {
    server.close();
    quota.close();
  }

  private static HttpClient client() {
    return HttpClient.newBuilder().cookieHandler(new CookieManager()).connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  private HttpResponse<String> send(HttpClient client, HttpRequest.Builder request) throws Exception {
    return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpClient signedIn(String principal, Set<String> roles) throws Exception {
    HttpClient client = client();
    HttpResponse<String> login = send(client, HttpRequest.newBuilder(server.loginUrl(principal, roles)));
    assertThat(login.statusCode()).isEqualTo(303);
    return client;
  }

  private URI url(String rest) {
    return server.baseUrl().resolve(rest);
  }

  private HttpRequest.Builder postJson(String rest, String json) {
    return HttpRequest.newBuilder(url(rest)).header("Content-Type", "application/json")
        .header("Origin", "http://" + server.address().getAddress().getHostAddress() + ":" + server.address().getPort())
        .POST(HttpRequest.BodyPublishers.ofString(json));
  }

  @Test
  void listensOnLoopbackOnly() {
    assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
  }

  @Test
  void withoutASessionEveryPageIsUnauthorized() throws Exception {
    HttpResponse<String> response = send(client(), HttpRequest.newBuilder(url("tenants")));

    assertThat(response.statusCode()).isEqualTo(401);
  }

  @Test
  void aLoginTokenWorksOnceAndStartsASession() throws Exception {
    URI login = server.loginUrl("otto", OPERATOR);
    HttpClient client = client();

    HttpResponse<String> first = send(client, HttpRequest.newBuilder(login));
    HttpResponse<String> second = send(client(), HttpRequest.newBuilder(login));
    HttpResponse<String> page = send(client, HttpRequest.newBuilder(url("tenants")));

    assertThat(first.statusCode()).isEqualTo(303);
    assertThat(first.headers().firstValue("Set-Cookie")).hasValueSatisfying(cookie ->
        assertThat(cookie).contains("HttpOnly", "SameSite=Strict"));
    assertThat(second.statusCode()).isEqualTo(401);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("Signed in as <strong>otto</strong>");
  }

  @Test
  void aViewerIsForbiddenToChange() throws Exception {
    tenantWithUsage(quota, "acme", 100_000);
    HttpClient viewer = signedIn("vera", VIEWER);

    HttpResponse<String> response = send(viewer, postJson("api/tenants/acme/reset-usage", "{\"reason\":\"x\"}"));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(quota.guard().canProceed(TenantId.of("acme"))).isFalse();
  }

  @Test
  void aCrossSiteFormPostIsRefusedEvenWithTheSessionCookie() throws Exception {
    TenantId tenant = tenantWithUsage(quota, "acme", 100_000);
    HttpClient operator = signedIn("otto", OPERATOR);

    HttpResponse<String> response = send(operator, HttpRequest.newBuilder(url("tenant/apply"))
        .header("Content-Type", "application/x-www-form-urlencoded").header("Origin", "https://evil.example")
        .POST(HttpRequest.BodyPublishers.ofString("tenant=acme&action=reset-usage&reason=pwned")));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(quota.guard().canProceed(tenant)).isFalse();
  }

  @Test
  void aSameOriginFormPostWithoutTheSessionsTokenIsRefused() throws Exception {
    TenantId tenant = tenantWithUsage(quota, "acme", 100_000);
    HttpClient operator = signedIn("otto", OPERATOR);

    HttpResponse<String> response = send(operator, HttpRequest.newBuilder(url("tenant/apply"))
        .header("Content-Type", "application/x-www-form-urlencoded").header("Sec-Fetch-Site", "same-origin")
        .POST(HttpRequest.BodyPublishers.ofString("tenant=acme&action=reset-usage&reason=no-token&_csrf=guess")));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(quota.guard().canProceed(tenant)).isFalse();
  }

  @Test
  void theFormsCarryTheSessionsTokenAndAResetGoesThrough() throws Exception {
    TenantId tenant = tenantWithUsage(quota, "acme", 100_000);
    HttpClient operator = signedIn("otto", OPERATOR);
    String page = send(operator, HttpRequest.newBuilder(url("tenant?tenant=acme"))).body();
    String token = page.replaceAll("(?s).*name=\"_csrf\" value=\"([0-9a-f]+)\".*", "$1");

    HttpResponse<String> applied = send(operator, HttpRequest.newBuilder(url("tenant/apply"))
        .header("Content-Type", "application/x-www-form-urlencoded").header("Sec-Fetch-Site", "same-origin")
        .POST(HttpRequest.BodyPublishers.ofString("tenant=acme&action=reset-usage&reason=JIRA-9&_csrf=" + token)));

    assertThat(applied.statusCode()).isEqualTo(303);
    assertThat(quota.guard().canProceed(tenant)).isTrue();
  }

  @Test
  void changesBeyondTheLimitGet429WithRetryAfter() throws Exception {
    tenantWithUsage(quota, "acme", 10);
    HttpClient operator = signedIn("otto", OPERATOR);
    String body = "{\"until\":\"2099-01-01\",\"reason\":\"r\"}";
    String bypass = "{\"until\":\"" + java.time.Instant.now().plus(Duration.ofDays(1)) + "\",\"reason\":\"r\"}";

    assertThat(send(operator, postJson("api/tenants/acme/bypasses", bypass)).statusCode()).isEqualTo(200);
    assertThat(send(operator, postJson("api/tenants/acme/bypasses", bypass)).statusCode()).isEqualTo(200);
    HttpResponse<String> refused = send(operator, postJson("api/tenants/acme/bypasses", body));

    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(s ->
        assertThat(Long.parseLong(s)).isBetween(1L, 3600L));
  }

  @Test
  void anIdempotencyKeyRepeatedOverHttpWritesOnce() throws Exception {
    TenantId tenant = tenantWithUsage(quota, "acme", 10);
    HttpClient operator = signedIn("otto", OPERATOR);
    String grant = "{\"meter\":\"ai-tokens\",\"amount\":500,\"until\":\"" + java.time.Instant.now()
        .plus(Duration.ofDays(1)) + "\",\"reason\":\"once\"}";

    HttpResponse<String> first = send(operator, postJson("api/tenants/acme/grants", grant)
        .header("Idempotency-Key", "abc"));
    HttpResponse<String> second = send(operator, postJson("api/tenants/acme/grants", grant)
        .header("Idempotency-Key", "abc"));

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(quota.admin().entitlements(tenant)).hasSize(1);
  }

  @Test
  void responsesCarryTheSecurityHeaders() throws Exception {
    HttpClient viewer = signedIn("vera", VIEWER);

    HttpResponse<String> page = send(viewer, HttpRequest.newBuilder(url("tenants")));

    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
        assertThat(csp).contains("default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"));
    assertThat(page.headers().firstValue("Cache-Control")).contains("no-store");
    assertThat(page.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    assertThat(page.headers().firstValue("Referrer-Policy")).contains("same-origin");
  }

  @Test
  void hostileInputIsEscapedInTheServedPage() throws Exception {
    String hostile = "<script>alert(1)</script>'\"";
    tenantWithUsage(quota, hostile, 100_000);
    HttpClient viewer = signedIn("vera", VIEWER);

    String page = send(viewer, HttpRequest.newBuilder(url("tenants"))).body();

    assertThat(page).doesNotContain("<script>alert(1)</script>").contains("&lt;script&gt;alert(1)&lt;/script&gt;");
  }

  @Test
  void problemDetailsNameTheField() throws Exception {
    tenantWithUsage(quota, "acme", 10);
    HttpClient operator = signedIn("otto", OPERATOR);

    HttpResponse<String> response = send(operator, postJson("api/tenants/acme/overrides",
        "{\"tier\":\"platinum\",\"until\":\"2099-01-01\",\"reason\":\"r\"}"));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(response.body()).contains("\"field\":\"tier\"", "\"title\":\"Bad Request\"");
  }
}
